#include "verify/equivalence.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

namespace edgereason::verify {
namespace {

using GiNaC::ex;
using GiNaC::numeric;
using Kind = MathValue::Kind;

// Tight tolerance for answers that are exact: only floating-point noise.
constexpr double kExactTolerance = 1e-9;
// Expansion is skipped (numeric comparison only) above these sizes.
constexpr int kMaxExpandedPower = 24;
constexpr int kMaxNodesToExpand = 4000;

// Deterministic sample points for the symbols of an expression; irrational
// looking values so that coincidences are unlikely.
constexpr double kSamplePoints[] = {0.7311, 1.2913, 1.8437, 0.4129, 2.3571, 0.9173, 1.6183};

// An equation "x = 5" whose left side only names something answers "5";
// sets of one element are that element; nested sets (from \pm) flatten.
MathValue Simplify(MathValue v) {
  if (v.kind == Kind::kRelation && v.names_left) return Simplify(std::move(v.items[1]));
  for (MathValue& item : v.items) item = Simplify(std::move(item));
  if (v.kind == Kind::kSet) {
    std::vector<MathValue> flat;
    for (MathValue& item : v.items) {
      if (item.kind == Kind::kSet) {
        for (MathValue& inner : item.items) flat.push_back(std::move(inner));
      } else {
        flat.push_back(std::move(item));
      }
    }
    v.items = std::move(flat);
  }
  if ((v.kind == Kind::kSet || v.kind == Kind::kUnion) && v.items.size() == 1) {
    return std::move(v.items[0]);
  }
  return v;
}

bool SafeToExpand(const ex& e) {
  int nodes = 0;
  for (auto it = e.preorder_begin(); it != e.preorder_end(); ++it) {
    if (++nodes > kMaxNodesToExpand) return false;
    if (GiNaC::is_a<GiNaC::power>(*it) && GiNaC::is_a<numeric>(it->op(1)) &&
        !GiNaC::is_a<numeric>(it->op(0))) {
      if (GiNaC::abs(GiNaC::ex_to<numeric>(it->op(1))) > numeric(kMaxExpandedPower)) return false;
    }
  }
  return true;
}

std::optional<numeric> Evaluate(const ex& e) {
  ex value = e.evalf();
  if (!GiNaC::is_a<numeric>(value)) return std::nullopt;
  return GiNaC::ex_to<numeric>(value);
}

class Comparer {
 public:
  Comparer(const SymbolTable& symbols, double tolerance, bool ordered_lists)
      : symbols_(symbols), tolerance_(tolerance), ordered_lists_(ordered_lists) {}

  bool Values(const MathValue& a, const MathValue& b) const {
    if (a.kind == b.kind) {
      switch (a.kind) {
        case Kind::kExpr: return Exprs(a.expr, b.expr);
        case Kind::kText: return a.text == b.text;
        case Kind::kRelation: return Relations(a, b);
        case Kind::kInterval:
          return a.low_open == b.low_open && a.high_open == b.high_open && InOrder(a.items, b.items);
        case Kind::kTuple: return InOrder(a.items, b.items);
        case Kind::kSet:
          if (ordered_lists_ && a.bare_list && b.bare_list) return InOrder(a.items, b.items);
          return AnyOrder(a.items, b.items);
        case Kind::kUnion: return AnyOrder(a.items, b.items);
      }
    }
    // "(0, 1)" is both a pair and an open interval.
    auto open_pair = [&](const MathValue& interval, const MathValue& tuple) {
      return interval.kind == Kind::kInterval && tuple.kind == Kind::kTuple && interval.low_open &&
             interval.high_open && InOrder(interval.items, tuple.items);
    };
    if (open_pair(a, b) || open_pair(b, a)) return true;
    // "(1, 3)" against "{1, 3}": the same members.
    if (!ordered_lists_ && ((a.kind == Kind::kSet && b.kind == Kind::kTuple) ||
                            (a.kind == Kind::kTuple && b.kind == Kind::kSet))) {
      return AnyOrder(a.items, b.items);
    }
    // One value against a set of equal values ("15 39/40 or 639/40").
    if (a.kind == Kind::kSet && b.kind != Kind::kTuple) return AnyOrder(a.items, {b});
    if (b.kind == Kind::kSet && a.kind != Kind::kTuple) return AnyOrder({a}, b.items);
    // A one-sided inequality against an interval; a relation that is not one
    // (AsInterval returns it unchanged) matches no interval.
    if (a.kind == Kind::kInterval && b.kind == Kind::kRelation) {
      const MathValue converted = AsInterval(b);
      return converted.kind == Kind::kInterval && Values(a, converted);
    }
    if (b.kind == Kind::kInterval && a.kind == Kind::kRelation) {
      const MathValue converted = AsInterval(a);
      return converted.kind == Kind::kInterval && Values(converted, b);
    }
    return false;
  }

