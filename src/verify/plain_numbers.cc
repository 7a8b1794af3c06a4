#include "verify/plain_numbers.h"

#include <cctype>
#include <optional>

namespace edgereason::verify {
namespace {

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool IsAsciiWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// One number at `i`: "1,234.5" / "1 234" (thousands), "12.5" / "12,5"
// (decimal point or comma), ".5", "12"; a leading '-' belongs to it.
std::optional<NumberInText> ReadNumber(std::string_view t, size_t i) {
  if (i > 0 && (IsAsciiWordChar(t[i - 1]) || t[i - 1] == '.')) return std::nullopt;
  size_t j = i;
  std::string value;
  if (t[j] == '-') { value = "-"; ++j; }
  auto digit_at = [&](size_t k) { return k < t.size() && IsDigit(t[k]); };
  if (!digit_at(j) && !(j < t.size() && t[j] == '.' && digit_at(j + 1))) return std::nullopt;
  size_t k = j;
  while (digit_at(k)) ++k;
  std::string integer(t.substr(j, k - j));
  auto read_decimals = [&](size_t from) {
    size_t m = from + 1;
    while (digit_at(m)) ++m;
    value += integer + "." + std::string(t.substr(from + 1, m - from - 1));
    return m;
  };
  if (!integer.empty() && integer[0] != '0' && integer.size() <= 3) {
    size_t m = k;
    int groups = 0;
    while (m + 3 < t.size() + 0 && (t[m] == ',' || t[m] == ' ') && digit_at(m + 1) &&
           digit_at(m + 2) && digit_at(m + 3) && !digit_at(m + 4)) {
      integer += t.substr(m + 1, 3);
      m += 4;
      ++groups;
    }
    if (groups > 0) {
      if (m < t.size() && t[m] == '.' && digit_at(m + 1)) return NumberInText{i, read_decimals(m), value};
      return NumberInText{i, m, value + integer};
    }
  }
  if (k < t.size() && (t[k] == '.' || t[k] == ',') && digit_at(k + 1)) {
    if (integer.empty()) integer = "0";
    return NumberInText{i, read_decimals(k), value};
  }
  if (integer.empty()) {  // ".5"
    integer = "0";
    return NumberInText{i, read_decimals(j), value};
  }
  return NumberInText{i, k, value + integer};
}

// An arithmetic expression starting with the number `first`: numbers joined
// by + - * / ^ × ÷ and parentheses, at least one operator.
std::optional<NumberInText> ExtendToExpression(std::string_view t, const NumberInText& first) {
  std::string expr = first.value;
  size_t end = first.end, i = first.end;
  int depth = 0, operators = 0;
  std::string pending;  // operators and spaces not yet followed by a number
  while (i < t.size()) {
    char c = t[i];
    if (c == ' ' || c == '+' || c == '-' || c == '*' || c == '/' || c == '^' || c == '(') {
      if (c == '(') ++depth;
      pending += c;
      ++i;
      continue;
    }
    if (t.compare(i, 2, "×") == 0 || t.compare(i, 2, "÷") == 0) {
      pending += t.compare(i, 2, "×") == 0 ? '*' : '/';
      i += 2;
      continue;
    }
    if (c == ')' && depth > 0) {
      --depth;
      expr += pending + ")";
      pending.clear();
      end = ++i;
      continue;
    }
    bool has_operator = pending.find_first_of("+-*/^") != std::string::npos;
    if (!has_operator || !(IsDigit(c) || c == '.')) break;
    auto next = ReadNumber(t, i);
    if (!next) break;
    ++operators;
    expr += pending + next->value;
    pending.clear();
    end = i = next->end;
  }
  if (operators == 0 || depth != 0) return std::nullopt;
  return NumberInText{first.begin, end, expr};
}

}  // namespace

std::vector<NumberInText> FindNumbers(std::string_view text) {
  std::vector<NumberInText> found;
  for (size_t i = 0; i < text.size();) {
    auto number = ReadNumber(text, i);
    if (!number) { ++i; continue; }
    auto expression = ExtendToExpression(text, *number);
    found.push_back(expression ? *expression : *number);
    i = found.back().end;
  }
  return found;
}

}  // namespace edgereason::verify
