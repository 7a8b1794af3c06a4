#include "tokenizer/jinja_expression_parser.h"

#include <array>

namespace edgereason::jinja {

Result<ExprPtr> ExpressionParser::ParseTuple(bool allow_conditional) {
  int line = c_.Peek().line;
  std::vector<ExprPtr> items;
  bool saw_comma = false;
  while (true) {
    if (!items.empty() && !c_.AcceptOp(",")) break;
    if (!items.empty()) {
      saw_comma = true;
      const Token& t = c_.Peek();
      if (t.kind == TokenKind::kVariableEnd || t.kind == TokenKind::kBlockEnd || c_.IsOp(")"))
        break;
    }
    ExprPtr item;
    if (allow_conditional) {
      ER_ASSIGN_OR_RETURN(item, ParseExpression());
    } else {
      ER_ASSIGN_OR_RETURN(item, ParseOr());
    }
    items.push_back(std::move(item));
  }
  if (!saw_comma) return std::move(items.front());
  auto tuple = c_.Node(ExprKind::kTuple, line);
  tuple->operands = std::move(items);
  return tuple;
}

Result<ExprPtr> ExpressionParser::ParseExpression() {
  ER_RETURN_IF_ERROR(c_.Enter());
  ER_ASSIGN_OR_RETURN(ExprPtr expr, ParseOr());
  while (c_.IsName("if")) {
    auto cond = c_.Node(ExprKind::kConditional, c_.Next().line);
    ER_ASSIGN_OR_RETURN(ExprPtr test, ParseOr());
    ExprPtr otherwise;
    if (c_.AcceptName("else")) {
      ER_ASSIGN_OR_RETURN(otherwise, ParseExpression());
    }
    cond->operands.push_back(std::move(expr));
    cond->operands.push_back(std::move(test));
    cond->operands.push_back(std::move(otherwise));
    expr = std::move(cond);
  }
  c_.Leave();
  return expr;
}

Result<ExprPtr> ExpressionParser::ParseOr() {
  ER_ASSIGN_OR_RETURN(ExprPtr left, ParseAnd());
  while (c_.IsName("or")) {
    auto node = c_.Node(ExprKind::kOr, c_.Next().line);
    ER_ASSIGN_OR_RETURN(ExprPtr right, ParseAnd());
    node->operands.push_back(std::move(left));
    node->operands.push_back(std::move(right));
    left = std::move(node);
  }
  return left;
}

Result<ExprPtr> ExpressionParser::ParseAnd() {
  ER_ASSIGN_OR_RETURN(ExprPtr left, ParseNot());
  while (c_.IsName("and")) {
    auto node = c_.Node(ExprKind::kAnd, c_.Next().line);
    ER_ASSIGN_OR_RETURN(ExprPtr right, ParseNot());
    node->operands.push_back(std::move(left));
    node->operands.push_back(std::move(right));
    left = std::move(node);
  }
  return left;
}

Result<ExprPtr> ExpressionParser::ParseNot() {
  if (!c_.IsName("not")) return ParseCompare();
  ER_RETURN_IF_ERROR(c_.Enter());
  auto node = c_.Node(ExprKind::kNot, c_.Next().line);
  ER_ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
  node->operands.push_back(std::move(operand));
  c_.Leave();
  return node;
}

Result<ExprPtr> ExpressionParser::ParseCompare() {
  int line = c_.Peek().line;
  ER_ASSIGN_OR_RETURN(ExprPtr first, ParseMath1());
  auto node = c_.Node(ExprKind::kCompare, line);
  node->operands.push_back(std::move(first));
  while (true) {
    std::string op;
    if (c_.Peek().kind == TokenKind::kOperator &&
        (c_.IsOp("==") || c_.IsOp("!=") || c_.IsOp("<") || c_.IsOp("<=") || c_.IsOp(">") ||
         c_.IsOp(">="))) {
      op = c_.Next().text;
    } else if (c_.AcceptName("in")) {
      op = "in";
    } else if (c_.IsName("not") && c_.IsName("in", 1)) {
      c_.Skip(2);
      op = "not in";
    } else {
      break;
    }
    ER_ASSIGN_OR_RETURN(ExprPtr rhs, ParseMath1());
    node->compare_ops.push_back(op);
    node->operands.push_back(std::move(rhs));
  }
  if (node->compare_ops.empty()) return std::move(node->operands.front());
  return node;
}

Result<ExprPtr> ExpressionParser::Binary(ExprPtr left, std::string op, ExprPtr right, int line) {
  auto node = c_.Node(ExprKind::kBinary, line);
  node->name = std::move(op);
  node->operands.push_back(std::move(left));
  node->operands.push_back(std::move(right));
  return node;
}

Result<ExprPtr> ExpressionParser::ParseMath1() {
  ER_ASSIGN_OR_RETURN(ExprPtr left, ParseConcat());
  while (c_.IsOp("+") || c_.IsOp("-")) {
    const Token& op = c_.Next();
    ER_ASSIGN_OR_RETURN(ExprPtr right, ParseConcat());
    ER_ASSIGN_OR_RETURN(left, Binary(std::move(left), op.text, std::move(right), op.line));
  }
  return left;
}

Result<ExprPtr> ExpressionParser::ParseConcat() {
  ER_ASSIGN_OR_RETURN(ExprPtr left, ParseMath2());
  while (c_.IsOp("~")) {
    const Token& op = c_.Next();
    ER_ASSIGN_OR_RETURN(ExprPtr right, ParseMath2());
    ER_ASSIGN_OR_RETURN(left, Binary(std::move(left), op.text, std::move(right), op.line));
  }
  return left;
}

Result<ExprPtr> ExpressionParser::ParseMath2() {
  ER_ASSIGN_OR_RETURN(ExprPtr left, ParsePow());
  while (c_.IsOp("*") || c_.IsOp("/") || c_.IsOp("//") || c_.IsOp("%")) {
    const Token& op = c_.Next();
    ER_ASSIGN_OR_RETURN(ExprPtr right, ParsePow());
    ER_ASSIGN_OR_RETURN(left, Binary(std::move(left), op.text, std::move(right), op.line));
  }
  return left;
}

Result<ExprPtr> ExpressionParser::ParsePow() {
  ER_ASSIGN_OR_RETURN(ExprPtr left, ParseUnary(true));
  while (c_.IsOp("**")) {
    const Token& op = c_.Next();
    ER_ASSIGN_OR_RETURN(ExprPtr right, ParseUnary(true));
    ER_ASSIGN_OR_RETURN(left, Binary(std::move(left), op.text, std::move(right), op.line));
  }
  return left;
}

Result<ExprPtr> ExpressionParser::ParseUnary(bool with_filters) {
  ER_RETURN_IF_ERROR(c_.Enter());
  ExprPtr node;
  if (c_.IsOp("-") || c_.IsOp("+")) {
    const Token& op = c_.Next();
    node = c_.Node(ExprKind::kUnary, op.line);
    node->name = op.text;
    ER_ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary(false));
    node->operands.push_back(std::move(operand));
  } else {
    ER_ASSIGN_OR_RETURN(node, ParsePrimary());
  }
  ER_ASSIGN_OR_RETURN(node, ParsePostfix(std::move(node)));
  if (with_filters) {
    ER_ASSIGN_OR_RETURN(node, ParseFilterTail(std::move(node)));
  }
  c_.Leave();
  return node;
}

