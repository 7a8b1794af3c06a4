// libFuzzer target for the answer checker: extraction, the LaTeX lexer and
// parser, and the GiNaC-backed equivalence. The input is split at its first
// newline into gold and prediction. Build and run with scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "verify/answer_checker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find('\n');
  const std::string_view gold = input.substr(0, split);
  const std::string_view pred = split == std::string_view::npos ? input : input.substr(split + 1);
  (void)edgereason::ExtractAnswer(input);
  (void)edgereason::CheckAnswer(gold, pred);
  return 0;
}
