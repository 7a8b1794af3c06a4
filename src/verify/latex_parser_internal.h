// The parser's state and its grammar for lists, relations, sets and
// arithmetic; the atoms (numbers, names, commands, brackets, matrices) are in
// latex_parser.cc. Internal to src/verify.
#pragma once

#include <ginac/ginac.h>

#include <cctype>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "verify/latex_lexer.h"
#include "verify/latex_parser.h"

namespace edgereason::verify::parser_internal {


using GiNaC::ex;
using GiNaC::numeric;
using Kind = MathValue::Kind;

// Thrown inside this file only; ParseAnswer turns it into a Status.
struct ParseFailure {
  std::string why;
};
[[noreturn]] inline void Fail(std::string why) { throw ParseFailure{std::move(why)}; }

// Functions written as \sin or sin, mapped to GiNaC.
inline std::optional<ex> ApplyFunction(const std::string& name, const ex& x) {
  if (name == "sin") return GiNaC::sin(x);
  if (name == "cos") return GiNaC::cos(x);
  if (name == "tan") return GiNaC::tan(x);
  if (name == "cot") return 1 / GiNaC::tan(x);
  if (name == "sec") return 1 / GiNaC::cos(x);
  if (name == "csc") return 1 / GiNaC::sin(x);
  if (name == "arcsin") return GiNaC::asin(x);
  if (name == "arccos") return GiNaC::acos(x);
  if (name == "arctan") return GiNaC::atan(x);
  if (name == "sinh") return GiNaC::sinh(x);
  if (name == "cosh") return GiNaC::cosh(x);
  if (name == "tanh") return GiNaC::tanh(x);
  if (name == "ln" || name == "log") return GiNaC::log(x);
  if (name == "lg") return GiNaC::log(x) / GiNaC::log(ex(10));
  if (name == "exp") return GiNaC::exp(x);
  if (name == "sqrt") return GiNaC::sqrt(x);
  return std::nullopt;
}
inline bool IsFunctionName(const std::string& name) { return ApplyFunction(name, ex(0)).has_value(); }

// Commands kept as opaque named symbols (sums, limits, named sets): two
// answers agree on them only when they write them the same way.
inline bool IsOpaqueOperator(const std::string& name) {
  for (const char* op : {"sum", "prod", "int", "lim", "max", "min", "gcd", "lcm", "det"}) {
    if (name == op) return true;
  }
  return false;
}

inline ex Power(const ex& base, const ex& exponent) {
  if (GiNaC::is_a<numeric>(base) && GiNaC::is_a<numeric>(exponent)) {
    const numeric& b = GiNaC::ex_to<numeric>(base);
    const numeric& e = GiNaC::ex_to<numeric>(exponent);
    if (b.is_zero() && !e.is_positive()) Fail("0 is raised to a power that is not positive");
    if (e.is_rational() && b.is_rational() && !b.is_zero()) {
      numeric p = GiNaC::abs(e.numer());
      long bits = b.numer().int_length() + b.denom().int_length();
      if (p > numeric(kMaxExactBits) || p.to_double() * bits > kMaxExactBits) {
        Fail("a power is too large to compute exactly");
      }
    }
  }
  return GiNaC::pow(base, exponent);
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, SymbolTable& symbols)
      : tokens_(std::move(tokens)), symbols_(symbols) {}

  ParsedAnswer ParseAll() {
    // A one-word answer ("Evelyn", "odd") is a word, not a product of letters.
    if (tokens_.size() == 2 && tokens_[0].kind == TokenKind::kWord && tokens_[0].text.size() >= 3 &&
        !IsFunctionName(tokens_[0].text)) {
      MathValue word;
      word.kind = Kind::kText;
      for (char c : tokens_[0].text) word.text += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return {word, false};
    }
    MathValue value = ParseList({});
    if (Peek().kind != TokenKind::kEnd) Fail("unexpected '" + Peek().text + "'");
    return {ExpandPlusMinus(std::move(value)), inexact_};
  }