Result<ExprPtr> ExpressionParser::ParsePrimary() {
  const Token& token = c_.Peek();
  auto literal = [&](Value v) {
    auto node = c_.Node(ExprKind::kLiteral, token.line);
    node->literal = std::move(v);
    return node;
  };
  switch (token.kind) {
    case TokenKind::kName: {
      c_.Skip();
      const std::string& n = token.text;
      if (n == "true" || n == "True") return literal(Value(true));
      if (n == "false" || n == "False") return literal(Value(false));
      if (n == "none" || n == "None") return literal(Value(None{}));
      auto node = c_.Node(ExprKind::kName, token.line);
      node->name = n;
      return node;
    }
    case TokenKind::kString: {
      std::string text;
      int line = token.line;
      while (c_.Peek().kind == TokenKind::kString)
        text += c_.Next().text;  // adjacent literals join
      auto node = c_.Node(ExprKind::kLiteral, line);
      node->literal = Value(std::move(text));
      return node;
    }
    case TokenKind::kInteger:
      c_.Skip();
      return literal(Value(token.integer));
    case TokenKind::kFloat:
      c_.Skip();
      return literal(Value(token.number));
    case TokenKind::kOperator:
      if (token.text == "(") {
        c_.Skip();
        if (c_.AcceptOp(")")) {
          auto empty = c_.Node(ExprKind::kTuple, token.line);
          return empty;
        }
        ER_ASSIGN_OR_RETURN(ExprPtr inner, ParseTuple());
        ER_RETURN_IF_ERROR(c_.ExpectOp(")"));
        return inner;
      }
      if (token.text == "[" || token.text == "{") return ParseCollection();
      break;
    default:
      break;
  }
  return c_.Unexpected("an expression");
}

