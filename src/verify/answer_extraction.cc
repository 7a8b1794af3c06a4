#include "verify/answer_extraction.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "verify/latex_lexer.h"
#include "verify/plain_numbers.h"

namespace edgereason::verify {
namespace {

bool IsLetter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

// Index just past the brace group opening at `open`, or npos if unclosed.
size_t MatchBrace(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\') { ++i; continue; }
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i + 1;
  }
  return std::string_view::npos;
}

struct Span {
  size_t begin = 0, end = 0;  // the whole match in the text
  std::string content;        // what it holds
};

// True when the text between two answers only links them: spaces,
// punctuation, LaTeX spacing and \text{...}, and at most one "and" / "or".
bool OnlyLinks(std::string_view gap) {
  if (gap.size() > 120) return false;
  int words = 0;
  for (size_t i = 0; i < gap.size();) {
    char c = gap[i];
    if (c == '\\' && i + 1 < gap.size() && IsLetter(gap[i + 1])) {
      size_t j = i + 1;
      while (j < gap.size() && IsLetter(gap[j])) ++j;
      if (gap.substr(i, j - i) == "\\text" && j < gap.size() && gap[j] == '{') {
        size_t end = MatchBrace(gap, j);
        if (end == std::string_view::npos) return false;
        j = end;
      }
      i = j;
    } else if (IsLetter(c)) {
      size_t j = i;
      while (j < gap.size() && IsLetter(gap[j])) ++j;
      std::string word = Lower(gap.substr(i, j - i));
      if ((word != "and" && word != "or") || ++words > 1) return false;
      i = j;
    } else if (IsDigit(c) || static_cast<unsigned char>(c) >= 0x80) {
      return false;
    } else {
      ++i;
    }
  }
  return true;
}

// Joins the last span with the ones before it that only links separate.
std::string JoinTrailing(std::string_view text, const std::vector<Span>& spans, size_t max_parts) {
  size_t first = spans.size() - 1;
  while (first > 0 && spans.size() - first < max_parts &&
         spans[first - 1].end <= spans[first].begin &&
         OnlyLinks(text.substr(spans[first - 1].end, spans[first].begin - spans[first - 1].end))) {
    --first;
  }
  std::string joined;
  for (size_t i = first; i < spans.size(); ++i) {
    if (!joined.empty()) joined += ", ";
    joined += spans[i].content;
  }
  return joined;
}

std::vector<Span> FindBoxes(std::string_view text) {
  std::vector<Span> boxes;
  for (std::string_view command : {"\\boxed", "\\fbox"}) {
    for (size_t pos = text.find(command); pos != std::string_view::npos;
         pos = text.find(command, pos + 1)) {
      size_t i = pos + command.size();
      if (i < text.size() && IsLetter(text[i])) continue;
      while (i < text.size() && text[i] == ' ') ++i;
      Span box{pos, text.size(), ""};
      if (i < text.size() && text[i] == '{') {
        size_t end = MatchBrace(text, i);
        box.end = end == std::string_view::npos ? text.size() : end;
        box.content = std::string(text.substr(i + 1, box.end - i - (end == std::string_view::npos ? 1 : 2)));
      } else {  // "\boxed 5"
        size_t j = i;
        while (j < text.size() && !IsSpace(text[j]) && text[j] != '$') ++j;
        box.end = j;
        box.content = std::string(text.substr(i, j - i));
      }
      boxes.push_back(std::move(box));
    }
  }
  std::sort(boxes.begin(), boxes.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  // A box inside another box belongs to it.
  std::vector<Span> outer;
  for (Span& box : boxes) {
    if (!outer.empty() && box.begin < outer.back().end) continue;
    outer.push_back(std::move(box));
  }
  return outer;
}

// $$...$$, \[...\], \(...\), $...$ (one line), and bare \frac{n}{m}.
std::vector<Span> FindMathEnvironments(std::string_view text) {
  std::vector<Span> envs;
  auto escaped = [&](size_t i) { return i > 0 && text[i - 1] == '\\'; };
  for (size_t i = 0; i < text.size();) {
    auto close = [&](std::string_view open, std::string_view closing, bool one_line) -> bool {
      if (text.compare(i, open.size(), open) != 0) return false;
      size_t from = i + open.size();
      for (size_t j = text.find(closing, from); j != std::string_view::npos;
           j = text.find(closing, j + 1)) {
        if (one_line && text.substr(from, j - from).find('\n') != std::string_view::npos) return false;
        if (escaped(j) && closing[0] == '$') continue;
        envs.push_back({i, j + closing.size(), std::string(text.substr(from, j - from))});
        i = j + closing.size();
        return true;
      }
      return false;
    };
    if (text[i] == '$' && escaped(i)) { ++i; continue; }
    bool digit_before = i > 0 && IsDigit(text[i - 1]);
    if (close("$$", "$$", false) || close("\\[", "\\]", false) || close("\\(", "\\)", false) ||
        (!digit_before && close("$", "$", true))) {
      continue;
    }
    // A bare fraction of plain numbers, "-\frac{10}{9}", counts as math too.
    if (text.compare(i, 6, "\\frac{") == 0) {
      size_t num_end = MatchBrace(text, i + 5);
      if (num_end != std::string_view::npos && num_end < text.size() && text[num_end] == '{') {
        size_t den_end = MatchBrace(text, num_end);
        auto plain = [&](size_t b, size_t e) {
          return e > b && std::all_of(text.begin() + b, text.begin() + e,
                                      [](char c) { return IsDigit(c) || c == '.' || c == '-'; });
        };
        if (den_end != std::string_view::npos && plain(i + 6, num_end - 1) &&
            plain(num_end + 1, den_end - 1)) {
          size_t begin = i > 0 && text[i - 1] == '-' ? i - 1 : i;
          envs.push_back({begin, den_end, std::string(text.substr(begin, den_end - begin))});
          i = den_end;
          continue;
        }
      }
    }
    ++i;
  }
  std::erase_if(envs, [](const Span& s) { return Trim(s.content).empty(); });
  return envs;
}


// Positions of the last occurrence of any of `needles` (ASCII lower case)
// in the lowered text, latest first.
std::vector<size_t> FindAll(const std::string& lowered, std::string_view needle) {
  std::vector<size_t> at;
  for (size_t p = lowered.find(needle); p != std::string::npos; p = lowered.find(needle, p + 1)) {
    at.push_back(p);
  }
  return at;
}

// "... final answer is $x$. I hope it is correct." / "Final Answer: the
// number of points is 19". Returns the answer and where it starts.
std::optional<Span> AfterFinalAnswer(std::string_view text, const std::string& lowered,
                                     const ExtractionOptions& options) {
  auto hits = FindAll(lowered, "final answer");
  for (auto it = hits.rbegin(); it != hits.rend(); ++it) {
    size_t is = lowered.find(" is", *it + 12);
    if (is == std::string::npos || is > *it + 12 + 100) continue;
    size_t from = is + 3;
    while (from < text.size() && (IsSpace(text[from]) || text[from] == ':')) ++from;
    std::string_view rest = text.substr(from);
    if (options.latex) {
      auto envs = FindMathEnvironments(rest.substr(0, std::min<size_t>(rest.size(), 4 * kMaxAnswerBytes)));
      if (!envs.empty() && envs[0].begin == 0) return Span{from, from + envs[0].end, envs[0].content};
    }
    size_t stop = std::min(rest.find('\n'), Lower(rest.substr(0, 4 * kMaxAnswerBytes)).find("i hope"));
    std::string answer = Trim(rest.substr(0, std::min(stop, rest.size())));
    while (!answer.empty() && (answer.back() == '.' || IsSpace(answer.back()))) answer.pop_back();
    if (answer.empty() || answer.size() > kMaxAnswerBytes) continue;
    if (!options.latex) {  // only numbers may come from running text
      auto numbers = FindNumbers(answer);
      if (numbers.empty()) continue;
      answer = numbers[0].value;
    }
    return Span{from, from + answer.size(), answer};
  }
  return std::nullopt;
}

// "answer: $x$", "the answer is 12": math or a number shortly after the
// last "answer" that has one.
std::optional<std::string> AfterAnswerWord(std::string_view text, const std::string& lowered,
                                           const ExtractionOptions& options) {
  std::vector<size_t> hits;
  for (std::string_view word : {"answer", "réponse", "respuesta", "antwort"}) {
    for (size_t at : FindAll(lowered, word)) hits.push_back(at + word.size());
  }
  std::sort(hits.begin(), hits.end());
  for (auto it = hits.rbegin(); it != hits.rend(); ++it) {
    size_t from = *it;
    std::string_view rest = text.substr(from, 200);
    if (options.latex) {
      auto envs = FindMathEnvironments(rest);
      if (!envs.empty() && envs[0].begin <= 50) return envs[0].content;
    }
    if (options.plain_numbers) {
      auto numbers = FindNumbers(rest);
      if (!numbers.empty() && numbers[0].begin <= 50) return numbers[0].value;
    }
  }
  return std::nullopt;
}

// Whether the whole text reads as one answer rather than prose: no word of
// three or more letters other than LaTeX commands, \text{...} and function
// names, and nothing but ASCII and common math symbols.
bool IsBareAnswer(std::string_view text) {
  if (text.size() > kMaxAnswerBytes || Trim(text).empty()) return false;
  for (size_t i = 0; i < text.size(); ++i) {  // math delimiters make it not bare; \$ is a dollar sign
    bool escaped = i > 0 && text[i - 1] == '\\';
    if ((text[i] == '$' && !escaped) || (escaped && (text[i] == '[' || text[i] == '('))) return false;
  }
  std::string word = Trim(text);
  if (word.size() <= 40 && std::all_of(word.begin(), word.end(), IsLetter)) return true;  // "Odd"
  static constexpr std::array<std::string_view, 16> kAllowedWords = {
      "sin", "cos", "tan", "cot", "sec", "csc", "log", "exp", "sqrt", "and", "pi",
      "sinh", "cosh", "tanh", "infty", "inf"};
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      size_t j = i + 1;
      while (j < text.size() && IsLetter(text[j])) ++j;
      std::string_view name = text.substr(i + 1, j - i - 1);
      bool skip_argument = name.starts_with("text") || name == "mbox" || name == "mathrm" ||
                           name == "begin" || name == "end" || name == "operatorname";
      if (skip_argument && j < text.size() &&
          text[j] == '{') {
        size_t end = MatchBrace(text, j);
        j = end == std::string_view::npos ? text.size() : end;
      }
      i = std::max(j, i + 2);
    } else if (IsLetter(text[i])) {
      size_t j = i;
      while (j < text.size() && IsLetter(text[j])) ++j;
      std::string word = Lower(text.substr(i, j - i));
      if (word.size() >= 3 &&
          std::find(kAllowedWords.begin(), kAllowedWords.end(), word) == kAllowedWords.end()) {
        return false;
      }
      i = j;
    } else if (c >= 0x80) {
      bool math = false;
      for (std::string_view symbol : {"π", "∞", "√", "×", "÷", "·", "≤", "≥", "≠", "−", "°", "²", "³"}) {
        if (text.compare(i, symbol.size(), symbol) == 0) {
          math = true;
          i += symbol.size();
          break;
        }
      }
      if (!math) return false;
    } else {
      ++i;
    }
  }
  return true;
}

