#include "tokenizer/jinja_lexer.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "tokenizer/jinja_text.h"

namespace edgereason::jinja {
namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The reference reads templates with universal newlines and, by default,
// drops one trailing newline.
std::string NormalizeSource(const std::string& source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  Lexer(std::string source, const std::string& origin, const LexerOptions& options)
      : src_(std::move(source)), origin_(origin), options_(options) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  Result<std::vector<Token>> Run() {
    size_t pos = 0;
    while (pos < src_.size()) {
      size_t tag = FindTagStart(pos);
      std::string text = src_.substr(pos, tag - pos);
      if (tag == src_.size()) {
        EmitText(std::move(text), pos);
        break;
      }
      char opener = src_[tag + 1];
      char marker = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      bool is_block_like = opener == '%' || opener == '#';
      if (marker == '-') {
        text = StripPython(text, nullptr, false, true);
      } else if (options_.lstrip_blocks && is_block_like && marker != '+') {
        LstripIndentation(text, pos);
      }
      EmitText(std::move(text), pos);
      size_t inner = tag + 2 + ((marker == '-' || marker == '+') ? 1 : 0);
      if (opener == '#') {
        ER_ASSIGN_OR_RETURN(pos, SkipComment(tag, inner));
      } else if (opener == '%' && IsRawBlock(inner)) {
        ER_ASSIGN_OR_RETURN(pos, LexRaw(tag, inner));
      } else {
        ER_ASSIGN_OR_RETURN(pos, LexTag(tag, inner, opener == '%'));
      }
    }
    tokens_.push_back(Token{TokenKind::kEnd, "", 0, 0, LineOf(src_.size()), ColumnOf(src_.size())});
    return std::move(tokens_);
  }

 private:
  size_t FindTagStart(size_t from) const {
    for (size_t i = from; i + 1 < src_.size(); ++i) {
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#'))
        return i;
    }
    return src_.size();
  }

  // lstrip_blocks: indentation between a line start and a block tag goes.
  void LstripIndentation(std::string& text, size_t text_start) const {
    size_t line_start = text.rfind('\n');
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    bool at_line_start = line_start > 0 || text_start == 0 || src_[text_start - 1] == '\n';
    if (!at_line_start) return;
    bool only_indent = std::all_of(text.begin() + static_cast<long>(line_start), text.end(),
                                   [](char c) { return c == ' ' || c == '\t'; });
    if (only_indent) text.resize(line_start);
  }

  void EmitText(std::string text, size_t pos) {
    if (text.empty()) return;
    tokens_.push_back(Token{TokenKind::kText, std::move(text), 0, 0, LineOf(pos), ColumnOf(pos)});
  }

  // After a tag closes: `-` eats all following whitespace; otherwise
  // trim_blocks eats one newline after block and comment tags.
  size_t AfterTagEnd(size_t pos, char marker, bool block_like) const {
    if (marker == '-') {
      while (pos < src_.size() && IsBlank(src_[pos])) ++pos;
    } else if (marker != '+' && block_like && options_.trim_blocks && pos < src_.size() &&
               src_[pos] == '\n') {
      ++pos;
    }
    return pos;
  }

  Result<size_t> SkipComment(size_t tag, size_t inner) {
    size_t close = src_.find("#}", inner);
    if (close == std::string::npos) return Error(tag, "unclosed comment: missing '#}'");
    char marker = close > inner && (src_[close - 1] == '-' || src_[close - 1] == '+')
                      ? src_[close - 1]
                      : '\0';
    return AfterTagEnd(close + 2, marker, true);
  }

  // `{% raw %}` with optional markers, at `inner` (just past "{%" and marker).
  bool IsRawBlock(size_t inner) const {
    size_t p = inner;
    while (p < src_.size() && IsBlank(src_[p])) ++p;
    if (src_.compare(p, 3, "raw") != 0 || (p + 3 < src_.size() && IsNameChar(src_[p + 3])))
      return false;
    p += 3;
    while (p < src_.size() && IsBlank(src_[p])) ++p;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    return src_.compare(p, 2, "%}") == 0;
  }

  Result<size_t> LexRaw(size_t tag, size_t inner) {
    size_t open_end = src_.find("%}", inner);
    char open_marker = src_[open_end - 1] == '-' ? '-' : '\0';
    size_t body_start = AfterTagEnd(open_end + 2, open_marker, true);
    // Find the matching {% endraw %}.
    for (size_t search = body_start;;) {
      size_t end_tag = src_.find("{%", search);
      if (end_tag == std::string::npos)
        return Error(tag, "unclosed raw block: missing '{% endraw %}'");
      size_t p = end_tag + 2;
      char marker = p < src_.size() ? src_[p] : '\0';
      if (marker == '-' || marker == '+') ++p;
      while (p < src_.size() && IsBlank(src_[p])) ++p;
      if (src_.compare(p, 6, "endraw") != 0) {
        search = end_tag + 2;
        continue;
      }
      p += 6;
      while (p < src_.size() && IsBlank(src_[p])) ++p;
      char close_marker = '\0';
      if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) close_marker = src_[p++];
      if (src_.compare(p, 2, "%}") != 0) return Error(end_tag, "malformed endraw tag");
      std::string body = src_.substr(body_start, end_tag - body_start);
      if (marker == '-')
        body = StripPython(body, nullptr, false, true);
      else if (options_.lstrip_blocks && marker != '+')
        LstripIndentation(body, body_start);
      EmitText(std::move(body), body_start);
      return AfterTagEnd(p + 2, close_marker, true);
    }
  }