Result<ExprPtr> ExpressionParser::ParseCollection() {
  const Token& open = c_.Next();
  bool is_dict = open.text == "{";
  auto node = c_.Node(is_dict ? ExprKind::kDict : ExprKind::kList, open.line);
  const char* close = is_dict ? "}" : "]";
  while (!c_.AcceptOp(close)) {
    if (!node->operands.empty()) {
      ER_RETURN_IF_ERROR(c_.ExpectOp(","));
      if (c_.AcceptOp(close)) break;
    }
    ER_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
    node->operands.push_back(std::move(item));
    if (is_dict) {
      ER_RETURN_IF_ERROR(c_.ExpectOp(":"));
      ER_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
      node->operands.push_back(std::move(value));
    }
  }
  return node;
}

Result<ExprPtr> ExpressionParser::ParsePostfix(ExprPtr node) {
  while (true) {
    if (c_.IsOp(".")) {
      int line = c_.Next().line;
      if (c_.Peek().kind == TokenKind::kInteger) {
        auto sub = c_.Node(ExprKind::kSubscript, line);
        auto index = c_.Node(ExprKind::kLiteral, line);
        index->literal = Value(c_.Next().integer);
        sub->operands.push_back(std::move(node));
        sub->operands.push_back(std::move(index));
        node = std::move(sub);
        continue;
      }
      auto attr = c_.Node(ExprKind::kAttribute, line);
      ER_ASSIGN_OR_RETURN(attr->name, c_.ExpectName("an attribute name"));
      attr->operands.push_back(std::move(node));
      node = std::move(attr);
    } else if (c_.IsOp("[")) {
      ER_ASSIGN_OR_RETURN(node, ParseSubscript(std::move(node)));
    } else if (c_.IsOp("(")) {
      ER_ASSIGN_OR_RETURN(node, ParseCall(std::move(node)));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> ExpressionParser::ParseSubscript(ExprPtr subject) {
  int line = c_.Next().line;
  std::array<ExprPtr, 3> bounds;
  int colons = 0;
  while (!c_.IsOp("]")) {
    if (c_.AcceptOp(":")) {
      if (++colons > 2) return c_.Unexpected("']'");
      continue;
    }
    if (bounds[colons]) return c_.Unexpected("':' or ']'");
    ER_ASSIGN_OR_RETURN(bounds[colons], ParseExpression());
  }
  c_.Skip();
  if (colons == 0) {
    if (!bounds[0]) return c_.ErrorAt(c_.Peek(), "empty subscript");
    auto node = c_.Node(ExprKind::kSubscript, line);
    node->operands.push_back(std::move(subject));
    node->operands.push_back(std::move(bounds[0]));
    return node;
  }
  auto node = c_.Node(ExprKind::kSlice, line);
  node->operands.push_back(std::move(subject));
  for (auto& bound : bounds) node->operands.push_back(std::move(bound));
  return node;
}

Status ExpressionParser::ParseArgs(Expr& node) {
  ER_RETURN_IF_ERROR(c_.ExpectOp("("));
  bool first = true;
  while (!c_.AcceptOp(")")) {
    if (!first) {
      ER_RETURN_IF_ERROR(c_.ExpectOp(","));
      if (c_.AcceptOp(")")) break;
    }
    first = false;
    if (c_.IsOp("*") || c_.IsOp("**"))
      return c_.ErrorAt(c_.Peek(), "*args and **kwargs in calls are not supported");
    if (c_.Peek().kind == TokenKind::kName && c_.IsOp("=", 1)) {
      std::string name = c_.Next().text;
      c_.Skip();
      ER_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
      node.keyword_args.emplace_back(std::move(name), std::move(value));
      continue;
    }
    if (!node.keyword_args.empty())
      return c_.ErrorAt(c_.Peek(), "positional argument after keyword argument");
    ER_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
    node.operands.push_back(std::move(value));
  }
  return Status::Ok();
}

Result<ExprPtr> ExpressionParser::ParseCall(ExprPtr callee) {
  auto node = c_.Node(ExprKind::kCall, c_.Peek().line);
  node->operands.push_back(std::move(callee));
  ER_RETURN_IF_ERROR(ParseArgs(*node));
  return node;
}

Result<std::string> ExpressionParser::ParseDottedName() {
  ER_ASSIGN_OR_RETURN(std::string name, c_.ExpectName("a filter or test name"));
  while (c_.IsOp(".") && c_.Peek(1).kind == TokenKind::kName) {
    c_.Skip();
    name += "." + c_.Next().text;
  }
  return name;
}

Result<ExprPtr> ExpressionParser::ParseFilters(ExprPtr subject, bool leading_bar) {
  bool first = true;
  while ((first && !leading_bar) || c_.AcceptOp("|")) {
    first = false;
    auto node = c_.Node(ExprKind::kFilter, c_.Peek().line);
    ER_ASSIGN_OR_RETURN(node->name, ParseDottedName());
    node->operands.push_back(std::move(subject));
    if (c_.IsOp("(")) ER_RETURN_IF_ERROR(ParseArgs(*node));
    subject = std::move(node);
  }
  return subject;
}

Result<ExprPtr> ExpressionParser::ParseFilterTail(ExprPtr node) {
  while (true) {
    if (c_.IsOp("|")) {
      ER_ASSIGN_OR_RETURN(node, ParseFilters(std::move(node)));
    } else if (c_.IsName("is")) {
      ER_ASSIGN_OR_RETURN(node, ParseTest(std::move(node)));
    } else if (c_.IsOp("(")) {
      ER_ASSIGN_OR_RETURN(node, ParseCall(std::move(node)));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> ExpressionParser::ParseTest(ExprPtr subject) {
  auto node = c_.Node(ExprKind::kTest, c_.Next().line);
  node->negated = c_.AcceptName("not");
  ER_ASSIGN_OR_RETURN(node->name, ParseDottedName());
  node->operands.push_back(std::move(subject));
  const Token& t = c_.Peek();
  if (c_.IsOp("(")) {
    ER_RETURN_IF_ERROR(ParseArgs(*node));
  } else if ((t.kind == TokenKind::kName || t.kind == TokenKind::kString ||
              t.kind == TokenKind::kInteger || t.kind == TokenKind::kFloat || c_.IsOp("[") ||
              c_.IsOp("{")) &&
             !c_.IsName("else") && !c_.IsName("or") && !c_.IsName("and")) {
    if (c_.IsName("is")) return c_.ErrorAt(t, "'is' cannot follow a test name");
    // A single bare argument: `x is divisibleby 3`, `x is sameas none`.
    ER_ASSIGN_OR_RETURN(ExprPtr arg, ParsePrimary());
    ER_ASSIGN_OR_RETURN(arg, ParsePostfix(std::move(arg)));
    node->operands.push_back(std::move(arg));
  }
  return node;
}

}  // namespace edgereason::jinja
