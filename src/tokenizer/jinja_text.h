// Python `str` semantics over UTF-8 bytes: templates index, slice, strip and
// case-map strings by code point, as Python does, not by byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgereason::jinja {

// Code points of `text`; invalid bytes decode as U+FFFD.
std::vector<char32_t> DecodeUtf8(std::string_view text);
void AppendUtf8(char32_t code_point, std::string& out);
std::string EncodeUtf8(const std::vector<char32_t>& code_points);
size_t CodePointCount(std::string_view text);

// str.isspace() for one code point.
bool IsPythonSpace(char32_t c);
// str.strip/lstrip/rstrip; `chars` null means whitespace.
std::string StripPython(std::string_view text, const std::string* chars, bool left, bool right);
// str.upper / str.lower / str.title / str.capitalize.
std::string ToUpper(std::string_view text);
std::string ToLower(std::string_view text);
std::string ToTitle(std::string_view text);
std::string Capitalize(std::string_view text);
// str.split(sep, maxsplit); sep null splits on runs of whitespace.
std::vector<std::string> SplitPython(std::string_view text, const std::string* sep,
                                     int64_t maxsplit);
// str.splitlines() (without keepends).
std::vector<std::string> SplitLines(std::string_view text);
// str.replace(old, new, count); count < 0 replaces all.
std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to,
                       int64_t count);
// str.count(sub) (non-overlapping).
int64_t CountOccurrences(std::string_view text, std::string_view sub);

}  // namespace edgereason::jinja
