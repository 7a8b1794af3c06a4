// A read position over the token stream shared by the statement and
// expression parsers, with the error helpers both use. Errors read
// "<origin>:<line>:<column>: <what>".
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "tokenizer/jinja_ast.h"
#include "tokenizer/jinja_lexer.h"

namespace edgereason::jinja {

// Nesting depth beyond which the parser refuses input, so hostile templates
// cannot overflow the stack.
inline constexpr int kMaxParseNesting = 200;

class TokenCursor {
 public:
  TokenCursor(std::vector<Token> tokens, const std::string& origin)
      : tokens_(std::move(tokens)), origin_(origin) {}

  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& Next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }
  bool IsOp(std::string_view op, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kOperator && Peek(ahead).text == op;
  }
  bool IsName(std::string_view name, size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kName && Peek(ahead).text == name;
  }
  bool AcceptOp(std::string_view op) {
    if (!IsOp(op)) return false;
    ++pos_;
    return true;
  }
  bool AcceptName(std::string_view name) {
    if (!IsName(name)) return false;
    ++pos_;
    return true;
  }

  static std::string Describe(const Token& token) {
    switch (token.kind) {
      case TokenKind::kText:
        return "template text";
      case TokenKind::kVariableBegin:
        return "'{{'";
      case TokenKind::kVariableEnd:
        return "'}}'";
      case TokenKind::kBlockBegin:
        return "'{%'";
      case TokenKind::kBlockEnd:
        return "'%}'";
      case TokenKind::kEnd:
        return "end of template";
      case TokenKind::kString:
        return "string literal";
      default:
        return "'" + token.text + "'";
    }
  }

  Status ErrorAt(const Token& token, const std::string& what) const {
    return InvalidArgument(origin_ + ":" + std::to_string(token.line) + ":" +
                           std::to_string(token.column) + ": " + what);
  }
  Status Unexpected(const std::string& expected) const {
    return ErrorAt(Peek(), "expected " + expected + ", found " + Describe(Peek()));
  }
  Status ExpectOp(std::string_view op) {
    if (!AcceptOp(op)) return Unexpected("'" + std::string(op) + "'");
    return Status::Ok();
  }
  Status ExpectBlockEnd() {
    if (Peek().kind != TokenKind::kBlockEnd) return Unexpected("'%}'");
    ++pos_;
    return Status::Ok();
  }
  Result<std::string> ExpectName(const std::string& what) {
    if (Peek().kind != TokenKind::kName) return Unexpected(what);
    return Next().text;
  }

  Status ExpectVariableEnd() {
    if (Peek().kind != TokenKind::kVariableEnd) return Unexpected("'}}'");
    ++pos_;
    return Status::Ok();
  }
  void Skip(size_t n = 1) { pos_ += n; }

  // Counts nesting; Enter fails past kMaxParseNesting.
  Status Enter() {
    if (++depth_ > kMaxParseNesting) return ErrorAt(Peek(), "template nests too deeply");
    return Status::Ok();
  }
  void Leave() { --depth_; }

  static ExprPtr Node(ExprKind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
  }

 private:
  std::vector<Token> tokens_;
  const std::string& origin_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace edgereason::jinja
