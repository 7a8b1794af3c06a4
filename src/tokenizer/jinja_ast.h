// The parsed form of a chat template: expressions and statements as trees.
// Nodes are plain data; the evaluator (jinja_evaluator.h) gives them meaning.
// Every node remembers its source line so render errors can point at it.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/jinja_value.h"

namespace edgereason::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind {
  kLiteral,    // literal
  kName,       // name
  kList,       // operands: items
  kTuple,      // operands: items
  kDict,       // operands: key0, value0, key1, value1, ...
  kAttribute,  // operands[0].name
  kSubscript,  // operands[0][operands[1]]
  kSlice,      // operands[0][operands[1]:operands[2]:operands[3]], each bound may be null
  kCall,       // operands[0](operands[1..], keyword_args)
  kFilter,     // operands[0] | name(operands[1..], keyword_args); operands[0] null in filter blocks
  kTest,       // operands[0] is [not] name(operands[1..], keyword_args)
  kUnary,      // name ("-", "+") applied to operands[0]
  kBinary,     // operands[0] name operands[1], name one of + - * / // % ** ~
  kCompare,    // operands[0] compare_ops[i] operands[i+1] ... (chained)
  kAnd,        // operands[0] and operands[1]
  kOr,         // operands[0] or operands[1]
  kNot,        // not operands[0]
  kConditional,  // operands[0] if operands[1] else operands[2] (else may be null)
};

struct Expr {
  ExprKind kind;
  int line = 0;
  Value literal;
  std::string name;
  std::vector<ExprPtr> operands;
  std::vector<std::pair<std::string, ExprPtr>> keyword_args;
  std::vector<std::string> compare_ops;  // "==", "!=", "<", "<=", ">", ">=", "in", "not in"
  bool negated = false;                  // `is not`
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class StmtKind {
  kText,         // text
  kOutput,       // {{ expr }}
  kIf,           // branches; a final else has a null condition
  kFor,          // for targets in expr [if loop_filter] [recursive]: body [else: else_body]
  kSet,          // set targets = expr, or set targets[0].attribute = expr
  kSetBlock,     // set targets[0] [| filter]: body
  kMacro,        // macro name(params): body
  kCallBlock,    // call[(params)] expr: body  (body becomes `caller`)
  kFilterBlock,  // filter filter: body
  kBreak,
  kContinue,
  kScope,  // a block rendered as is ({% generation %} from the reference's extension)
};

struct IfBranch {
  ExprPtr condition;  // null for else
  Body body;
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // null when required
};

struct Stmt {
  StmtKind kind;
  int line = 0;
  std::string text;
  ExprPtr expr;
  std::vector<IfBranch> branches;
  std::vector<std::string> targets;
  std::string attribute;  // kSet on a namespace attribute
  ExprPtr loop_filter;
  bool recursive = false;
  ExprPtr filter;  // kSetBlock / kFilterBlock: a kFilter chain whose innermost subject is null
  std::string name;
  std::vector<MacroParam> params;
  Body body;
  Body else_body;
};

struct Template {
  std::string origin;
  Body body;
};

}  // namespace edgereason::jinja
