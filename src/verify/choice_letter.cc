// Multiple-choice letters (declared in answer_extraction.h).
#include <array>
#include <cctype>
#include <string>

#include "verify/answer_extraction.h"

namespace edgereason::verify {
namespace {

bool IsChoice(char c) { return c >= 'A' && c <= 'E'; }
bool IsAsciiAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// The letter at `i` when it stands alone: "(C)", "**D**", "B.", "C Cecile",
// "B。" — not the "A" of "And" or of "A4".
std::optional<char> LoneLetterAt(std::string_view text, size_t i) {
  if (i >= text.size() || !IsChoice(text[i])) return std::nullopt;
  if (i > 0 && (IsAsciiAlnum(text[i - 1]) || text[i - 1] == '\\' || text[i - 1] == '_')) {
    return std::nullopt;
  }
  if (i + 1 < text.size() && (IsAsciiAlnum(text[i + 1]) || text[i + 1] == '\'')) return std::nullopt;
  return text[i];
}

std::optional<char> FirstLoneLetter(std::string_view text, size_t from, size_t within) {
  for (size_t i = from; i < text.size() && i <= from + within; ++i) {
    if (auto letter = LoneLetterAt(text, i)) return letter;
  }
  return std::nullopt;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<char> AsChoiceLetter(std::string_view answer) {
  std::string bare;
  for (size_t i = 0; i < answer.size(); ++i) {
    char c = answer[i];
    if (c == '\\') {  // \text, \textbf, \mathrm: keep only their argument
      while (i + 1 < answer.size() && std::isalpha(static_cast<unsigned char>(answer[i + 1]))) ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c)) || c == '(' || c == ')' || c == '{' ||
        c == '}' || c == '$' || c == '.' || c == '*') {
      continue;
    }
    bare += c;
  }
  if (bare.size() == 1 && IsChoice(bare[0])) return bare[0];
  return std::nullopt;
}

std::optional<char> ExtractChoiceLetter(std::string_view text) {
  if (text.size() > kMaxTextBytes) return std::nullopt;
  if (auto boxed = ExtractAnswerText(text, {.latex = true, .plain_numbers = false});
      boxed && text.find("\\boxed") != std::string_view::npos) {
    if (auto letter = AsChoiceLetter(*boxed)) return letter;
  }
  std::string lowered = Lower(text);
  if (size_t at = lowered.rfind("final answer is"); at != std::string::npos) {
    if (auto letter = FirstLoneLetter(text, at + 15, 20)) return letter;
  }
  // The last "answer" (in the languages evaluations use) followed closely by a letter.
  static constexpr std::array<std::string_view, 7> kAnswerWords = {
      "answer", "réponse", "respuesta", "antwort", "resposta", "答案", "答"};
  std::optional<char> anchored;
  size_t anchored_at = 0;
  for (std::string_view word : kAnswerWords) {
    for (size_t at = lowered.find(word); at != std::string::npos; at = lowered.find(word, at + 1)) {
      auto letter = FirstLoneLetter(text, at + word.size(), 50);
      if (letter && (!anchored || at >= anchored_at)) {
        anchored = letter;
        anchored_at = at;
      }
    }
  }
  if (anchored) return anchored;
  size_t start = 0;
  while (start < text.size() && (std::isspace(static_cast<unsigned char>(text[start])) ||
                                 text[start] == '(' || text[start] == '*')) {
    ++start;
  }
  if (auto letter = LoneLetterAt(text, start)) return letter;
  for (size_t i = text.size(); i-- > 0;) {
    if (auto letter = LoneLetterAt(text, i)) return letter;
  }
  return std::nullopt;
}

}  // namespace edgereason::verify
