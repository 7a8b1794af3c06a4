#include "verify/latex_lexer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace edgereason::verify {
namespace {

bool IsLetter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

// Index just past the brace group that opens at `open` (s[open] == '{'), or
// npos when it never closes. Escaped braces \{ \} do not count.
size_t SkipBraceGroup(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '\\') { ++i; continue; }
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i + 1;
  }
  return std::string_view::npos;
}

// Joins digit groups separated by "{,}" or ",\!" (how LaTeX writes 10,000).
std::string JoinThousands(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    for (std::string_view sep : {std::string_view("{,}"), std::string_view(",\\!")}) {
      if (i > 0 && IsDigit(s[i - 1]) && s.compare(i, sep.size(), sep) == 0) {
        size_t j = i + sep.size();
        while (j < s.size() && s[j] == ' ') ++j;
        if (j + 2 < s.size() && IsDigit(s[j]) && IsDigit(s[j + 1]) && IsDigit(s[j + 2])) {
          i = j;
          break;
        }
      }
    }
    out += s[i];
  }
  return out;
}

// Commands that only change how something looks.
bool IsIgnoredCommand(std::string_view name) {
  static constexpr std::array<std::string_view, 27> kIgnored = {
      "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
      "biggl", "biggr", "displaystyle", "textstyle", "limits", "nolimits", "quad",
      "qquad", "nonumber", "notag", "middle", "cdotp", "circ", "degree", "phantom",
      "mathstrut", "strut"};
  return std::find(kIgnored.begin(), kIgnored.end(), name) != kIgnored.end();
}

// Commands whose argument is text: a unit ("cm"), a connective ("and") or
// a word answer.
bool IsTextCommand(std::string_view name) {
  static constexpr std::array<std::string_view, 10> kText = {
      "text", "textbf", "textit", "textrm", "textsf", "texttt", "textnormal", "mbox", "emph",
      "textup"};
  return std::find(kText.begin(), kText.end(), name) != kText.end();
}

// Commands that decorate a math argument without changing what it names.
bool IsStyleCommand(std::string_view name) {
  static constexpr std::array<std::string_view, 17> kStyle = {
      "mathrm", "mathbf", "mathit", "mathsf", "mathcal", "mathbb", "boldsymbol", "bm",
      "vec", "overline", "overrightarrow", "hat", "bar", "tilde", "widehat", "underline",
      "operatorname"};
  return std::find(kStyle.begin(), kStyle.end(), name) != kStyle.end();
}

bool IsMatrixEnvironment(std::string_view env) {
  static constexpr std::array<std::string_view, 9> kMatrix = {
      "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "matrix", "smallmatrix",
      "array", "pmatrix*"};
  return std::find(kMatrix.begin(), kMatrix.end(), env) != kMatrix.end();
}

// The canonical token for a command that is a synonym of an operator.
std::pair<TokenKind, std::string> CanonicalCommand(const std::string& name) {
  static const std::array<std::pair<std::string_view, std::string_view>, 22> kPunct = {{
      {"le", "<="}, {"leq", "<="}, {"leqslant", "<="}, {"ge", ">="}, {"geq", ">="},
      {"geqslant", ">="}, {"ne", "!="}, {"neq", "!="}, {"lt", "<"}, {"gt", ">"},
      {"cdot", "*"}, {"times", "*"}, {"ast", "*"}, {"div", "/"}, {"colon", ":"},
      {"lbrace", "\\{"}, {"rbrace", "\\}"}, {"langle", "("}, {"rangle", ")"},
      {"vert", "|"}, {"lvert", "|"}, {"rvert", "|"}}};
  for (const auto& [from, to] : kPunct) {
    if (name == from) return {TokenKind::kPunct, std::string(to)};
  }
  if (name == "dfrac" || name == "tfrac" || name == "cfrac") return {TokenKind::kCommand, "frac"};
  if (name == "dbinom" || name == "tbinom") return {TokenKind::kCommand, "binom"};
  if (name == "varnothing") return {TokenKind::kCommand, "emptyset"};
  return {TokenKind::kCommand, name};
}

