// Parses Jinja expressions with Jinja's precedence, loosest first:
// conditional `a if c else b`, or, and, not, comparisons (== != < <= > >= in,
// not in), + -, ~, * / // %, **, unary - +, then postfix access (.x, [i],
// [a:b:c], calls) and filters/tests (| f, is t).
#pragma once

#include "tokenizer/jinja_token_cursor.h"

namespace edgereason::jinja {

class ExpressionParser {
 public:
  explicit ExpressionParser(TokenCursor& cursor) : c_(cursor) {}

  // A comma-separated list becomes a tuple. With allow_conditional false the
  // items may not be `a if c else b` (for-loop iterables, where `if` starts
  // the loop filter).
  Result<ExprPtr> ParseTuple(bool allow_conditional = true);
  Result<ExprPtr> ParseExpression();
  // `| f(args) | g` applied to `subject` (null inside filter blocks); with
  // leading_bar false the first filter name comes without a `|`.
  Result<ExprPtr> ParseFilters(ExprPtr subject, bool leading_bar = true);
  // `(a, b=c)` into node.operands / node.keyword_args.
  Status ParseArgs(Expr& node);

 private:
  Result<ExprPtr> ParseOr();
  Result<ExprPtr> ParseAnd();
  Result<ExprPtr> ParseNot();
  Result<ExprPtr> ParseCompare();
  Result<ExprPtr> Binary(ExprPtr left, std::string op, ExprPtr right, int line);
  Result<ExprPtr> ParseMath1();
  Result<ExprPtr> ParseConcat();
  Result<ExprPtr> ParseMath2();
  Result<ExprPtr> ParsePow();
  Result<ExprPtr> ParseUnary(bool with_filters);
  Result<ExprPtr> ParsePrimary();
  Result<ExprPtr> ParseCollection();
  Result<ExprPtr> ParsePostfix(ExprPtr node);
  Result<ExprPtr> ParseSubscript(ExprPtr subject);
  Result<ExprPtr> ParseCall(ExprPtr callee);
  Result<std::string> ParseDottedName();
  Result<ExprPtr> ParseFilterTail(ExprPtr node);
  Result<ExprPtr> ParseTest(ExprPtr subject);

  TokenCursor& c_;
};

}  // namespace edgereason::jinja
