// What an answer means once parsed: a number or expression (GiNaC), an
// equation or inequality, an interval, a tuple, a set, a union of sets, or a
// word. Matrices are GiNaC matrices inside kExpr, so matrix arithmetic works.
#pragma once

#include <ginac/ginac.h>

#include <map>
#include <string>
#include <vector>

namespace edgereason::verify {

enum class RelationOp { kEq, kNe, kLt, kLe, kGt, kGe };

struct MathValue {
  enum class Kind { kExpr, kRelation, kInterval, kTuple, kSet, kUnion, kText };
  Kind kind = Kind::kExpr;
  GiNaC::ex expr;                 // kExpr
  std::vector<MathValue> items;   // kRelation: {lhs, rhs}; kInterval: {low, high};
                                  // kTuple, kSet, kUnion: the members
  RelationOp op = RelationOp::kEq;
  // kRelation with kEq: the left side names something (x, f(x), (p,q), AB)
  // and holds no number, so "x = 5" answers "5".
  bool names_left = false;
  bool low_open = false, high_open = false;  // kInterval
  // kSet: written as a bare list "1, 2, 3" rather than with \{ \}.
  bool bare_list = false;
  std::string text;  // kText

  static MathValue Expr(GiNaC::ex e) {
    MathValue v;
    v.expr = std::move(e);
    return v;
  }
  static MathValue Of(Kind kind, std::vector<MathValue> items) {
    MathValue v;
    v.kind = kind;
    v.items = std::move(items);
    return v;
  }
};

// Symbols by name, shared by the gold and the predicted answer of one check
// so that the "x" in both is the same GiNaC symbol.
class SymbolTable {
 public:
  const GiNaC::symbol& Get(const std::string& name) {
    auto it = symbols_.find(name);
    if (it == symbols_.end()) it = symbols_.emplace(name, GiNaC::symbol(name)).first;
    return it->second;
  }
  const std::map<std::string, GiNaC::symbol>& all() const { return symbols_; }

 private:
  std::map<std::string, GiNaC::symbol> symbols_;
};

// The symbol "\pm" stands for, substituted by +1 and -1 once parsing is done.
inline constexpr const char* kPlusMinusSymbol = "\\pm";
// The symbol infinity stands for (only ever compared, never evaluated).
inline constexpr const char* kInfinitySymbol = "\\infty";

}  // namespace edgereason::verify
