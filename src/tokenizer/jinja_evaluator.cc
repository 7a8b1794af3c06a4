#include "tokenizer/jinja_evaluator.h"

#include "tokenizer/jinja_filters.h"
#include "tokenizer/jinja_format.h"
#include "tokenizer/jinja_globals.h"
#include "tokenizer/jinja_is_tests.h"

namespace edgereason::jinja {

const Value* Evaluator::Frame::Find(const std::string& name) const {
  for (const auto& [k, v] : variables) {
    if (k == name) return &v;
  }
  return nullptr;
}

void Evaluator::Frame::Set(const std::string& name, Value value) {
  for (auto& [k, v] : variables) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  variables.emplace_back(name, std::move(value));
}

Evaluator::Evaluator(const Template& program, const RenderLimits& limits)
    : program_(program), limits_(limits) {}

Result<std::string> Evaluator::Render(const Value& context) {
  Frame* globals = NewFrame(nullptr);
  for (auto& [name, value] : BuiltinGlobals()) globals->Set(name, std::move(value));
  // Template-level `set` writes here, shadowing (never changing) the caller's
  // context variables.
  current_ = NewFrame(globals);
  if (context.is_dict()) {
    for (const auto& [k, v] : context.as_dict().entries) {
      if (k.is_string()) current_->Set(k.as_string(), v);
    }
  }
  ER_ASSIGN_OR_RETURN(Flow flow, ExecBody(program_.body));
  (void)flow;
  return std::move(out_);
}

Evaluator::Frame* Evaluator::NewFrame(Frame* parent) {
  frames_.emplace_back();
  frames_.back().parent = parent;
  return &frames_.back();
}

Value Evaluator::Lookup(const std::string& name) const {
  for (const Frame* f = current_; f != nullptr; f = f->parent) {
    if (const Value* v = f->Find(name)) return *v;
  }
  return Value::MakeUndefined("'" + name + "' is undefined");
}

Status Evaluator::Locate(const Status& status, int line) const {
  if (status.ok() || status.message().starts_with(program_.origin + ":")) return status;
  return Status(status.code(),
                program_.origin + ":" + std::to_string(line) + ": " + status.message());
}

Status Evaluator::Tick() {
  if (++steps_ > limits_.max_steps) {
    return OutOfRange("rendering took more than " + std::to_string(limits_.max_steps) +
                      " steps; the template may loop without end");
  }
  return Status::Ok();
}

Status Evaluator::Emit(const std::string& text) {
  if (out_.size() + text.size() > limits_.max_output_bytes) {
    return OutOfRange("rendered text would exceed " + std::to_string(limits_.max_output_bytes) +
                      " bytes");
  }
  out_ += text;
  return Status::Ok();
}

// ---- statements -------------------------------------------------------------

Result<Evaluator::Flow> Evaluator::ExecBody(const Body& body) {
  for (const StmtPtr& stmt : body) {
    ER_ASSIGN_OR_RETURN(Flow flow, ExecStatement(*stmt));
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

Result<Evaluator::Flow> Evaluator::ExecStatement(const Stmt& stmt) {
  Status ticked = Tick();
  if (!ticked.ok()) return Locate(ticked, stmt.line);
  switch (stmt.kind) {
    case StmtKind::kText:
      ER_RETURN_IF_ERROR(Locate(Emit(stmt.text), stmt.line));
      break;
    case StmtKind::kOutput: {
      ER_ASSIGN_OR_RETURN(Value value, Eval(*stmt.expr));
      ER_RETURN_IF_ERROR(Locate(Emit(PyStr(value)), stmt.line));
      break;
    }
    case StmtKind::kIf:
      return ExecIf(stmt);
    case StmtKind::kFor:
      return ExecFor(stmt);
    case StmtKind::kSet:
    case StmtKind::kSetBlock:
      ER_RETURN_IF_ERROR(ExecSet(stmt));
      break;
    case StmtKind::kMacro:
      current_->Set(stmt.name, MakeMacro(stmt, current_));
      break;
    case StmtKind::kCallBlock: {
      const Stmt* block = &stmt;
      Frame* closure = current_;
      Value caller =
          Value::MakeCallable("caller", [this, block, closure](const CallArgs& args, Evaluator&) {
            return CallMacro(*block, closure, args, std::nullopt);
          });
      const Expr& call = *stmt.expr;
      ER_ASSIGN_OR_RETURN(Value callee, Eval(*call.operands[0]));
      if (!callee.is_callable())
        return Locate(InvalidArgument("'call' block needs a macro"), stmt.line);
      ER_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(call, 1));
      args.keyword.emplace_back("caller", caller);
      Result<Value> result = Call(callee, args);
      if (!result.ok()) return Locate(result.status(), stmt.line);
      ER_RETURN_IF_ERROR(Locate(Emit(PyStr(*result)), stmt.line));
      break;
    }
    case StmtKind::kFilterBlock: {
      ER_ASSIGN_OR_RETURN(std::string text, Capture(stmt.body, current_));
      ER_ASSIGN_OR_RETURN(Value filtered, EvalFilter(*stmt.filter, Value(std::move(text))));
      ER_RETURN_IF_ERROR(Locate(Emit(PyStr(filtered)), stmt.line));
      break;
    }
    case StmtKind::kScope:
      return ExecBody(stmt.body);
    case StmtKind::kBreak:
      return Flow::kBreak;
    case StmtKind::kContinue:
      return Flow::kContinue;
  }
  return Flow::kNormal;
}

Result<Evaluator::Flow> Evaluator::ExecIf(const Stmt& stmt) {
  for (const IfBranch& branch : stmt.branches) {
    if (branch.condition) {
      ER_ASSIGN_OR_RETURN(Value test, Eval(*branch.condition));
      if (!test.Truthy()) continue;
    }
    return ExecBody(branch.body);
  }
  return Flow::kNormal;
}

Result<Evaluator::Flow> Evaluator::ExecFor(const Stmt& stmt) {
  if (stmt.recursive)
    return Locate(Unsupported("recursive for loops are not supported"), stmt.line);
  ER_ASSIGN_OR_RETURN(Value iterable, Eval(*stmt.expr));
  Result<std::vector<Value>> all = Iterate(iterable);
  if (!all.ok()) return Locate(all.status(), stmt.line);
  Frame* outer = current_;
  Frame* loop_frame = NewFrame(outer);
  std::vector<Value> items;
  if (stmt.loop_filter) {
    current_ = loop_frame;
    for (const Value& item : *all) {
      Status assigned = Assign(stmt.targets, item, *loop_frame);
      if (!assigned.ok()) {
        current_ = outer;
        return Locate(assigned, stmt.line);
      }
      Result<Value> keep = Eval(*stmt.loop_filter);
      if (!keep.ok()) {
        current_ = outer;
        return keep.status();
      }
      if (keep->Truthy()) items.push_back(item);
    }
    current_ = outer;
  } else {
    items = std::move(*all);
  }
  if (items.empty()) return ExecBody(stmt.else_body);

  const auto length = static_cast<int64_t>(items.size());
  current_ = loop_frame;
  Result<Flow> outcome = Flow::kNormal;
  for (int64_t i = 0; i < length; ++i) {
    Status ok = Tick();
    // Each iteration starts with fresh loop-local variables, as in Jinja.
    loop_frame->variables.clear();
    if (ok.ok()) ok = Assign(stmt.targets, items[static_cast<size_t>(i)], *loop_frame);
    if (!ok.ok()) {
      outcome = Locate(ok, stmt.line);
      break;
    }
    std::vector<std::pair<Value, Value>> loop = {
        {"index", i + 1},
        {"index0", i},
        {"revindex", length - i},
        {"revindex0", length - i - 1},
        {"first", i == 0},
        {"last", i == length - 1},
        {"length", length},
        {"depth", 1},
        {"depth0", 0},
    };
    if (i > 0) loop.emplace_back("previtem", items[static_cast<size_t>(i - 1)]);
    if (i + 1 < length) loop.emplace_back("nextitem", items[static_cast<size_t>(i + 1)]);
    loop.emplace_back(
        "cycle",
        Value::MakeCallable("loop.cycle", [i](const CallArgs& args, Evaluator&) -> Result<Value> {
          if (args.positional.empty())
            return InvalidArgument("loop.cycle() needs at least one item");
          return args.positional[static_cast<size_t>(i) % args.positional.size()];
        }));
    loop_frame->Set("loop", Value::MakeDict(std::move(loop)));
    outcome = ExecBody(stmt.body);
    if (!outcome.ok() || *outcome == Flow::kBreak) break;
  }
  current_ = outer;
  if (!outcome.ok()) return outcome.status();
  return Flow::kNormal;
}

Status Evaluator::Assign(const std::vector<std::string>& targets, const Value& value,
                         Frame& frame) {
  if (targets.size() == 1) {
    frame.Set(targets[0], value);
    return Status::Ok();
  }
  ER_ASSIGN_OR_RETURN(std::vector<Value> parts, Iterate(value));
  if (parts.size() != targets.size()) {
    return InvalidArgument(std::string(parts.size() > targets.size() ? "too many" : "not enough") +
                           " values to unpack (expected " + std::to_string(targets.size()) +
                           ", got " + std::to_string(parts.size()) + ")");
  }
  for (size_t i = 0; i < targets.size(); ++i) frame.Set(targets[i], parts[i]);
  return Status::Ok();
}

Status Evaluator::ExecSet(const Stmt& stmt) {
  Value value;
  if (stmt.kind == StmtKind::kSetBlock) {
    ER_ASSIGN_OR_RETURN(std::string text, Capture(stmt.body, current_));
    value = Value(std::move(text));
    if (stmt.filter) {
      ER_ASSIGN_OR_RETURN(value, EvalFilter(*stmt.filter, value));
    }
  } else {
    ER_ASSIGN_OR_RETURN(value, Eval(*stmt.expr));
  }
  if (!stmt.attribute.empty()) {
    Value target = Lookup(stmt.targets[0]);
    if (!target.is_namespace()) {
      return Locate(InvalidArgument("cannot assign attribute '" + stmt.attribute + "' on '" +
                                    stmt.targets[0] + "', which is not a namespace()"),
                    stmt.line);
    }
    target.as_namespace().Set(stmt.attribute, std::move(value));
    return Status::Ok();
  }
  return Locate(Assign(stmt.targets, value, *current_), stmt.line);
}

Result<std::string> Evaluator::Capture(const Body& body, Frame* frame) {
  std::string saved = std::move(out_);
  out_.clear();
  Frame* outer = current_;
  current_ = frame;
  Result<Flow> flow = ExecBody(body);
  current_ = outer;
  std::string captured = std::move(out_);
  out_ = std::move(saved);
  if (!flow.ok()) return flow.status();
  return captured;
}

Value Evaluator::MakeMacro(const Stmt& macro, Frame* closure) {
  const Stmt* definition = &macro;
  return Value::MakeCallable(macro.name,
                             [this, definition, closure](const CallArgs& args, Evaluator&) {
                               return CallMacro(*definition, closure, args, std::nullopt);
                             });
}

Result<Value> Evaluator::CallMacro(const Stmt& macro, Frame* closure, const CallArgs& args,
                                   std::optional<Value> caller) {
  if (call_depth_ >= limits_.max_call_depth) {
    return OutOfRange("macro calls nest deeper than " + std::to_string(limits_.max_call_depth) +
                      "; the template may recurse without end");
  }
  const std::string what =
      macro.kind == StmtKind::kMacro ? "macro '" + macro.name + "'" : "caller()";
  if (args.positional.size() > macro.params.size()) {
    return InvalidArgument(what + " takes at most " + std::to_string(macro.params.size()) +
                           " arguments");
  }
  Frame* frame = NewFrame(closure);
  for (const auto& [name, value] : args.keyword) {
    bool known = name == "caller";
    for (const MacroParam& p : macro.params) known = known || p.name == name;
    if (!known) return InvalidArgument(what + " got an unexpected keyword argument '" + name + "'");
    frame->Set(name, value);
  }
  Frame* outer = current_;
  current_ = frame;
  for (size_t i = 0; i < macro.params.size(); ++i) {
    const MacroParam& param = macro.params[i];
    if (i < args.positional.size()) {
      frame->Set(param.name, args.positional[i]);
    } else if (frame->Find(param.name) == nullptr) {
      Value fallback = Value::MakeUndefined("parameter '" + param.name + "' was not provided");
      if (param.default_value) {
        Result<Value> evaluated = Eval(*param.default_value);
        if (!evaluated.ok()) {
          current_ = outer;
          return evaluated.status();
        }
        fallback = *evaluated;
      }
      frame->Set(param.name, std::move(fallback));
    }
  }
  if (caller) frame->Set("caller", *caller);
  current_ = outer;
  ++call_depth_;
  Result<std::string> text = Capture(macro.body, frame);
  --call_depth_;
  if (!text.ok()) return text.status();
  return Value(std::move(*text));
}

Result<Value> Evaluator::Call(const Value& callee, const CallArgs& args) {
  if (callee.is_undefined()) return UndefinedError(callee);
  if (!callee.is_callable())
    return InvalidArgument("'" + TypeName(callee) + "' object is not callable");
  return callee.as_callable().function(args, *this);
}

}  // namespace edgereason::jinja