// Drops a model's thinking and the doubled backslashes of over-escaped text.
std::string Prepare(std::string_view text) {
  if (size_t think = text.rfind("</think>"); think != std::string_view::npos) {
    std::string_view after = text.substr(think + 8);
    if (!Trim(after).empty()) text = after;
  }
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 2 < text.size() && text[i + 1] == '\\' && IsLetter(text[i + 2])) continue;
    out += text[i];
  }
  return out;
}

}  // namespace

std::optional<std::string> ExtractAnswerText(std::string_view raw, const ExtractionOptions& options) {
  if (raw.size() > kMaxTextBytes) return std::nullopt;
  std::string text = Prepare(raw);
  std::string lowered = Lower(text);
  std::optional<Span> final_answer = AfterFinalAnswer(text, lowered, options);
  if (options.latex) {
    // The last box, unless a "final answer is" sentence comes after it.
    auto boxes = FindBoxes(text);
    if (!boxes.empty() && (!final_answer || final_answer->begin < boxes.back().end)) {
      return Trim(JoinTrailing(text, boxes, 16));
    }
  }
  if (final_answer) return final_answer->content;
  if (options.latex && IsBareAnswer(text)) return Trim(text);
  if (size_t hashes = text.rfind("####"); hashes != std::string::npos) {
    std::string_view line = std::string_view(text).substr(hashes + 4);
    line = line.substr(0, line.find('\n'));
    auto numbers = FindNumbers(line);
    if (!numbers.empty()) return numbers[0].value;
  }
  if (auto answer = AfterAnswerWord(text, lowered, options)) return answer;
  if (options.latex) {
    auto envs = FindMathEnvironments(text);
    if (!envs.empty()) return Trim(JoinTrailing(text, envs, 6));
  }
  if (options.plain_numbers) {
    auto numbers = FindNumbers(text);
    if (!numbers.empty()) return numbers.back().value;
  }
  return std::nullopt;
}

std::optional<std::string> LastNumberInText(std::string_view text) {
  if (text.size() > kMaxTextBytes) return std::nullopt;
  auto numbers = FindNumbers(text);
  if (numbers.empty()) return std::nullopt;
  return numbers.back().value;
}

}  // namespace edgereason::verify