 private:
  bool InOrder(const std::vector<MathValue>& a, const std::vector<MathValue>& b) const {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!Values(a[i], b[i])) return false;
    }
    return true;
  }

  // Set equality: every member of each side is some member of the other
  // (so repeated members do not count twice).
  bool AnyOrder(const std::vector<MathValue>& a, const std::vector<MathValue>& b) const {
    if (a.size() > 64 || b.size() > 64 || a.empty() != b.empty()) return false;
    auto covered = [&](const std::vector<MathValue>& x, const std::vector<MathValue>& y) {
      for (const MathValue& item : x) {
        bool found = false;
        for (size_t j = 0; j < y.size() && !found; ++j) found = Values(item, y[j]);
        if (!found) return false;
      }
      return true;
    };
    return covered(a, b) && covered(b, a);
  }

  // "x >= 5" as the interval [5, oo); anything else stays as it is (and so
  // matches no interval).
  MathValue AsInterval(const MathValue& rel) const {
    if (rel.op == RelationOp::kEq || rel.op == RelationOp::kNe) return rel;
    const MathValue& l = rel.items[0];
    const MathValue& r = rel.items[1];
    if (l.kind != Kind::kExpr || r.kind != Kind::kExpr) return rel;
    bool var_left = GiNaC::is_a<GiNaC::symbol>(l.expr);
    if (var_left == GiNaC::is_a<GiNaC::symbol>(r.expr)) return rel;
    const ex& bound = var_left ? r.expr : l.expr;
    bool upper = (rel.op == RelationOp::kLt || rel.op == RelationOp::kLe) == var_left;
    bool strict = rel.op == RelationOp::kLt || rel.op == RelationOp::kGt;
    ex infinity = symbols_.all().count(kInfinitySymbol) ? ex(symbols_.all().at(kInfinitySymbol))
                                                         : ex(GiNaC::symbol("\\infty_"));
    MathValue interval = MathValue::Of(
        Kind::kInterval, {MathValue::Expr(upper ? -infinity : bound),
                          MathValue::Expr(upper ? bound : infinity)});
    interval.low_open = upper || strict;
    interval.high_open = !upper || strict;
    return interval;
  }

  // Equations agree when one side minus the other is the same up to a
  // nonzero factor (x + y = 1 and 2x + 2y = 2); inequalities when that factor
  // is positive once both point the same way.
  bool Relations(const MathValue& a, const MathValue& b) const {
    if (a.op == b.op && Values(a.items[0], b.items[0]) && Values(a.items[1], b.items[1])) return true;
    for (const MathValue* side : {&a.items[0], &a.items[1], &b.items[0], &b.items[1]}) {
      if (side->kind != Kind::kExpr) return false;
    }
    auto difference = [](const MathValue& rel, bool& strict) -> std::optional<ex> {
      const ex& l = rel.items[0].expr;
      const ex& r = rel.items[1].expr;
      strict = rel.op == RelationOp::kLt || rel.op == RelationOp::kGt;
      switch (rel.op) {
        case RelationOp::kEq: case RelationOp::kNe: return l - r;
        case RelationOp::kLt: case RelationOp::kLe: return r - l;
        case RelationOp::kGt: case RelationOp::kGe: return l - r;
      }
      return std::nullopt;
    };
    bool equation_a = a.op == RelationOp::kEq, equation_b = b.op == RelationOp::kEq;
    bool unequal_a = a.op == RelationOp::kNe, unequal_b = b.op == RelationOp::kNe;
    if (equation_a != equation_b || unequal_a != unequal_b) return false;
    bool strict_a = false, strict_b = false;
    ex da = *difference(a, strict_a), db = *difference(b, strict_b);
    if (strict_a != strict_b || !SafeToExpand(da) || !SafeToExpand(db)) return false;
    ex normal_b = db.expand().normal();
    if (normal_b.is_zero()) return false;
    ex ratio = (da / normal_b).normal();
    if (!GiNaC::is_a<numeric>(ratio) || ratio.is_zero()) return false;
    return equation_a || unequal_a || GiNaC::ex_to<numeric>(ratio).is_positive();
  }

