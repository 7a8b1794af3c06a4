// A recursive-descent parser from a LaTeX answer ("\frac{1}{2}", "x = 5",
// "[0, 7)", "\begin{pmatrix} 1 & 2 \end{pmatrix}") to a MathValue built on
// GiNaC expressions. The work is bounded: answers are at most kMaxAnswerBytes,
// brackets nest at most kMaxNesting deep, exact numbers stay below
// kMaxExactBits bits and factorials below kMaxFactorial, so hostile input
// such as 10^{10^{10^{10}}} or 1000000! is refused rather than computed.
#pragma once

#include <string_view>

#include "base/status.h"
#include "verify/math_value.h"

namespace edgereason::verify {

inline constexpr int kMaxNesting = 64;
inline constexpr long kMaxExactBits = 40000;
inline constexpr long kMaxFactorial = 1000;

struct ParsedAnswer {
  MathValue value;
  // The answer wrote a decimal fraction ("0.33"), so it may be a rounding of
  // the exact value and is compared with a tolerance.
  bool inexact = false;
};

// Parses one extracted answer. Symbols are created in (or reused from)
// `symbols`. Never throws: every failure is a Status naming what was not
// understood.
Result<ParsedAnswer> ParseAnswer(std::string_view answer, SymbolTable& symbols);

}  // namespace edgereason::verify