  Result<size_t> LexTag(size_t tag, size_t pos, bool is_block) {
    tokens_.push_back(Token{is_block ? TokenKind::kBlockBegin : TokenKind::kVariableBegin, "", 0, 0,
                            LineOf(tag), ColumnOf(tag)});
    const char* closer = is_block ? "%}" : "}}";
    int depth = 0;  // open brackets: a `}}` inside a dict literal does not end the tag
    while (true) {
      while (pos < src_.size() && IsBlank(src_[pos])) ++pos;
      if (pos >= src_.size()) {
        return Error(tag, std::string("unclosed tag: missing '") + closer + "'");
      }
      if (depth == 0) {
        char marker = src_[pos];
        size_t at = pos + ((marker == '-' || marker == '+') ? 1 : 0);
        if (src_.compare(at, 2, closer) == 0 && (at == pos || marker == '-' || is_block)) {
          tokens_.push_back(Token{is_block ? TokenKind::kBlockEnd : TokenKind::kVariableEnd, "", 0,
                                  0, LineOf(pos), ColumnOf(pos)});
          return AfterTagEnd(at + 2, at == pos ? '\0' : marker, is_block);
        }
      }
      ER_ASSIGN_OR_RETURN(pos, LexToken(pos, depth));
    }
  }

  Result<size_t> LexToken(size_t pos, int& depth) {
    Token token{TokenKind::kOperator, "", 0, 0, LineOf(pos), ColumnOf(pos)};
    char c = src_[pos];
    if (IsNameStart(c)) {
      size_t end = pos;
      while (end < src_.size() && IsNameChar(src_[end])) ++end;
      token.kind = TokenKind::kName;
      token.text = src_.substr(pos, end - pos);
      tokens_.push_back(std::move(token));
      return end;
    }
    if (IsDigit(c)) return LexNumber(pos, std::move(token));
    if (c == '\'' || c == '"') return LexString(pos, std::move(token));
    static constexpr std::string_view kTwoChar[] = {"//", "**", "==", "!=", "<=", ">="};
    for (std::string_view op : kTwoChar) {
      if (src_.compare(pos, 2, op) == 0) {
        token.text = std::string(op);
        tokens_.push_back(std::move(token));
        return pos + 2;
      }
    }
    if (std::string_view("+-*/%~<>=()[]{},.:|").find(c) == std::string_view::npos) {
      return Error(pos, std::string("unexpected character '") + c + "'");
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') {
      if (depth == 0) return Error(pos, std::string("unbalanced '") + c + "'");
      --depth;
    }
    token.text = std::string(1, c);
    tokens_.push_back(std::move(token));
    return pos + 1;
  }

