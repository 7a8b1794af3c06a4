#include "verify/latex_parser.h"

#include <cctype>
#include <stdexcept>

#include "verify/latex_parser_internal.h"

namespace edgereason::verify {
namespace parser_internal {

MathValue Parser::ParsePrimary() {
  DepthGuard guard(depth_);
  Token t = Next();
  switch (t.kind) {
    case TokenKind::kNumber: return ParseNumber(t.text);
    case TokenKind::kWord: return ParseWord(t.text);
    case TokenKind::kCommand: return ParseCommand(t.text);
    case TokenKind::kPunct:
      if (t.text == "(" || t.text == "[" || t.text == "{" || t.text == "\\{") return ParseBracketed(t.text);
      if (t.text == "|") {
        MathValue v = ParseSum();
        Expect("|");
        RequireExpr(v);
        v.expr = GiNaC::abs(v.expr);
        return v;
      }
      Fail("unexpected '" + t.text + "'");
    case TokenKind::kSeparator: Fail("a list separator where a value belongs");
    case TokenKind::kEnd: Fail("the answer ends where a value belongs");
  }
  Fail("unexpected token");
}

// Decimal literals become exact rationals (0.25 is 1/4); "204_5" is a
// number written in base 5.
MathValue Parser::ParseNumber(const std::string& digits) {
  if (digits.size() > 400) Fail("a number with more than 400 digits");
  ++numbers_seen_;
  size_t dot = digits.find('.');
  numeric value;
  if (dot == std::string::npos) {
    value = numeric(digits.c_str());
  } else {
    inexact_ = true;
    std::string whole = digits.substr(0, dot) + digits.substr(dot + 1);
    value = numeric(whole.c_str()) / GiNaC::pow(numeric(10), numeric(long(digits.size() - dot - 1)));
  }
  if (dot == std::string::npos && IsPunct("_")) {
    Next();
    std::string base_text = RawScript();
    int base = 0;
    for (char c : base_text) base = std::isdigit(static_cast<unsigned char>(c)) ? base * 10 + (c - '0') : 99;
    if (base < 2 || base > 36) Fail("a number in base '" + base_text + "'");
    numeric converted = 0;
    for (char c : digits) {
      if (c - '0' >= base) Fail("digit " + std::string(1, c) + " in a base-" + base_text + " number");
      converted = converted * base + (c - '0');
    }
    value = converted;
  }
  return MathValue::Expr(value);
}

// A symbol name with its subscript and primes: x_1, F_{n-k-1}, f'.
ex Parser::NamedSymbol(std::string name) {
  if (Accept("_")) name += "_" + RawScript();
  while (Accept("'")) name += "'";
  return symbols_.Get(name);
}

// "xy" is x times y; "sin" is the sine; a lone "e" is Euler's number.
MathValue Parser::ParseWord(const std::string& word) {
  if (IsFunctionName(word)) return ParseFunction(word);
  if (word == "and" || word == "or") Fail("'" + word + "' where a value belongs");
  if (word == "e" && !IsPunct("_")) return MathValue::Expr(GiNaC::exp(ex(1)));
  if (word == "infty" || word == "inf") return MathValue::Expr(symbols_.Get(kInfinitySymbol));
  if (word == "pi") return MathValue::Expr(GiNaC::Pi);
  ex product = 1;
  for (size_t i = 0; i + 1 < word.size(); ++i) product *= symbols_.Get(std::string(1, word[i]));
  return MathValue::Expr(product * NamedSymbol(std::string(1, word.back())));
}

MathValue Parser::ParseCommand(const std::string& name) {
  if (name == "frac") {
    MathValue num = ParseScript();
    MathValue den = ParseScript();
    RequireExpr(num);
    RequireExpr(den);
    if (den.expr.is_zero()) Fail("division by zero");
    return MathValue::Expr(num.expr / den.expr);
  }
  if (name == "sqrt") {
    ex index = 2;
    if (Accept("[")) {
      MathValue n = ParseList({"]"});
      Expect("]");
      RequireExpr(n);
      index = n.expr;
    }
    MathValue radicand = ParseScript();
    RequireExpr(radicand);
    if (index.is_zero()) Fail("a root of index 0");
    return MathValue::Expr(Power(radicand.expr, 1 / index));
  }
  if (name == "binom") {
    MathValue n = ParseScript();
    MathValue k = ParseScript();
    RequireExpr(n);
    RequireExpr(k);
    if (!GiNaC::is_a<numeric>(n.expr) || !GiNaC::is_a<numeric>(k.expr) ||
        GiNaC::abs(GiNaC::ex_to<numeric>(n.expr)) > numeric(kMaxFactorial)) {
      Fail("a binomial coefficient that is not of integers up to " + std::to_string(kMaxFactorial));
    }
    return MathValue::Expr(GiNaC::binomial(GiNaC::ex_to<numeric>(n.expr), GiNaC::ex_to<numeric>(k.expr)));
  }
  if (name == "pi") return MathValue::Expr(GiNaC::Pi);
  if (name == "infty" || name == "infin") return MathValue::Expr(symbols_.Get(kInfinitySymbol));
  if (name == "emptyset") return MathValue::Of(Kind::kSet, {});
  if (name == "begin_matrix") return ParseMatrix();
  if (IsFunctionName(name)) return ParseFunction(name);
  if (IsOpaqueOperator(name)) {
    // \sum_{k=0}^{n-1} is named by its bounds; the summand multiplies it.
    std::string full = "\\" + name;
    if (Accept("_")) full += "_{" + RawScript() + "}";
    if (Accept("^")) full += "^{" + RawScript() + "}";
    return MathValue::Expr(symbols_.Get(full));
  }
  for (const char* structural : {"in", "cup", "cap", "pm", "mp", "end_matrix", "to", "setminus"}) {
    if (name == structural) Fail("'\\" + name + "' where a value belongs");
  }
  // Greek letters, \angle, \dots and any other command: a named symbol.
  return MathValue::Expr(NamedSymbol("\\" + name));
}

// \sin x, \sin(x), \sin^2 x, \log_2 8.
MathValue Parser::ParseFunction(const std::string& name) {
  std::optional<ex> power;
  std::optional<ex> log_base;
  for (int i = 0; i < 2; ++i) {
    if (Accept("^")) {
      MathValue p = ParseScript();
      RequireExpr(p);
      power = p.expr;
    } else if (Accept("_")) {
      MathValue b = ParseScript();
      RequireExpr(b);
      log_base = b.expr;
    }
  }
  MathValue arg;
  if (Accept("(")) {
    arg = ParseList({")"});
    Expect(")");
  } else {
    arg = ParsePower();
  }
  RequireExpr(arg);
  ex value = *ApplyFunction(name, arg.expr);
  if (log_base) value = GiNaC::log(arg.expr) / GiNaC::log(*log_base);
  if (power) value = Power(value, *power);
  return MathValue::Expr(value);
}

// Rows end with \\, cells with &; "\begin{pmatrix}" was already read.
MathValue Parser::ParseMatrix() {
  std::vector<std::vector<ex>> rows(1);
  while (!IsCommand("end_matrix")) {
    if (Peek().kind == TokenKind::kEnd) Fail("a matrix without \\end");
    if (Accept("&")) continue;
    if (Accept("\\\\")) { rows.emplace_back(); continue; }
    MathValue cell = ParseSum();
    RequireExpr(cell);
    rows.back().push_back(cell.expr);
  }
  Next();
  std::erase_if(rows, [](const auto& row) { return row.empty(); });
  if (rows.empty()) Fail("an empty matrix");
  GiNaC::matrix m(rows.size(), rows[0].size());
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() != rows[0].size()) Fail("a matrix whose rows differ in length");
    for (size_t c = 0; c < rows[r].size(); ++c) m(r, c) = rows[r][c];
  }
  return MathValue::Expr(m);
}

