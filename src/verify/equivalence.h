// Whether two parsed answers mean the same thing: exact symbolic equality by
// GiNaC first, then numeric agreement (at random points when symbols remain).
#pragma once

#include "verify/latex_parser.h"
#include "verify/math_value.h"

namespace edgereason::verify {

struct EquivalenceOptions {
  // Decimal digits an answer written with a decimal fraction must agree to:
  // |a - b| <= 10^-precision * max(1, |a|, |b|). Exact answers (integers,
  // fractions, radicals) must agree to 1e-9 relative, i.e. be equal.
  int precision = 6;
  // Compare bare lists ("4, 10, -2") in order instead of as sets.
  bool ordered_lists = false;
};

// `symbols` must be the table both answers were parsed with. Never throws.
bool Equivalent(const ParsedAnswer& gold, const ParsedAnswer& pred, const SymbolTable& symbols,
                const EquivalenceOptions& options);

}  // namespace edgereason::verify
