// The answer checker: extracts the final answer from a reference solution
// (gold) and from a model's output (pred) and decides whether they are
// mathematically the same. Used to grade evaluations and to label sampled
// solutions for verifier training.
//
//   CheckResult r = CheckAnswer("\\frac{1}{2}", "so the answer is $\\boxed{0.5}$");
//   r.match == true, r.verdict == "match", r.pred_extracted == "0.5"
//
// Supported: numbers (integers, decimals, thousands separators, decimal
// commas, percentages, degrees, units), fractions and mixed numbers,
// radicals, pi and e, symbolic expressions (GiNaC), equations and
// inequalities, intervals and unions, sets, tuples, matrices, \pm, bases
// (204_5), multiple-choice letters and one-word answers.
//
// Every check is bounded (answers up to kMaxAnswerBytes, texts up to
// kMaxTextBytes, exact numbers up to kMaxExactBits) and never throws.
// Thread-safe: GiNaC's shared state is guarded inside.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace edgereason {

struct CheckOptions {
  enum class AnswerKind {
    kAuto,          // a choice letter when the gold answer is one, else math
    kMath,          // always compare as mathematics
    kChoiceLetter,  // extract a letter A-E from both sides
  };
  AnswerKind kind = AnswerKind::kAuto;
  // Where answers may come from: LaTeX (boxes, $...$, bare LaTeX answers)
  // and/or numbers and arithmetic in running text.
  bool extract_latex = true;
  bool extract_plain_numbers = true;
  // Decimal digits a decimal answer must agree to, relative to the larger of
  // 1 and the magnitudes: 1/3 matches 0.333333 at 6 but not 0.3333.
  int precision = 6;
  // Compare bare lists ("4, 10, -2") in order instead of as sets.
  bool ordered_lists = false;
};

struct CheckResult {
  bool match = false;
  std::string gold_extracted;  // the answer found in gold ("" if none)
  std::string pred_extracted;  // the answer found in pred ("" if none)
  // "match", "mismatch", "unparseable_gold", "unparseable_pred", or "empty"
  // (gold or pred is blank).
  std::string verdict;
};

CheckResult CheckAnswer(std::string_view gold, std::string_view pred,
                        const CheckOptions& options = {});

// The final answer of a solution or model output, as text, or nullopt when
// there is none.
std::optional<std::string> ExtractAnswer(std::string_view text);

}  // namespace edgereason
