// Splits a LaTeX (or plain-text) answer into tokens for the answer parser.
// The lexer already drops what carries no mathematical meaning (spacing,
// \left/\right, degree signs, percent and dollar signs, unit words in \text)
// and maps synonyms to one spelling (\dfrac -> frac, \leq -> "<=", × -> "*"),
// so the parser sees one form per concept.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgereason::verify {

enum class TokenKind {
  kNumber,     // "12", "0.5", ".5" (digits only; signs are operators)
  kWord,       // a run of ASCII letters: "x", "xy", "sin", "and"
  kCommand,    // a LaTeX command without its backslash: "frac", "sqrt", "pi"
  kPunct,      // operators and brackets: + - * / ^ _ ( ) [ ] { } \{ \} , ; : = < > <= >= != ! | & ' \\ .
  kSeparator,  // "and" / "or" written as \text{ and }: separates list items
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
};

// Longest answer text the lexer accepts; longer answers are unparseable.
inline constexpr size_t kMaxAnswerBytes = 2000;

// Rewrites what is easier to handle as text before lexing: cuts at \approx,
// removes degree, percent and dollar signs, joins thousands groups written
// with "{,}" or ",\!", and unwraps an answer that is one \text{...}.
std::string NormalizeAnswerText(std::string_view answer);

// Tokens of an answer (already normalized), ending with one kEnd token.
// Fails on characters no answer contains (most non-ASCII text, control bytes
// other than whitespace) and on answers longer than kMaxAnswerBytes.
Result<std::vector<Token>> LexLatex(std::string_view latex);

}  // namespace edgereason::verify