 private:
  // ---- tokens ----
  const Token& Peek() const { return tokens_[pos_]; }
  Token Next() {
    Token t = tokens_[pos_];
    if (t.kind != TokenKind::kEnd) ++pos_;
    return t;
  }
  bool IsPunct(std::string_view text) const {
    return Peek().kind == TokenKind::kPunct && Peek().text == text;
  }
  bool IsCommand(std::string_view name) const {
    return Peek().kind == TokenKind::kCommand && Peek().text == name;
  }
  bool Accept(std::string_view punct) {
    if (!IsPunct(punct)) return false;
    ++pos_;
    return true;
  }
  void Expect(std::string_view punct) {
    if (!Accept(punct)) Fail("expected '" + std::string(punct) + "' before '" + Peek().text + "'");
  }
  bool AtCloser(std::initializer_list<std::string_view> closers) const {
    if (Peek().kind == TokenKind::kEnd) return true;
    for (std::string_view c : closers) {
      if (IsPunct(c)) return true;
    }
    return false;
  }
  bool AcceptSeparator() {
    const Token& t = Peek();
    bool word = t.kind == TokenKind::kWord && (t.text == "and" || t.text == "or");
    if (t.kind != TokenKind::kSeparator && !word) return false;
    ++pos_;
    return true;
  }

  // Keeps recursion bounded on deeply nested input.
  struct DepthGuard {
    explicit DepthGuard(int& depth) : depth_(depth) {
      if (++depth_ > kMaxNesting) Fail("the answer nests brackets too deeply");
    }
    ~DepthGuard() { --depth_; }
    int& depth_;
  };

  static void RequireExpr(const MathValue& v) {
    if (v.kind != Kind::kExpr) Fail("arithmetic on something that is not a number or expression");
  }

  // ---- lists, relations, sets ----
  // Items separated by "," or "and"; ";" starts a new group ("p=5,q=2;p=7,q=2").
  std::vector<std::vector<MathValue>> ParseItems(std::initializer_list<std::string_view> closers) {
    DepthGuard guard(depth_);
    std::vector<std::vector<MathValue>> groups(1);
    while (!AtCloser(closers)) {
      if (AcceptSeparator() || Accept(",")) continue;
      if (Accept(";")) { groups.emplace_back(); continue; }
      size_t before = pos_;
      groups.back().push_back(ParseRelation());
      if (pos_ == before) Fail("unexpected '" + Peek().text + "'");
      if (!AtCloser(closers) && !IsPunct(",") && !IsPunct(";") &&
          Peek().kind != TokenKind::kSeparator && Peek().kind != TokenKind::kWord) {
        break;
      }
    }
    std::erase_if(groups, [](const auto& g) { return g.empty(); });
    return groups;
  }

  MathValue ParseList(std::initializer_list<std::string_view> closers) {
    auto groups = ParseItems(closers);
    if (groups.empty()) return MathValue::Of(Kind::kSet, {});
    if (groups.size() == 1 && groups[0].size() == 1) return std::move(groups[0][0]);
    std::vector<MathValue> items;
    if (groups.size() == 1) {
      items = std::move(groups[0]);
    } else {
      for (auto& g : groups) {
        items.push_back(g.size() == 1 ? std::move(g[0]) : MathValue::Of(Kind::kTuple, std::move(g)));
      }
    }
    MathValue set = MathValue::Of(Kind::kSet, std::move(items));
    set.bare_list = true;
    return set;
  }

  std::optional<RelationOp> PeekRelation() const {
    if (Peek().kind != TokenKind::kPunct) return std::nullopt;
    const std::string& t = Peek().text;
    if (t == "=") return RelationOp::kEq;
    if (t == "!=") return RelationOp::kNe;
    if (t == "<") return RelationOp::kLt;
    if (t == "<=") return RelationOp::kLe;
    if (t == ">") return RelationOp::kGt;
    if (t == ">=") return RelationOp::kGe;
    return std::nullopt;
  }