// ( ... ), [ ... ], { ... }, \{ ... \}: grouping, tuples, intervals, sets.
MathValue Parser::ParseBracketed(const std::string& open) {
  if (open == "{" || open == "\\{") {
    std::string close = open == "{" ? "}" : "\\}";
    auto groups = ParseItems({close});
    Expect(close);
    if (open == "{" && groups.size() == 1 && groups[0].size() == 1) return std::move(groups[0][0]);
    std::vector<MathValue> items;
    for (auto& g : groups) {
      items.push_back(g.size() == 1 ? std::move(g[0]) : MathValue::Of(Kind::kTuple, std::move(g)));
    }
    return MathValue::Of(Kind::kSet, std::move(items));
  }
  auto groups = ParseItems({")", "]"});
  bool closed_high = IsPunct("]");
  if (!Accept(")") && !Accept("]")) Fail("an unclosed '" + open + "'");
  if (groups.size() > 1) Fail("';' inside brackets");
  std::vector<MathValue> items = groups.empty() ? std::vector<MathValue>{} : std::move(groups[0]);
  bool closed_low = open == "[";
  if (items.size() == 1 && closed_low == closed_high) return std::move(items[0]);
  if (items.size() == 2 && (closed_low || closed_high)) {
    MathValue interval = MathValue::Of(Kind::kInterval, std::move(items));
    interval.low_open = !closed_low;
    interval.high_open = !closed_high;
    return interval;
  }
  if (items.empty() || items.size() == 1) Fail("brackets that neither group nor list");
  return MathValue::Of(Kind::kTuple, std::move(items));
}

// "1 \pm \sqrt{2}" is the set of its two values.
MathValue Parser::ExpandPlusMinus(MathValue v) {
  for (MathValue& item : v.items) item = ExpandPlusMinus(std::move(item));
  const GiNaC::symbol& pm = symbols_.Get(kPlusMinusSymbol);
  if (v.kind != Kind::kExpr || !v.expr.has(pm)) return v;
  MathValue plus = MathValue::Expr(v.expr.subs(pm == 1));
  MathValue minus = MathValue::Expr(v.expr.subs(pm == -1));
  return MathValue::Of(Kind::kSet, {std::move(plus), std::move(minus)});
}

}  // namespace parser_internal


Result<ParsedAnswer> ParseAnswer(std::string_view answer, SymbolTable& symbols) {
  ER_ASSIGN_OR_RETURN(std::vector<Token> tokens, LexLatex(NormalizeAnswerText(answer)));
  try {
    return parser_internal::Parser(std::move(tokens), symbols).ParseAll();
  } catch (const parser_internal::ParseFailure& failure) {
    return InvalidArgument("answer '" + std::string(answer.substr(0, 80)) + "' is not understood: " +
                           failure.why);
  } catch (const std::exception& e) {
    return InvalidArgument("answer '" + std::string(answer.substr(0, 80)) +
                           "' could not be evaluated: " + e.what());
  } catch (...) {
    return Internal("answer '" + std::string(answer.substr(0, 80)) + "' raised an unknown error");
  }
}

}  // namespace edgereason::verify