// Non-ASCII characters answers use, spelled the LaTeX way; empty when the
// character has no meaning in an answer.
std::string_view UnicodeToLatex(std::string_view ch) {
  static const std::array<std::pair<std::string_view, std::string_view>, 14> kMap = {{
      {"π", "\\pi "}, {"∞", "\\infty "}, {"√", "\\sqrt "}, {"×", "*"}, {"÷", "/"},
      {"·", "*"}, {"≤", "<="}, {"≥", ">="}, {"≠", "!="}, {"−", "-"}, {"–", "-"},
      {"²", "^2"}, {"³", "^3"}, {"°", " "}}};
  for (const auto& [from, to] : kMap) {
    if (ch == from) return to;
  }
  return {};
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Status Run(std::vector<Token>& out, int depth) {
    if (depth > 8) return InvalidArgument("answer nests \\text groups too deeply");
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (IsSpace(c) || c == '~' || c == '$') { ++pos_; continue; }
      if (IsDigit(c) || (c == '.' && pos_ + 1 < s_.size() && IsDigit(s_[pos_ + 1]))) {
        size_t b = pos_;
        while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
        if (pos_ + 1 < s_.size() && s_[pos_] == '.' && IsDigit(s_[pos_ + 1])) {
          ++pos_;
          while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
        }
        out.push_back({TokenKind::kNumber, std::string(s_.substr(b, pos_ - b))});
        continue;
      }
      if (IsLetter(c)) {
        size_t b = pos_;
        while (pos_ < s_.size() && IsLetter(s_[pos_])) ++pos_;
        out.push_back({TokenKind::kWord, std::string(s_.substr(b, pos_ - b))});
        continue;
      }
      if (c == '\\') { ER_RETURN_IF_ERROR(LexCommand(out, depth)); continue; }
      if (static_cast<unsigned char>(c) >= 0x80) { ER_RETURN_IF_ERROR(LexUnicode(out, depth)); continue; }
      if (c == '.') { ++pos_; continue; }  // a full stop after the answer
      std::string_view two = s_.substr(pos_, 2);
      if (two == "<=" || two == ">=" || two == "!=" || two == "=<" || two == "=>") {
        std::string op = two == "=<" ? "<=" : two == "=>" ? ">=" : std::string(two);
        out.push_back({TokenKind::kPunct, op});
        pos_ += 2;
        continue;
      }
      if (two == "==") { out.push_back({TokenKind::kPunct, "="}); pos_ += 2; continue; }
      static constexpr std::string_view kPunctChars = "+-*/^_()[]{},;:=<>!|&'";
      if (kPunctChars.find(c) == std::string_view::npos) {
        return InvalidArgument("answer has the character '" + std::string(1, c) +
                               "' that no mathematical answer uses");
      }
      out.push_back({TokenKind::kPunct, std::string(1, c)});
      ++pos_;
    }
    return Status::Ok();
  }

 private:
  Status LexUnicode(std::vector<Token>& out, int depth) {
    size_t len = 1;
    unsigned char lead = static_cast<unsigned char>(s_[pos_]);
    if (lead >= 0xF0) len = 4; else if (lead >= 0xE0) len = 3; else if (lead >= 0xC0) len = 2;
    std::string_view ch = s_.substr(pos_, len);
    std::string_view latex = UnicodeToLatex(ch);
    if (latex.empty()) {
      return InvalidArgument("answer has the non-ASCII text '" + std::string(ch) +
                             "' that no mathematical answer uses");
    }
    pos_ += ch.size();
    return Lexer(latex).Run(out, depth + 1);
  }

  // Reads "{...}" at pos_ (after optional spaces) and returns its inside;
  // an unclosed group runs to the end.
  std::string ReadGroup() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
    if (pos_ >= s_.size() || s_[pos_] != '{') return {};
    size_t end = SkipBraceGroup(s_, pos_);
    if (end == std::string_view::npos) end = s_.size() + 1;
    std::string inside(s_.substr(pos_ + 1, end - pos_ - 2));
    pos_ = std::min(end, s_.size());
    return inside;
  }

  Status LexCommand(std::vector<Token>& out, int depth) {
    ++pos_;  // the backslash
    if (pos_ >= s_.size()) return Status::Ok();
    char c = s_[pos_];
    if (!IsLetter(c)) {
      ++pos_;
      if (c == '{' || c == '}') out.push_back({TokenKind::kPunct, std::string("\\") + c});
      if (c == '\\') out.push_back({TokenKind::kPunct, "\\\\"});
      if (c == '|') out.push_back({TokenKind::kPunct, "|"});
      return Status::Ok();  // \, \; \! \  \% \$ \# \& are spacing or literal signs
    }
    size_t b = pos_;
    while (pos_ < s_.size() && IsLetter(s_[pos_])) ++pos_;
    std::string name(s_.substr(b, pos_ - b));
    if (name == "left" || name == "right") {
      if (pos_ < s_.size() && s_[pos_] == '.') ++pos_;  // \left. is an invisible delimiter
      return Status::Ok();
    }
    if (IsIgnoredCommand(name)) return Status::Ok();
    if (name == "hspace" || name == "vspace" || name == "label" || name == "tag") {
      ReadGroup();
      return Status::Ok();
    }
    if (name == "begin" || name == "end") {
      std::string env = Trim(ReadGroup());
      if (!IsMatrixEnvironment(env)) return Status::Ok();  // align, equation, ...
      if (name == "begin" && env == "array") ReadGroup();  // the column layout
      out.push_back({TokenKind::kCommand, name + "_matrix"});
      return Status::Ok();
    }
    if (IsTextCommand(name)) return LexText(ReadGroup(), out, depth);
    if (IsStyleCommand(name)) {
      std::string inside = ReadGroup();
      return Lexer(inside).Run(out, depth + 1);
    }
    auto [kind, text] = CanonicalCommand(name);
    out.push_back({kind, std::move(text)});
    return Status::Ok();
  }

  // \text{ and } separates items; \text{cm} is a unit and means nothing to
  // the value; \text{(C)} or \text{13} is lexed as math.
  Status LexText(const std::string& inside, std::vector<Token>& out, int depth) {
    std::string word = Trim(inside);
    std::transform(word.begin(), word.end(), word.begin(),
                   [](unsigned char ch) { return std::tolower(ch); });
    if (word == "and" || word == "or" || word == "," || word == "and/or") {
      out.push_back({TokenKind::kSeparator, word});
      return Status::Ok();
    }
    int run = 0, longest_run = 0;
    for (char ch : word) {
      run = IsLetter(ch) ? run + 1 : 0;
      longest_run = std::max(longest_run, run);
    }
    if (longest_run >= 2) return Status::Ok();
    return Lexer(inside).Run(out, depth + 1);
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

std::string NormalizeAnswerText(std::string_view answer) {
  std::string s = Trim(answer);
  while (s.size() >= 2 && s.front() == '$' && s.back() == '$') s = Trim(s.substr(1, s.size() - 2));
  // "\\frac" written with a doubled backslash (an escaping slip) means \frac.
  std::string undoubled;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 2 < s.size() && s[i + 1] == '\\' && IsLetter(s[i + 2])) continue;
    undoubled += s[i];
  }
  s = std::move(undoubled);
  for (std::string_view cut : {"\\approx", "≈"}) {
    if (size_t pos = s.find(cut); pos != std::string::npos && pos > 0) s.resize(pos);
  }
  for (std::string_view degree : {"^{\\circ}", "^\\circ", "^{\\circ }", "{}^\\circ", "^{°}"}) {
    ReplaceAll(s, degree, " ");
  }
  for (std::string_view sign : {"\\%", "%", "\\$"}) ReplaceAll(s, sign, " ");
  s = JoinThousands(s);
  for (std::string_view word : {"percentage", "percent", "pct"}) ReplaceAll(s, word, " ");
  // "12,000,023" alone is one number, not a list of three.
  if (std::string t = Trim(s); !t.empty()) {
    size_t i = t[0] == '-' ? 1 : 0, digits = 0, groups = 0;
    bool grouped = true;
    for (; i < t.size() && grouped; ++i) {
      if (IsDigit(t[i])) { ++digits; continue; }
      if (t[i] == ',' && digits >= 1 && (groups > 0 ? digits == 3 : digits <= 3)) {
        ++groups;
        digits = 0;
        continue;
      }
      if (t[i] == '.' && groups > 0 && digits == 3) break;
      grouped = false;
    }
    if (grouped && groups > 0 && (i < t.size() || digits == 3)) {
      t.erase(std::remove(t.begin(), t.end(), ','), t.end());
      s = t;
    }
  }
  // A whole answer in \text{...}: a word answer ("Evelyn", "(C)").
  std::string trimmed = Trim(s);
  for (std::string_view cmd : {"\\text", "\\textbf", "\\mathrm", "\\mbox", "\\textit"}) {
    if (trimmed.rfind(cmd, 0) != 0 || trimmed.size() <= cmd.size()) continue;
    size_t open = cmd.size();
    while (open < trimmed.size() && trimmed[open] == ' ') ++open;
    if (open < trimmed.size() && trimmed[open] == '{' &&
        SkipBraceGroup(trimmed, open) == trimmed.size()) {
      return Trim(std::string_view(trimmed).substr(open + 1, trimmed.size() - open - 2));
    }
  }
  return trimmed;
}

Result<std::vector<Token>> LexLatex(std::string_view latex) {
  if (latex.size() > kMaxAnswerBytes) {
    return InvalidArgument("answer is " + std::to_string(latex.size()) +
                           " bytes long, more than the " + std::to_string(kMaxAnswerBytes) +
                           " an answer may have");
  }
  std::vector<Token> tokens;
  ER_RETURN_IF_ERROR(Lexer(latex).Run(tokens, 0));
  tokens.push_back({TokenKind::kEnd, ""});
  return tokens;
}

}  // namespace edgereason::verify
