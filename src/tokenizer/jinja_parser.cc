#include "tokenizer/jinja_parser.h"

#include <initializer_list>
#include <string_view>

#include "tokenizer/jinja_expression_parser.h"
#include "tokenizer/jinja_lexer.h"
#include "tokenizer/jinja_token_cursor.h"

namespace edgereason::jinja {
namespace {

// Parses the statement structure ({% if %}, {% for %}, ...) and hands
// expressions to ExpressionParser.
class StatementParser {
 public:
  StatementParser(std::vector<Token> tokens, const std::string& origin)
      : c_(std::move(tokens), origin), expressions_(c_) {}

  Result<Body> ParseAll() { return ParseBody({}, "", 0); }

 private:
  static StmtPtr NewStatement(StmtKind kind, int line) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->line = line;
    return s;
  }

  // Parses until a `{% <one of stop_words> %}`; leaves the cursor on that name.
  // `opener` and `opener_line` describe the block being closed, for errors.
  Result<Body> ParseBody(std::initializer_list<std::string_view> stop_words,
                         const std::string& opener, int opener_line) {
    ER_RETURN_IF_ERROR(c_.Enter());
    Body body;
    while (true) {
      const Token& token = c_.Peek();
      if (token.kind == TokenKind::kEnd) {
        c_.Leave();
        if (stop_words.size() == 0) return body;
        return c_.ErrorAt(token, "unexpected end of template: the '" + opener +
                                     "' block opened on line " + std::to_string(opener_line) +
                                     " was never closed (expected 'end" + opener + "')");
      }
      if (token.kind == TokenKind::kText) {
        auto text = NewStatement(StmtKind::kText, token.line);
        text->text = c_.Next().text;
        body.push_back(std::move(text));
      } else if (token.kind == TokenKind::kVariableBegin) {
        auto output = NewStatement(StmtKind::kOutput, c_.Next().line);
        ER_ASSIGN_OR_RETURN(output->expr, expressions_.ParseTuple());
        if (c_.Peek().kind != TokenKind::kVariableEnd) return c_.Unexpected("'}}'");
        c_.Skip();
        body.push_back(std::move(output));
      } else if (token.kind == TokenKind::kBlockBegin) {
        const Token& keyword = c_.Peek(1);
        for (std::string_view stop : stop_words) {
          if (keyword.kind == TokenKind::kName && keyword.text == stop) {
            c_.Skip();
            c_.Leave();
            return body;
          }
        }
        c_.Skip();
        ER_ASSIGN_OR_RETURN(StmtPtr stmt, ParseNewStatement());
        body.push_back(std::move(stmt));
      } else {
        return c_.Unexpected("template text or a tag");
      }
    }
  }

  Result<StmtPtr> ParseNewStatement() {
    const Token& keyword = c_.Peek();
    if (keyword.kind != TokenKind::kName) return c_.Unexpected("a tag name");
    const std::string& word = keyword.text;
    if (word == "if") return ParseIf();
    if (word == "for") return ParseFor();
    if (word == "set") return ParseSet();
    if (word == "macro") return ParseMacro();
    if (word == "call") return ParseCallBlock();
    if (word == "filter") return ParseFilterBlock();
    if (word == "generation") return ParseScope("generation");
    if (word == "break" || word == "continue") {
      if (loop_depth_ == 0) return c_.ErrorAt(keyword, "'" + word + "' outside a for loop");
      auto stmt =
          NewStatement(word == "break" ? StmtKind::kBreak : StmtKind::kContinue, c_.Next().line);
      ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
      return stmt;
    }
    if (word.starts_with("end") || word == "elif" || word == "else") {
      return c_.ErrorAt(keyword, "unexpected '" + word + "' tag with no open block to close");
    }
    return c_.ErrorAt(keyword, "unknown or unsupported tag '" + word + "'");
  }

  Result<StmtPtr> ParseIf() {
    auto stmt = NewStatement(StmtKind::kIf, c_.Next().line);
    int opener_line = stmt->line;
    while (true) {
      IfBranch branch;
      ER_ASSIGN_OR_RETURN(branch.condition, expressions_.ParseTuple());
      ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
      ER_ASSIGN_OR_RETURN(branch.body, ParseBody({"elif", "else", "endif"}, "if", opener_line));
      stmt->branches.push_back(std::move(branch));
      std::string word = c_.Next().text;
      if (word == "elif") continue;
      if (word == "else") {
        ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
        IfBranch otherwise;
        ER_ASSIGN_OR_RETURN(otherwise.body, ParseBody({"endif"}, "if", opener_line));
        stmt->branches.push_back(std::move(otherwise));
        c_.Skip();
      }
      ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
      return stmt;
    }
  }

  Result<std::vector<std::string>> ParseTargetNames() {
    std::vector<std::string> names;
    bool parenthesized = c_.AcceptOp("(");
    do {
      if (parenthesized && c_.IsOp(")")) break;
      ER_ASSIGN_OR_RETURN(std::string name, c_.ExpectName("a variable name"));
      names.push_back(std::move(name));
    } while (c_.AcceptOp(","));
    if (parenthesized) ER_RETURN_IF_ERROR(c_.ExpectOp(")"));
    return names;
  }