  MathValue ParseRelation() {
    int numbers_before = numbers_seen_;
    MathValue first = ParseUnion();
    bool left_has_number = numbers_seen_ > numbers_before;
    if (IsCommand("in")) {  // "x \in [0, 1)" answers with the set
      Next();
      return ParseUnion();
    }
    std::vector<std::pair<RelationOp, MathValue>> chain;
    while (auto op = PeekRelation()) {
      Next();
      chain.emplace_back(*op, ParseUnion());
    }
    if (chain.empty()) return first;
    bool all_equal = true;
    for (const auto& link : chain) all_equal = all_equal && link.first == RelationOp::kEq;
    // "x = 5 + 5 + 1 = 11" answers with its last part.
    if (all_equal && chain.size() >= 2) return std::move(chain.back().second);
    if (chain.size() == 1) {
      MathValue rel = MathValue::Of(Kind::kRelation, {std::move(first), std::move(chain[0].second)});
      rel.op = chain[0].first;
      rel.names_left = rel.op == RelationOp::kEq && !left_has_number;
      return rel;
    }
    auto is_less = [](RelationOp op) { return op == RelationOp::kLt || op == RelationOp::kLe; };
    auto is_greater = [](RelationOp op) { return op == RelationOp::kGt || op == RelationOp::kGe; };
    RelationOp a = chain[0].first, b = chain[1].first;
    if (chain.size() == 2 && ((is_less(a) && is_less(b)) || (is_greater(a) && is_greater(b)))) {
      // "a < x <= b" is the interval (a, b].
      bool less = is_less(a);
      MathValue low = less ? std::move(first) : std::move(chain[1].second);
      MathValue high = less ? std::move(chain[1].second) : std::move(first);
      MathValue interval = MathValue::Of(Kind::kInterval, {std::move(low), std::move(high)});
      interval.low_open = (less ? a : b) == RelationOp::kLt || (less ? a : b) == RelationOp::kGt;
      interval.high_open = (less ? b : a) == RelationOp::kLt || (less ? b : a) == RelationOp::kGt;
      return interval;
    }
    Fail("a chain of relations that is neither equalities nor an interval");
  }

  MathValue ParseUnion() {
    MathValue first = ParseSum();
    if (!IsCommand("cup")) return first;
    std::vector<MathValue> parts{std::move(first)};
    while (IsCommand("cup")) {
      Next();
      parts.push_back(ParseSum());
    }
    for (MathValue& part : parts) {  // "(2, 12) \cup (12, 102)": pairs are open intervals
      if (part.kind == Kind::kTuple && part.items.size() == 2) {
        part.kind = Kind::kInterval;
        part.low_open = part.high_open = true;
      }
    }
    return MathValue::Of(Kind::kUnion, std::move(parts));
  }

  // ---- arithmetic ----
  MathValue ParseSum() {
    MathValue v = ParseTerm();
    while (true) {
      int sign = 0;
      if (IsPunct("+")) sign = 1;
      else if (IsPunct("-")) sign = -1;
      else if (IsCommand("pm")) sign = 2;
      else if (IsCommand("mp")) sign = -2;
      else break;
      Next();
      MathValue t = ParseTerm();
      RequireExpr(v);
      RequireExpr(t);
      ex pm = symbols_.Get(kPlusMinusSymbol);
      v.expr = sign == 1 ? v.expr + t.expr : sign == -1 ? v.expr - t.expr
               : sign == 2 ? v.expr + pm * t.expr : v.expr - pm * t.expr;
    }
    return v;
  }

