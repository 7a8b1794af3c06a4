#include "tokenizer/jinja_value.h"

#include <cmath>

namespace edgereason::jinja {

const Value* DictData::Find(const Value& key) const {
  for (const auto& [k, v] : entries) {
    if (ValuesEqual(k, key)) return &v;
  }
  return nullptr;
}

const Value* DictData::Find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

const Value* NamespaceData::Find(std::string_view name) const {
  for (const auto& [k, v] : attributes) {
    if (k == name) return &v;
  }
  return nullptr;
}

void NamespaceData::Set(const std::string& name, Value value) {
  for (auto& [k, v] : attributes) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  attributes.emplace_back(name, std::move(value));
}

const Value* CallArgs::Keyword(std::string_view name) const {
  for (const auto& [k, v] : keyword) {
    if (k == name) return &v;
  }
  return nullptr;
}

Result<BoundArgs> BindArgs(std::string_view function, const CallArgs& args,
                           const std::vector<std::string_view>& params) {
  if (args.positional.size() > params.size()) {
    return InvalidArgument(std::string(function) + "() takes at most " +
                           std::to_string(params.size()) + " arguments (" +
                           std::to_string(args.positional.size()) + " given)");
  }
  BoundArgs bound(params.size());
  for (size_t i = 0; i < args.positional.size(); ++i) bound[i] = args.positional[i];
  for (const auto& [name, value] : args.keyword) {
    size_t i = 0;
    while (i < params.size() && params[i] != name) ++i;
    if (i == params.size()) {
      return InvalidArgument(std::string(function) + "() got an unexpected keyword argument '" +
                             name + "'");
    }
    if (bound[i])
      return InvalidArgument(std::string(function) + "() got multiple values for argument '" +
                             name + "'");
    bound[i] = value;
  }
  return bound;
}

Value Value::MakeList(std::vector<Value> items, bool is_tuple) {
  auto data = std::make_shared<ListData>();
  data->items = std::move(items);
  data->is_tuple = is_tuple;
  return Value(std::shared_ptr<const ListData>(std::move(data)));
}

Value Value::MakeDict(std::vector<std::pair<Value, Value>> entries) {
  auto data = std::make_shared<DictData>();
  // Later duplicates overwrite earlier ones but keep the first position, as a
  // Python dict literal does.
  for (auto& [k, v] : entries) {
    bool replaced = false;
    for (auto& existing : data->entries) {
      if (ValuesEqual(existing.first, k)) {
        existing.second = std::move(v);
        replaced = true;
        break;
      }
    }
    if (!replaced) data->entries.emplace_back(std::move(k), std::move(v));
  }
  return Value(std::shared_ptr<const DictData>(std::move(data)));
}

Value Value::MakeCallable(std::string name, NativeFunction function) {
  auto data = std::make_shared<CallableData>();
  data->name = std::move(name);
  data->function = std::move(function);
  return Value(std::shared_ptr<const CallableData>(std::move(data)));
}

const void* Value::identity() const {
  switch (kind()) {
    case Kind::kList:
      return &as_list();
    case Kind::kDict:
      return &as_dict();
    case Kind::kNamespace:
      return &as_namespace();
    case Kind::kCallable:
      return &as_callable();
    default:
      return nullptr;
  }
}

bool Value::Truthy() const {
  switch (kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return as_bool();
    case Kind::kInt:
      return as_int() != 0;
    case Kind::kFloat:
      return as_double() != 0.0;
    case Kind::kString:
      return !as_string().empty();
    case Kind::kList:
      return !as_list().items.empty();
    case Kind::kDict:
      return !as_dict().entries.empty();
    case Kind::kNamespace:
    case Kind::kCallable:
      return true;
  }
  return false;
}

bool ValuesEqual(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return true;
    case Value::Kind::kString:
      return a.as_string() == b.as_string();
    case Value::Kind::kList: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      // A list never equals a tuple in Python.
      if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
      for (size_t i = 0; i < x.items.size(); ++i) {
        if (!ValuesEqual(x.items[i], y.items[i])) return false;
      }
      return true;
    }
    case Value::Kind::kDict: {
      const auto& x = a.as_dict();
      const auto& y = b.as_dict();
      if (x.entries.size() != y.entries.size()) return false;
      for (const auto& [k, v] : x.entries) {
        const Value* other = y.Find(k);
        if (other == nullptr || !ValuesEqual(v, *other)) return false;
      }
      return true;
    }
    default:
      return a.identity() == b.identity();
  }
}

std::optional<bool> ValueLess(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return a.as_int() < b.as_int();
    return a.as_double() < b.as_double();
  }
  // UTF-8 byte order is code point order, which is how Python orders str.
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.is_list() && b.is_list() && a.as_list().is_tuple == b.as_list().is_tuple) {
    const auto& x = a.as_list().items;
    const auto& y = b.as_list().items;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (ValuesEqual(x[i], y[i])) continue;
      return ValueLess(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  return std::nullopt;
}

std::string TypeName(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return "Undefined";
    case Value::Kind::kNone:
      return "NoneType";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kFloat:
      return "float";
    case Value::Kind::kString:
      return "str";
    case Value::Kind::kList:
      return value.as_list().is_tuple ? "tuple" : "list";
    case Value::Kind::kDict:
      return "dict";
    case Value::Kind::kNamespace:
      return "Namespace";
    case Value::Kind::kCallable:
      return "function";
  }
  return "object";
}

}  // namespace edgereason::jinja