  Result<StmtPtr> ParseFor() {
    auto stmt = NewStatement(StmtKind::kFor, c_.Next().line);
    ER_ASSIGN_OR_RETURN(stmt->targets, ParseTargetNames());
    if (!c_.AcceptName("in")) return c_.Unexpected("'in'");
    ER_ASSIGN_OR_RETURN(stmt->expr, expressions_.ParseTuple(/*allow_conditional=*/false));
    if (c_.AcceptName("if")) {
      ER_ASSIGN_OR_RETURN(stmt->loop_filter, expressions_.ParseExpression());
    }
    stmt->recursive = c_.AcceptName("recursive");
    ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
    ++loop_depth_;
    ER_ASSIGN_OR_RETURN(stmt->body, ParseBody({"else", "endfor"}, "for", stmt->line));
    --loop_depth_;
    if (c_.Next().text == "else") {
      ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
      ER_ASSIGN_OR_RETURN(stmt->else_body, ParseBody({"endfor"}, "for", stmt->line));
      c_.Skip();
    }
    ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
    return stmt;
  }

  Result<StmtPtr> ParseSet() {
    auto stmt = NewStatement(StmtKind::kSet, c_.Next().line);
    if (c_.Peek().kind == TokenKind::kName && c_.IsOp(".", 1)) {
      stmt->targets.push_back(c_.Next().text);
      c_.Skip();
      ER_ASSIGN_OR_RETURN(stmt->attribute, c_.ExpectName("an attribute name"));
    } else {
      ER_ASSIGN_OR_RETURN(stmt->targets, ParseTargetNames());
    }
    if (c_.AcceptOp("=")) {
      ER_ASSIGN_OR_RETURN(stmt->expr, expressions_.ParseTuple());
      ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
      return stmt;
    }
    if (stmt->targets.size() != 1 || !stmt->attribute.empty()) return c_.Unexpected("'='");
    stmt->kind = StmtKind::kSetBlock;
    if (c_.IsOp("|")) {
      ER_ASSIGN_OR_RETURN(stmt->filter, expressions_.ParseFilters(nullptr));
    }
    ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
    ER_ASSIGN_OR_RETURN(stmt->body, ParseBody({"endset"}, "set", stmt->line));
    c_.Skip();
    ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
    return stmt;
  }

  Status ParseParams(std::vector<MacroParam>& params) {
    ER_RETURN_IF_ERROR(c_.ExpectOp("("));
    while (!c_.AcceptOp(")")) {
      if (!params.empty()) ER_RETURN_IF_ERROR(c_.ExpectOp(","));
      if (c_.AcceptOp(")")) break;
      MacroParam param;
      ER_ASSIGN_OR_RETURN(param.name, c_.ExpectName("a parameter name"));
      if (c_.AcceptOp("=")) {
        ER_ASSIGN_OR_RETURN(param.default_value, expressions_.ParseExpression());
      }
      params.push_back(std::move(param));
    }
    return Status::Ok();
  }

  Result<StmtPtr> ParseMacro() {
    auto stmt = NewStatement(StmtKind::kMacro, c_.Next().line);
    ER_ASSIGN_OR_RETURN(stmt->name, c_.ExpectName("a macro name"));
    ER_RETURN_IF_ERROR(ParseParams(stmt->params));
    ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
    int saved_loops = std::exchange(loop_depth_, 0);
    ER_ASSIGN_OR_RETURN(stmt->body, ParseBody({"endmacro"}, "macro", stmt->line));
    loop_depth_ = saved_loops;
    c_.Skip();
    c_.AcceptName(stmt->name);
    ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
    return stmt;
  }

  Result<StmtPtr> ParseCallBlock() {
    auto stmt = NewStatement(StmtKind::kCallBlock, c_.Next().line);
    if (c_.IsOp("(")) ER_RETURN_IF_ERROR(ParseParams(stmt->params));
    ER_ASSIGN_OR_RETURN(stmt->expr, expressions_.ParseExpression());
    if (stmt->expr->kind != ExprKind::kCall)
      return c_.ErrorAt(c_.Peek(), "'call' needs a macro call");
    ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
    ER_ASSIGN_OR_RETURN(stmt->body, ParseBody({"endcall"}, "call", stmt->line));
    c_.Skip();
    ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
    return stmt;
  }

  Result<StmtPtr> ParseFilterBlock() {
    auto stmt = NewStatement(StmtKind::kFilterBlock, c_.Next().line);
    ER_ASSIGN_OR_RETURN(stmt->filter, expressions_.ParseFilters(nullptr, /*leading_bar=*/false));
    ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
    ER_ASSIGN_OR_RETURN(stmt->body, ParseBody({"endfilter"}, "filter", stmt->line));
    c_.Skip();
    ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
    return stmt;
  }

  Result<StmtPtr> ParseScope(const std::string& tag) {
    auto stmt = NewStatement(StmtKind::kScope, c_.Next().line);
    ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
    ER_ASSIGN_OR_RETURN(stmt->body, ParseBody({"endgeneration"}, tag, stmt->line));
    c_.Skip();
    ER_RETURN_IF_ERROR(c_.ExpectBlockEnd());
    return stmt;
  }

  TokenCursor c_;
  ExpressionParser expressions_;
  int loop_depth_ = 0;  // break/continue are only valid inside a loop
};

}  // namespace

Result<std::unique_ptr<Template>> ParseTemplate(const std::string& source,
                                                const std::string& origin) {
  ER_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(source, origin));
  StatementParser parser(std::move(tokens), origin);
  ER_ASSIGN_OR_RETURN(Body body, parser.ParseAll());
  auto program = std::make_unique<Template>();
  program->origin = origin;
  program->body = std::move(body);
  return program;
}

}  // namespace edgereason::jinja
