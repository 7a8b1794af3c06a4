// Expression evaluation for Evaluator (jinja_evaluator.h); statements live in
// jinja_evaluator.cc.
#include "tokenizer/jinja_evaluator.h"
#include "tokenizer/jinja_filters.h"
#include "tokenizer/jinja_is_tests.h"

namespace edgereason::jinja {

Result<Value> Evaluator::Eval(const Expr& expr) {
  Result<Value> value = EvalUnlocated(expr);
  if (!value.ok()) return Locate(value.status(), expr.line);
  return value;
}

Result<Value> Evaluator::EvalUnlocated(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kLiteral:
      return expr.literal;
    case ExprKind::kName:
      return Lookup(expr.name);
    case ExprKind::kList:
    case ExprKind::kTuple: {
      std::vector<Value> items;
      for (const ExprPtr& item : expr.operands) {
        ER_ASSIGN_OR_RETURN(Value v, Eval(*item));
        items.push_back(std::move(v));
      }
      return Value::MakeList(std::move(items), expr.kind == ExprKind::kTuple);
    }
    case ExprKind::kDict: {
      std::vector<std::pair<Value, Value>> entries;
      for (size_t i = 0; i + 1 < expr.operands.size(); i += 2) {
        ER_ASSIGN_OR_RETURN(Value k, Eval(*expr.operands[i]));
        ER_ASSIGN_OR_RETURN(Value v, Eval(*expr.operands[i + 1]));
        if (k.is_list() && !k.as_list().is_tuple) return InvalidArgument("unhashable type: 'list'");
        if (k.is_dict() || k.is_undefined())
          return InvalidArgument("unhashable dict key of type " + TypeName(k));
        entries.emplace_back(std::move(k), std::move(v));
      }
      return Value::MakeDict(std::move(entries));
    }
    case ExprKind::kAttribute: {
      ER_ASSIGN_OR_RETURN(Value object, Eval(*expr.operands[0]));
      return GetAttribute(object, expr.name);
    }
    case ExprKind::kSubscript: {
      ER_ASSIGN_OR_RETURN(Value object, Eval(*expr.operands[0]));
      ER_ASSIGN_OR_RETURN(Value key, Eval(*expr.operands[1]));
      return GetItem(object, key);
    }
    case ExprKind::kSlice:
      return EvalSlice(expr);
    case ExprKind::kCall: {
      ER_ASSIGN_OR_RETURN(Value callee, Eval(*expr.operands[0]));
      ER_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(expr, 1));
      return Call(callee, args);
    }
    case ExprKind::kFilter:
      return EvalFilter(expr, std::nullopt);
    case ExprKind::kTest:
      return EvalTest(expr);
    case ExprKind::kUnary: {
      ER_ASSIGN_OR_RETURN(Value operand, Eval(*expr.operands[0]));
      return ApplyUnary(expr.name, operand);
    }
    case ExprKind::kBinary: {
      ER_ASSIGN_OR_RETURN(Value left, Eval(*expr.operands[0]));
      ER_ASSIGN_OR_RETURN(Value right, Eval(*expr.operands[1]));
      return ApplyBinary(expr.name, left, right);
    }
    case ExprKind::kCompare:
      return EvalCompare(expr);
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      // Like Python, the result is the operand that decided, not a bool.
      ER_ASSIGN_OR_RETURN(Value left, Eval(*expr.operands[0]));
      bool decided = expr.kind == ExprKind::kAnd ? !left.Truthy() : left.Truthy();
      if (decided) return left;
      return Eval(*expr.operands[1]);
    }
    case ExprKind::kNot: {
      ER_ASSIGN_OR_RETURN(Value operand, Eval(*expr.operands[0]));
      return Value(!operand.Truthy());
    }
    case ExprKind::kConditional: {
      ER_ASSIGN_OR_RETURN(Value test, Eval(*expr.operands[1]));
      if (test.Truthy()) return Eval(*expr.operands[0]);
      if (expr.operands[2]) return Eval(*expr.operands[2]);
      return Value::MakeUndefined("the inline if expression was false and has no else");
    }
  }
  return Internal("unknown expression kind");
}

Result<CallArgs> Evaluator::EvalArgs(const Expr& expr, size_t first_positional) {
  CallArgs args;
  for (size_t i = first_positional; i < expr.operands.size(); ++i) {
    ER_ASSIGN_OR_RETURN(Value v, Eval(*expr.operands[i]));
    args.positional.push_back(std::move(v));
  }
  for (const auto& [name, value_expr] : expr.keyword_args) {
    ER_ASSIGN_OR_RETURN(Value v, Eval(*value_expr));
    args.keyword.emplace_back(name, std::move(v));
  }
  return args;
}

Result<Value> Evaluator::EvalFilter(const Expr& expr, const std::optional<Value>& placeholder) {
  Value subject;
  if (expr.operands[0]) {
    ER_ASSIGN_OR_RETURN(subject, Eval(*expr.operands[0]));
  } else if (placeholder) {
    subject = *placeholder;
  }
  ER_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(expr, 1));
  return ApplyFilter(expr.name, subject, args);
}

Result<Value> Evaluator::EvalTest(const Expr& expr) {
  ER_ASSIGN_OR_RETURN(Value subject, Eval(*expr.operands[0]));
  ER_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(expr, 1));
  ER_ASSIGN_OR_RETURN(bool passed, ApplyTest(expr.name, subject, args));
  return Value(passed != expr.negated);
}

Result<Value> Evaluator::EvalCompare(const Expr& expr) {
  ER_ASSIGN_OR_RETURN(Value left, Eval(*expr.operands[0]));
  for (size_t i = 0; i < expr.compare_ops.size(); ++i) {
    ER_ASSIGN_OR_RETURN(Value right, Eval(*expr.operands[i + 1]));
    ER_ASSIGN_OR_RETURN(bool holds, Compare(expr.compare_ops[i], left, right));
    if (!holds) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

Result<Value> Evaluator::EvalSlice(const Expr& expr) {
  ER_ASSIGN_OR_RETURN(Value object, Eval(*expr.operands[0]));
  std::optional<Value> bounds[3];
  for (size_t i = 0; i < 3; ++i) {
    if (expr.operands[i + 1]) {
      ER_ASSIGN_OR_RETURN(bounds[i], Eval(*expr.operands[i + 1]));
    }
  }
  return GetSlice(object, bounds[0], bounds[1], bounds[2]);
}

}  // namespace edgereason::jinja