  bool StartsImplicitFactor() const {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kNumber: return true;
      case TokenKind::kWord: return t.text != "and" && t.text != "or";
      case TokenKind::kCommand:
        for (const char* no : {"in", "cup", "cap", "pm", "mp", "end_matrix", "to", "setminus"}) {
          if (t.text == no) return false;
        }
        return true;
      case TokenKind::kPunct: return t.text == "(";
      default: return false;
    }
  }

  MathValue ParseTerm() {
    size_t start = pos_;
    MathValue v = ParseUnary();
    while (true) {
      bool divide = IsPunct("/") || IsPunct(":");
      if (divide || IsPunct("*")) {
        Next();
        MathValue f = ParseUnary();
        RequireExpr(v);
        RequireExpr(f);
        if (divide && f.expr.is_zero()) Fail("division by zero");
        v.expr = divide ? v.expr / f.expr : v.expr * f.expr;
        continue;
      }
      if (!StartsImplicitFactor()) break;
      // "2\frac{1}{2}" is the mixed number 2 1/2.
      bool integer_so_far = pos_ == start + 1 && tokens_[start].kind == TokenKind::kNumber &&
                            tokens_[start].text.find('.') == std::string::npos;
      bool mixed = integer_so_far && IsCommand("frac");
      MathValue f = ParsePower();
      RequireExpr(v);
      RequireExpr(f);
      if (mixed && GiNaC::is_a<numeric>(f.expr) && GiNaC::ex_to<numeric>(f.expr).is_rational() &&
          !GiNaC::ex_to<numeric>(f.expr).is_integer()) {
        v.expr = v.expr + f.expr;
      } else {
        v.expr = v.expr * f.expr;
      }
    }
    return v;
  }

  MathValue ParseUnary() {
    DepthGuard guard(depth_);
    if (Accept("+")) return ParseUnary();
    if (IsCommand("pm") || IsCommand("mp")) {
      bool minus_plus = Next().text == "mp";
      MathValue v = ParseUnary();
      RequireExpr(v);
      ex pm = symbols_.Get(kPlusMinusSymbol);
      v.expr = (minus_plus ? -pm : pm) * v.expr;
      return v;
    }
    if (Accept("-")) {
      MathValue v = ParseUnary();
      RequireExpr(v);
      v.expr = -v.expr;
      return v;
    }
    return ParsePower();
  }

  MathValue ParsePower() {
    MathValue base = ParsePostfix();
    while (Accept("^")) {
      MathValue exponent = ParseScript();
      RequireExpr(base);
      RequireExpr(exponent);
      base.expr = Power(base.expr, exponent.expr);
      ApplyFactorials(base);
    }
    return base;
  }

  MathValue ParsePostfix() {
    MathValue v = ParsePrimary();
    ApplyFactorials(v);
    return v;
  }

  void ApplyFactorials(MathValue& v) {
    while (Accept("!")) {
      RequireExpr(v);
      if (!GiNaC::is_a<numeric>(v.expr)) { v.expr = GiNaC::factorial(v.expr); continue; }
      const numeric& n = GiNaC::ex_to<numeric>(v.expr);
      if (!n.is_nonneg_integer() || n > numeric(kMaxFactorial)) {
        Fail("a factorial of something that is not an integer from 0 to " +
             std::to_string(kMaxFactorial));
      }
      v.expr = GiNaC::factorial(n);
    }
  }

  // The argument of ^, _, \frac or \sqrt: a {group} or a single character
  // ("\frac34" is 3/4, "x^23" is x^2 * 3).
  MathValue ParseScript() {
    DepthGuard guard(depth_);
    if (Accept("{")) {
      MathValue v = ParseList({"}"});
      Expect("}");
      return v;
    }
    if (Accept("-")) {
      MathValue v = ParseScript();
      RequireExpr(v);
      v.expr = -v.expr;
      return v;
    }
    Token& t = tokens_[pos_];
    if ((t.kind == TokenKind::kNumber || t.kind == TokenKind::kWord) && t.text.size() > 1) {
      Token first{t.kind, t.text.substr(0, 1)};
      t.text.erase(0, 1);
      if (t.kind == TokenKind::kNumber && t.text[0] == '.') t.text.insert(0, "0");
      return ParseSingle(first);
    }
    return ParsePrimary();
  }

  // The text of a subscript, for names such as x_1 or F_{n-k-1}.
  std::string RawScript() {
    if (!Accept("{")) {
      Token& t = tokens_[pos_];
      if ((t.kind == TokenKind::kNumber || t.kind == TokenKind::kWord) && t.text.size() > 1) {
        std::string first = t.text.substr(0, 1);
        t.text.erase(0, 1);
        return first;
      }
      return Next().text;
    }
    std::string text;
    for (int depth = 1; Peek().kind != TokenKind::kEnd;) {
      if (IsPunct("{")) ++depth;
      if (IsPunct("}") && --depth == 0) break;
      text += Next().text;
    }
    Expect("}");
    return text;
  }

  MathValue ParseSingle(const Token& token) {
    std::vector<Token> saved = {token, {TokenKind::kEnd, ""}};
    std::swap(saved, tokens_);
    size_t saved_pos = std::exchange(pos_, 0);
    MathValue v = ParsePrimary();
    std::swap(saved, tokens_);
    pos_ = saved_pos;
    return v;
  }

  // ---- atoms ----
  MathValue ParsePrimary();
  MathValue ParseNumber(const std::string& digits);
  MathValue ParseWord(const std::string& word);
  MathValue ParseCommand(const std::string& name);
  MathValue ParseFunction(const std::string& name);
  MathValue ParseMatrix();
  MathValue ParseBracketed(const std::string& open);
  ex NamedSymbol(std::string name);
  MathValue ExpandPlusMinus(MathValue v);

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  SymbolTable& symbols_;
  int depth_ = 0;
  int numbers_seen_ = 0;
  bool inexact_ = false;
};

}  // namespace edgereason::verify::parser_internal
