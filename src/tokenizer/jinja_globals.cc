#include "tokenizer/jinja_globals.h"

#include <ctime>

#include "tokenizer/jinja_format.h"

namespace edgereason::jinja {
namespace {

Result<Value> Range(const CallArgs& args, Evaluator&) {
  if (!args.keyword.empty() || args.positional.empty() || args.positional.size() > 3) {
    return InvalidArgument("range() takes 1 to 3 positional arguments");
  }
  for (const Value& v : args.positional) {
    if (!v.is_integral())
      return InvalidArgument("range() arguments must be integers, not " + TypeName(v));
  }
  int64_t start = 0;
  int64_t stop = args.positional[0].as_int();
  int64_t step = 1;
  if (args.positional.size() >= 2) {
    start = args.positional[0].as_int();
    stop = args.positional[1].as_int();
  }
  if (args.positional.size() == 3) step = args.positional[2].as_int();
  if (step == 0) return InvalidArgument("range() arg 3 must not be zero");
  // Count without overflow: the distance is computed in floating point first.
  double span =
      (static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step);
  if (span > static_cast<double>(kMaxRangeLength)) {
    return OutOfRange("range too big: ranges longer than " + std::to_string(kMaxRangeLength) +
                      " are refused");
  }
  std::vector<Value> items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) items.emplace_back(i);
  return Value::MakeList(std::move(items));
}

Result<Value> MakeNamespace(const CallArgs& args, Evaluator&) {
  auto ns = std::make_shared<NamespaceData>();
  for (const Value& initial : args.positional) {
    if (!initial.is_dict())
      return InvalidArgument("namespace() positional arguments must be dicts");
    for (const auto& [k, v] : initial.as_dict().entries) {
      if (!k.is_string()) return InvalidArgument("namespace() keys must be strings");
      ns->Set(k.as_string(), v);
    }
  }
  for (const auto& [k, v] : args.keyword) ns->Set(k, v);
  return Value(std::move(ns));
}

Result<Value> MakeDict(const CallArgs& args, Evaluator&) {
  std::vector<std::pair<Value, Value>> entries;
  if (args.positional.size() > 1)
    return InvalidArgument("dict() takes at most one positional argument");
  if (!args.positional.empty()) {
    if (!args.positional[0].is_dict())
      return InvalidArgument("dict() positional argument must be a dict");
    entries = args.positional[0].as_dict().entries;
  }
  for (const auto& [k, v] : args.keyword) entries.emplace_back(Value(k), v);
  return Value::MakeDict(std::move(entries));
}

Result<Value> RaiseException(const CallArgs& args, Evaluator&) {
  std::string message =
      args.positional.empty() ? "raise_exception() called" : PyStr(args.positional[0]);
  return InvalidArgument(message);
}

Result<Value> StrftimeNow(const CallArgs& args, Evaluator&) {
  if (args.positional.size() != 1 || !args.positional[0].is_string()) {
    return InvalidArgument("strftime_now() takes one format string");
  }
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[512];
  size_t n = std::strftime(buffer, sizeof(buffer), args.positional[0].as_string().c_str(), &local);
  return Value(std::string(buffer, n));
}

}  // namespace

std::vector<std::pair<std::string, Value>> BuiltinGlobals() {
  return {
      {"range", Value::MakeCallable("range", Range)},
      {"namespace", Value::MakeCallable("namespace", MakeNamespace)},
      {"dict", Value::MakeCallable("dict", MakeDict)},
      {"raise_exception", Value::MakeCallable("raise_exception", RaiseException)},
      {"strftime_now", Value::MakeCallable("strftime_now", StrftimeNow)},
  };
}

}  // namespace edgereason::jinja
