#include "verify/answer_checker.h"

#include <cctype>
#include <mutex>

#include "verify/answer_extraction.h"
#include "verify/equivalence.h"
#include "verify/latex_parser.h"

#if defined(__SANITIZE_ADDRESS__)
// CLN, under GiNaC, allocates tables once at start-up and never frees them;
// without this LeakSanitizer fails every program that links the checker.
extern "C" const char* __lsan_default_suppressions() { return "leak:libcln.so\n"; }
#endif

namespace edgereason {
namespace {

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string WithoutSpaces(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

// GiNaC shares reference-counted constants between all expressions and
// counts without atomics, so two threads must never run it at once.
std::mutex& GinacMutex() {
  static std::mutex mutex;
  return mutex;
}

CheckResult Verdict(CheckResult result, const char* verdict) {
  result.verdict = verdict;
  result.match = result.verdict == "match";
  return result;
}

CheckResult CompareLetters(std::optional<char> gold, std::string_view pred, CheckResult result) {
  if (!gold) return Verdict(std::move(result), "unparseable_gold");
  result.gold_extracted = std::string(1, *gold);
  std::optional<char> letter = verify::ExtractChoiceLetter(pred);
  if (!letter) return Verdict(std::move(result), "unparseable_pred");
  result.pred_extracted = std::string(1, *letter);
  return Verdict(std::move(result), *letter == *gold ? "match" : "mismatch");
}

CheckResult CheckLocked(std::string_view gold, std::string_view pred, const CheckOptions& options) {
  CheckResult result;
  if (IsBlank(gold) || IsBlank(pred)) return Verdict(std::move(result), "empty");
  if (options.kind == CheckOptions::AnswerKind::kChoiceLetter) {
    return CompareLetters(verify::ExtractChoiceLetter(gold), pred, std::move(result));
  }
  verify::ExtractionOptions extraction{options.extract_latex, options.extract_plain_numbers};
  std::optional<std::string> gold_answer = verify::ExtractAnswerText(gold, extraction);
  if (!gold_answer) return Verdict(std::move(result), "unparseable_gold");
  if (options.kind == CheckOptions::AnswerKind::kAuto) {
    if (auto letter = verify::AsChoiceLetter(*gold_answer)) {
      return CompareLetters(letter, pred, std::move(result));
    }
  }
  result.gold_extracted = *gold_answer;
  std::optional<std::string> pred_answer = verify::ExtractAnswerText(pred, extraction);
  if (!pred_answer) return Verdict(std::move(result), "unparseable_pred");
  result.pred_extracted = *pred_answer;
  if (WithoutSpaces(*gold_answer) == WithoutSpaces(*pred_answer)) {
    return Verdict(std::move(result), "match");
  }
  verify::SymbolTable symbols;
  auto gold_parsed = verify::ParseAnswer(*gold_answer, symbols);
  if (!gold_parsed.ok()) return Verdict(std::move(result), "unparseable_gold");
  auto pred_parsed = verify::ParseAnswer(*pred_answer, symbols);
  if (!pred_parsed.ok() && options.extract_plain_numbers) {
    // Math that cannot be parsed: fall back to the last number of the text.
    if (auto number = verify::LastNumberInText(pred)) {
      result.pred_extracted = *number;
      pred_parsed = verify::ParseAnswer(*number, symbols);
    }
  }
  if (!pred_parsed.ok()) return Verdict(std::move(result), "unparseable_pred");
  verify::EquivalenceOptions equivalence{options.precision, options.ordered_lists};
  bool same = verify::Equivalent(*gold_parsed, *pred_parsed, symbols, equivalence);
  return Verdict(std::move(result), same ? "match" : "mismatch");
}

}  // namespace

CheckResult CheckAnswer(std::string_view gold, std::string_view pred, const CheckOptions& options) {
  std::lock_guard<std::mutex> lock(GinacMutex());
  try {
    return CheckLocked(gold, pred, options);
  } catch (...) {  // GiNaC, CLN or the allocator: no exception leaves the checker
    CheckResult result;
    return Verdict(std::move(result), "unparseable_pred");
  }
}

std::optional<std::string> ExtractAnswer(std::string_view text) {
  try {
    return verify::ExtractAnswerText(text, {});
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace edgereason
