// The values a chat template computes with. They model the Python objects the
// reference renderer sees (None, bool, int, float, str, list, tuple, dict,
// namespace, callables and Jinja's Undefined) closely enough that printing,
// comparing and serialising them gives the same bytes as Python does.
//
// Lists and dicts are immutable once built (the reference runs templates in an
// immutable sandbox), so a Value is cheap to copy: containers are shared.
// Namespaces are the one mutable object, as in Jinja.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/status.h"

namespace edgereason::jinja {

class Value;
class Evaluator;

// Jinja's Undefined: what a missing variable, key or attribute evaluates to.
// `hint` says what was missing, for the error raised when it is misused.
struct Undefined {
  std::string hint;
};
struct None {};

struct ListData {
  std::vector<Value> items;
  bool is_tuple = false;  // prints as (a, b) instead of [a, b]
};

// Insertion-ordered like a Python dict; lookups are linear, which is the
// right trade for the handful of keys a chat message or tool schema has.
struct DictData {
  std::vector<std::pair<Value, Value>> entries;
  const Value* Find(const Value& key) const;
  const Value* Find(std::string_view key) const;
};

// `namespace(...)`: the mutable attribute bag templates use to carry state
// out of loops.
struct NamespaceData {
  std::vector<std::pair<std::string, Value>> attributes;
  const Value* Find(std::string_view name) const;
  void Set(const std::string& name, Value value);
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
  const Value* Keyword(std::string_view name) const;
};

// Matches `args` to the parameter names `params` the way Python binds a call:
// positionals first, then keywords; surplus or unknown arguments are errors
// naming `function`. Unfilled parameters come back as nullopt.
using BoundArgs = std::vector<std::optional<Value>>;
Result<BoundArgs> BindArgs(std::string_view function, const CallArgs& args,
                           const std::vector<std::string_view>& params);

using NativeFunction = std::function<Result<Value>(const CallArgs&, Evaluator&)>;

struct CallableData {
  std::string name;  // for error messages
  NativeFunction function;
};

class Value {
 public:
  enum class Kind {
    kUndefined,
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kList,
    kDict,
    kNamespace,
    kCallable
  };

  Value() : data_(Undefined{}) {}
  Value(None) : data_(None{}) {}                                         // NOLINT
  Value(bool b) : data_(b) {}                                            // NOLINT
  Value(int64_t i) : data_(i) {}                                         // NOLINT
  Value(int i) : data_(static_cast<int64_t>(i)) {}                       // NOLINT
  Value(double d) : data_(d) {}                                          // NOLINT
  Value(std::string s) : data_(std::move(s)) {}                          // NOLINT
  Value(const char* s) : data_(std::string(s)) {}                        // NOLINT
  Value(std::shared_ptr<const ListData> l) : data_(std::move(l)) {}      // NOLINT
  Value(std::shared_ptr<const DictData> d) : data_(std::move(d)) {}      // NOLINT
  Value(std::shared_ptr<NamespaceData> n) : data_(std::move(n)) {}       // NOLINT
  Value(std::shared_ptr<const CallableData> c) : data_(std::move(c)) {}  // NOLINT

  static Value MakeUndefined(std::string hint) {
    Value v;
    v.data_ = Undefined{std::move(hint)};
    return v;
  }
  static Value MakeList(std::vector<Value> items, bool is_tuple = false);
  static Value MakeDict(std::vector<std::pair<Value, Value>> entries);
  static Value MakeCallable(std::string name, NativeFunction function);

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  // Python's numbers: bool counts as an int.
  bool is_number() const { return is_bool() || is_int() || is_float(); }
  bool is_integral() const { return is_bool() || is_int(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_namespace() const { return kind() == Kind::kNamespace; }
  bool is_callable() const { return kind() == Kind::kCallable; }

  const std::string& undefined_hint() const { return std::get<Undefined>(data_).hint; }
  bool as_bool() const { return std::get<bool>(data_); }
  // For is_integral() values.
  int64_t as_int() const { return is_bool() ? (as_bool() ? 1 : 0) : std::get<int64_t>(data_); }
  // For is_number() values.
  double as_double() const {
    return is_float() ? std::get<double>(data_) : static_cast<double>(as_int());
  }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const ListData& as_list() const { return *std::get<std::shared_ptr<const ListData>>(data_); }
  const DictData& as_dict() const { return *std::get<std::shared_ptr<const DictData>>(data_); }
  NamespaceData& as_namespace() const { return *std::get<std::shared_ptr<NamespaceData>>(data_); }
  const CallableData& as_callable() const {
    return *std::get<std::shared_ptr<const CallableData>>(data_);
  }
  const void* identity() const;  // for `is sameas` on containers

  // Python truthiness (Undefined is falsy).
  bool Truthy() const;

 private:
  std::variant<Undefined, None, bool, int64_t, double, std::string, std::shared_ptr<const ListData>,
               std::shared_ptr<const DictData>, std::shared_ptr<NamespaceData>,
               std::shared_ptr<const CallableData>>
      data_;
};

// Python `==` (1 == 1.0 == True; Undefined equals only Undefined).
bool ValuesEqual(const Value& a, const Value& b);
// Python `<` for numbers, strings and sequences; nullopt where Python raises.
std::optional<bool> ValueLess(const Value& a, const Value& b);

// The Python type name, as error messages and `'dict object'` hints use it.
std::string TypeName(const Value& value);

}  // namespace edgereason::jinja
