// Finding the final answer in a solution or a model's output. In order:
// the last \boxed{} / \fbox{} (boxes joined by "and" or commas count as one
// answer), "final answer is ...", GSM8K's "#### n", an "answer:" anchor
// followed by math, the last $...$ / \(...\) / \[...\] / $$...$$ (joined with
// neighbours linked by "and" / ","), the whole text when it is itself a bare
// answer, and finally the last number or arithmetic expression in the text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace edgereason::verify {

// Longest text extraction looks at; longer texts give no answer.
inline constexpr size_t kMaxTextBytes = 4 << 20;

struct ExtractionOptions {
  bool latex = true;          // boxes, math environments, bare LaTeX answers
  bool plain_numbers = true;  // numbers and expressions in running text
};

std::optional<std::string> ExtractAnswerText(std::string_view text, const ExtractionOptions& options);

// The last number or arithmetic expression of running text: the answer of
// last resort when the math an output ends with cannot be parsed.
std::optional<std::string> LastNumberInText(std::string_view text);

// A multiple-choice letter A-E: "\boxed{C}", "final answer is (B)",
// "answer: C", "(D) Alina" or "D." at the start, else the last lone letter.
std::optional<char> ExtractChoiceLetter(std::string_view text);

// The letter when `answer` is nothing but a choice letter: "C", "(C)",
// "\text{(C)}".
std::optional<char> AsChoiceLetter(std::string_view answer);

}  // namespace edgereason::verify
