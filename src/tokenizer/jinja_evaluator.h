// Runs a parsed template (jinja_ast.h) against context variables and
// produces its text. Scoping follows Jinja: a for loop or macro call gets its
// own variables, `if` does not; `set` writes to the innermost scope, which is
// why templates carry state out of loops in a namespace().
//
// Rendering is bounded: output size, macro recursion depth and the number of
// executed steps are capped, so a runaway template ends with an error.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "tokenizer/jinja_ast.h"
#include "tokenizer/jinja_operators.h"
#include "tokenizer/jinja_value.h"

namespace edgereason::jinja {

struct RenderLimits {
  size_t max_output_bytes = kMaxValueBytes;
  int max_call_depth = 100;       // nested macro calls
  int64_t max_steps = 2'000'000;  // statements and loop iterations; real chats need thousands
};

class Evaluator {
 public:
  Evaluator(const Template& program, const RenderLimits& limits);
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Renders with `context` (a dict of variables) over the built-in globals.
  // Errors read "<origin>:<line>: <what>".
  Result<std::string> Render(const Value& context);

  // Calls a callable value; filters and builtins use it too.
  Result<Value> Call(const Value& callee, const CallArgs& args);

 private:
  struct Frame {
    Frame* parent = nullptr;
    std::vector<std::pair<std::string, Value>> variables;
    const Value* Find(const std::string& name) const;
    void Set(const std::string& name, Value value);
  };
  enum class Flow { kNormal, kBreak, kContinue };

  Frame* NewFrame(Frame* parent);
  Value Lookup(const std::string& name) const;
  Status Locate(const Status& status, int line) const;
  Status Tick();
  Status Emit(const std::string& text);

  Result<Flow> ExecBody(const Body& body);
  Result<Flow> ExecStatement(const Stmt& stmt);
  Result<Flow> ExecIf(const Stmt& stmt);
  Result<Flow> ExecFor(const Stmt& stmt);
  Status ExecSet(const Stmt& stmt);
  Status Assign(const std::vector<std::string>& targets, const Value& value, Frame& frame);
  Result<std::string> Capture(const Body& body, Frame* frame);
  Result<Value> CallMacro(const Stmt& macro, Frame* closure, const CallArgs& args,
                          std::optional<Value> caller);
  Value MakeMacro(const Stmt& macro, Frame* closure);

  Result<Value> Eval(const Expr& expr);
  Result<Value> EvalUnlocated(const Expr& expr);
  Result<CallArgs> EvalArgs(const Expr& expr, size_t first_positional);
  Result<Value> EvalFilter(const Expr& expr, const std::optional<Value>& placeholder);
  Result<Value> EvalTest(const Expr& expr);
  Result<Value> EvalCompare(const Expr& expr);
  Result<Value> EvalSlice(const Expr& expr);

  const Template& program_;
  RenderLimits limits_;
  std::deque<Frame> frames_;  // every scope of this render; stable addresses
  Frame* current_ = nullptr;
  std::string out_;
  int64_t steps_ = 0;
  int call_depth_ = 0;
};

}  // namespace edgereason::jinja