  Result<size_t> LexNumber(size_t pos, Token token) {
    size_t end = pos;
    auto digits = [&] {
      while (end < src_.size() &&
             (IsDigit(src_[end]) ||
              (src_[end] == '_' && end + 1 < src_.size() && IsDigit(src_[end + 1]))))
        ++end;
    };
    digits();
    bool is_float = false;
    // After a '.', digits are an attribute index (`x.0`), never a float.
    bool after_dot = pos > 0 && src_[pos - 1] == '.';
    if (!after_dot && end + 1 < src_.size() && src_[end] == '.' && IsDigit(src_[end + 1])) {
      is_float = true;
      ++end;
      digits();
    }
    if (!after_dot && end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      size_t save = end++;
      if (end < src_.size() && (src_[end] == '+' || src_[end] == '-')) ++end;
      if (end < src_.size() && IsDigit(src_[end])) {
        is_float = true;
        digits();
      } else {
        end = save;
      }
    }
    std::string text = src_.substr(pos, end - pos);
    text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
    if (is_float) {
      token.kind = TokenKind::kFloat;
      token.number = std::strtod(text.c_str(), nullptr);
    } else {
      token.kind = TokenKind::kInteger;
      errno = 0;
      token.integer = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE) return Error(pos, "integer literal " + text + " is too large");
    }
    token.text = std::move(text);
    tokens_.push_back(std::move(token));
    return end;
  }

  // Python string literal escapes, as the reference decodes them.
  Result<size_t> LexString(size_t pos, Token token) {
    char quote = src_[pos];
    std::string value;
    size_t p = pos + 1;
    while (true) {
      if (p >= src_.size()) return Error(pos, "unterminated string literal");
      char c = src_[p];
      if (c == quote) break;
      if (c != '\\' || p + 1 >= src_.size()) {
        value += c;
        ++p;
        continue;
      }
      char e = src_[p + 1];
      p += 2;
      switch (e) {
        case '\n':
          break;
        case '\\':
          value += '\\';
          break;
        case '\'':
          value += '\'';
          break;
        case '"':
          value += '"';
          break;
        case 'a':
          value += '\a';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'n':
          value += '\n';
          break;
        case 'r':
          value += '\r';
          break;
        case 't':
          value += '\t';
          break;
        case 'v':
          value += '\v';
          break;
        case 'x':
        case 'u':
        case 'U': {
          size_t width = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (p + width > src_.size() ||
              !std::all_of(src_.begin() + static_cast<long>(p),
                           src_.begin() + static_cast<long>(p + width),
                           [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); })) {
            return Error(p - 2, std::string("truncated \\") + e + " escape in string literal");
          }
          auto cp = static_cast<char32_t>(std::strtoul(src_.substr(p, width).c_str(), nullptr, 16));
          if (cp > 0x10FFFF) return Error(p - 2, "escape beyond U+10FFFF in string literal");
          AppendUtf8(cp, value);
          p += width;
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            unsigned cp = static_cast<unsigned>(e - '0');
            for (int i = 0; i < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7'; ++i)
              cp = cp * 8 + (src_[p++] - '0');
            AppendUtf8(cp, value);
          } else {
            value += '\\';  // unknown escapes stay as written, as in Python
            value += e;
          }
      }
    }
    token.kind = TokenKind::kString;
    token.text = std::move(value);
    tokens_.push_back(std::move(token));
    return p + 1;
  }

  int LineOf(size_t pos) const {
    auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), pos);
    return static_cast<int>(after - line_starts_.begin());
  }
  int ColumnOf(size_t pos) const {
    return static_cast<int>(pos - line_starts_[static_cast<size_t>(LineOf(pos) - 1)]) + 1;
  }

  Status Error(size_t pos, const std::string& what) const {
    return InvalidArgument(origin_ + ":" + std::to_string(LineOf(pos)) + ":" +
                           std::to_string(ColumnOf(pos)) + ": " + what);
  }

  std::string src_;
  const std::string& origin_;
  LexerOptions options_;
  std::vector<size_t> line_starts_;  // offsets where each line begins
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> Tokenize(const std::string& source, const std::string& origin,
                                    const LexerOptions& options) {
  return Lexer(NormalizeSource(source), origin, options).Run();
}

}  // namespace edgereason::jinja
