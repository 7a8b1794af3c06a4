// Splits chat template source into text and tag tokens, applying the
// whitespace rules the reference renderer runs with: trim_blocks (drop the
// newline after a block or comment tag), lstrip_blocks (drop indentation
// before one), `-` / `+` markers inside tag delimiters, newline normalisation
// and removal of a single trailing newline. Comments never reach the parser;
// {% raw %} sections arrive as plain text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason::jinja {

enum class TokenKind {
  kText,           // literal template text
  kVariableBegin,  // {{
  kVariableEnd,    // }}
  kBlockBegin,     // {%
  kBlockEnd,       // %}
  kName,
  kString,  // text holds the unescaped value
  kInteger,
  kFloat,
  kOperator,  // text holds the operator, e.g. "//" or "("
  kEnd,       // end of the template
};

struct Token {
  TokenKind kind;
  std::string text;
  int64_t integer = 0;
  double number = 0;
  int line = 1;
  int column = 1;
};

struct LexerOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Errors read "<origin>:<line>:<column>: <what>".
Result<std::vector<Token>> Tokenize(const std::string& source, const std::string& origin,
                                    const LexerOptions& options = {});

}  // namespace edgereason::jinja