  bool Close(const numeric& x, const numeric& y, double tolerance) const {
    numeric scale = std::max({numeric(1), GiNaC::abs(x), GiNaC::abs(y)});
    return GiNaC::abs(x - y) <= numeric(tolerance) * scale;
  }

  bool Exprs(const ex& a_in, const ex& b_in) const {
    ex a = a_in.evalm(), b = b_in.evalm();
    bool matrix_a = GiNaC::is_a<GiNaC::matrix>(a), matrix_b = GiNaC::is_a<GiNaC::matrix>(b);
    if (matrix_a || matrix_b) {
      if (!matrix_a || !matrix_b) return false;
      const auto& ma = GiNaC::ex_to<GiNaC::matrix>(a);
      const auto& mb = GiNaC::ex_to<GiNaC::matrix>(b);
      if (ma.rows() != mb.rows() || ma.cols() != mb.cols()) return false;
      for (unsigned r = 0; r < ma.rows(); ++r) {
        for (unsigned c = 0; c < ma.cols(); ++c) {
          if (!Exprs(ma(r, c), mb(r, c))) return false;
        }
      }
      return true;
    }
    if (a.is_equal(b)) return true;
    ex diff = a - b;
    if (SafeToExpand(diff) && diff.expand().normal().is_zero()) return true;
    std::vector<GiNaC::symbol> free;
    for (const auto& [name, symbol] : symbols_.all()) {
      if (!a.has(symbol) && !b.has(symbol)) continue;
      if (name == kInfinitySymbol) return false;  // only equal when written alike
      free.push_back(symbol);
    }
    if (free.empty()) {
      auto x = Evaluate(a), y = Evaluate(b);
      return x && y && Close(*x, *y, tolerance_);
    }
    int agreed = 0;
    for (size_t point = 0; point < 3; ++point) {
      GiNaC::exmap at;
      for (size_t i = 0; i < free.size(); ++i) {
        at[free[i]] = numeric(kSamplePoints[(point * 3 + i) % std::size(kSamplePoints)]);
      }
      std::optional<numeric> x, y;
      try {
        x = Evaluate(a.subs(at));
        y = Evaluate(b.subs(at));
      } catch (...) {
        continue;  // a pole at this point; try the next
      }
      if (!x || !y) continue;
      if (!Close(*x, *y, std::max(tolerance_, kExactTolerance))) return false;
      ++agreed;
    }
    return agreed > 0;
  }

  const SymbolTable& symbols_;
  double tolerance_;
  bool ordered_lists_;
};

}  // namespace

bool Equivalent(const ParsedAnswer& gold, const ParsedAnswer& pred, const SymbolTable& symbols,
                const EquivalenceOptions& options) {
  double tolerance = gold.inexact || pred.inexact
                         ? std::pow(10.0, -std::clamp(options.precision, 0, 15))
                         : kExactTolerance;
  try {
    Comparer comparer(symbols, tolerance, options.ordered_lists);
    MathValue g = Simplify(gold.value);
    MathValue p = Simplify(pred.value);
    // A worked equation answers with its result: "1/2 = 10/9" gives 10/9.
    if (p.kind == Kind::kRelation && p.op == RelationOp::kEq && g.kind != Kind::kRelation) {
      p = MathValue(p.items[1]);
    }
    return comparer.Values(g, p);
  } catch (...) {
    return false;  // GiNaC refused something (a pole, an overflow): not shown equal
  }
}

}  // namespace edgereason::verify
