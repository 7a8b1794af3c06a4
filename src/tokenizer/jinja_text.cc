#include "tokenizer/jinja_text.h"

#include <utf8proc.h>

namespace edgereason::jinja {

std::vector<char32_t> DecodeUtf8(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t pos = 0;
  const auto size = static_cast<utf8proc_ssize_t>(text.size());
  while (pos < size) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(bytes + pos, size - pos, &cp);
    if (n <= 0) {
      out.push_back(0xFFFD);
      ++pos;
      continue;
    }
    out.push_back(static_cast<char32_t>(cp));
    pos += n;
  }
  return out;
}

void AppendUtf8(char32_t code_point, std::string& out) {
  utf8proc_uint8_t buffer[4];
  utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(code_point), buffer);
  out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
}

std::string EncodeUtf8(const std::vector<char32_t>& code_points) {
  std::string out;
  for (char32_t c : code_points) AppendUtf8(c, out);
  return out;
}

size_t CodePointCount(std::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

bool IsPythonSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

std::string StripPython(std::string_view text, const std::string* chars, bool left, bool right) {
  std::vector<char32_t> cps = DecodeUtf8(text);
  std::vector<char32_t> strip_set;
  if (chars != nullptr) strip_set = DecodeUtf8(*chars);
  auto strippable = [&](char32_t c) {
    if (chars == nullptr) return IsPythonSpace(c);
    for (char32_t s : strip_set) {
      if (s == c) return true;
    }
    return false;
  };
  size_t begin = 0;
  size_t end = cps.size();
  if (left) {
    while (begin < end && strippable(cps[begin])) ++begin;
  }
  if (right) {
    while (end > begin && strippable(cps[end - 1])) --end;
  }
  return EncodeUtf8(std::vector<char32_t>(cps.begin() + begin, cps.begin() + end));
}

namespace {

bool IsCased(char32_t c) {
  return utf8proc_toupper(static_cast<utf8proc_int32_t>(c)) != static_cast<utf8proc_int32_t>(c) ||
         utf8proc_tolower(static_cast<utf8proc_int32_t>(c)) != static_cast<utf8proc_int32_t>(c);
}

}  // namespace

std::string ToUpper(std::string_view text) {
  std::string out;
  for (char32_t c : DecodeUtf8(text)) {
    // Python uses the full case mapping, where sharp s becomes two letters.
    if (c == 0xDF) {
      out += "SS";
      continue;
    }
    AppendUtf8(utf8proc_toupper(static_cast<utf8proc_int32_t>(c)), out);
  }
  return out;
}

std::string ToLower(std::string_view text) {
  std::string out;
  for (char32_t c : DecodeUtf8(text))
    AppendUtf8(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)), out);
  return out;
}

std::string ToTitle(std::string_view text) {
  // Python: a cased character after an uncased one starts a word.
  std::string out;
  bool previous_cased = false;
  for (char32_t c : DecodeUtf8(text)) {
    auto cp = static_cast<utf8proc_int32_t>(c);
    AppendUtf8(previous_cased ? utf8proc_tolower(cp) : utf8proc_totitle(cp), out);
    previous_cased = IsCased(c);
  }
  return out;
}

std::string Capitalize(std::string_view text) {
  std::string out;
  bool first = true;
  for (char32_t c : DecodeUtf8(text)) {
    auto cp = static_cast<utf8proc_int32_t>(c);
    AppendUtf8(first ? utf8proc_totitle(cp) : utf8proc_tolower(cp), out);
    first = false;
  }
  return out;
}

std::vector<std::string> SplitPython(std::string_view text, const std::string* sep,
                                     int64_t maxsplit) {
  std::vector<std::string> parts;
  if (sep != nullptr) {
    size_t start = 0;
    while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
      size_t hit = text.find(*sep, start);
      if (hit == std::string_view::npos) break;
      parts.emplace_back(text.substr(start, hit - start));
      start = hit + sep->size();
    }
    parts.emplace_back(text.substr(start));
    return parts;
  }
  std::vector<char32_t> cps = DecodeUtf8(text);
  size_t i = 0;
  while (i < cps.size()) {
    while (i < cps.size() && IsPythonSpace(cps[i])) ++i;
    if (i == cps.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
      size_t end = cps.size();
      while (end > i && IsPythonSpace(cps[end - 1])) --end;
      parts.push_back(EncodeUtf8(std::vector<char32_t>(cps.begin() + i, cps.begin() + end)));
      break;
    }
    size_t j = i;
    while (j < cps.size() && !IsPythonSpace(cps[j])) ++j;
    parts.push_back(EncodeUtf8(std::vector<char32_t>(cps.begin() + i, cps.begin() + j)));
    i = j;
  }
  return parts;
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  std::vector<char32_t> cps = DecodeUtf8(text);
  std::vector<char32_t> line;
  for (size_t i = 0; i < cps.size(); ++i) {
    char32_t c = cps[i];
    bool is_break = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) ||
                    c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!is_break) {
      line.push_back(c);
      continue;
    }
    if (c == '\r' && i + 1 < cps.size() && cps[i + 1] == '\n') ++i;
    lines.push_back(EncodeUtf8(line));
    line.clear();
  }
  if (!line.empty()) lines.push_back(EncodeUtf8(line));
  return lines;
}

std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to,
                       int64_t count) {
  std::string out;
  if (from.empty()) {
    // Python inserts `to` between every code point (and at both ends).
    std::vector<char32_t> cps = DecodeUtf8(text);
    int64_t done = 0;
    for (char32_t c : cps) {
      if (count < 0 || done < count) {
        out.append(to);
        ++done;
      }
      AppendUtf8(c, out);
    }
    if (count < 0 || done < count) out.append(to);
    return out;
  }
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    size_t hit = text.find(from, start);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(start, hit - start));
    out.append(to);
    start = hit + from.size();
    ++done;
  }
  out.append(text.substr(start));
  return out;
}

int64_t CountOccurrences(std::string_view text, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(CodePointCount(text)) + 1;
  int64_t n = 0;
  for (size_t pos = text.find(sub); pos != std::string_view::npos;
       pos = text.find(sub, pos + sub.size()))
    ++n;
  return n;
}

}  // namespace edgereason::jinja
