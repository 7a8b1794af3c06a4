// Python operator semantics on template values: arithmetic, comparison,
// membership, iteration, and the attribute/item lookup rules of Jinja
// (attribute access tries a method first and then a key; item access tries a
// key first and then a method; a miss yields Undefined rather than an error).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tokenizer/jinja_value.h"

namespace edgereason::jinja {

// No string or list a template builds may exceed this; it keeps `'x' * 10**12`
// from exhausting memory.
inline constexpr size_t kMaxValueBytes = size_t{64} << 20;

// The error Jinja raises when an Undefined is used for more than printing.
Status UndefinedError(const Value& undefined);

// + - * / // % ** and ~ (string concatenation).
Result<Value> ApplyBinary(std::string_view op, const Value& left, const Value& right);
// Unary - and +.
Result<Value> ApplyUnary(std::string_view op, const Value& operand);
// == != < <= > >= in, "not in".
Result<bool> Compare(std::string_view op, const Value& left, const Value& right);
// Python `item in container`.
Result<bool> Contains(const Value& container, const Value& item);
// What `for x in value` visits: list items, dict keys, string characters;
// Undefined iterates as empty.
Result<std::vector<Value>> Iterate(const Value& value);
// Python len(); Undefined has length 0.
Result<int64_t> Length(const Value& value);

// `obj.name` and `obj[key]` with Jinja's fallbacks.
Result<Value> GetAttribute(const Value& object, const std::string& name);
Result<Value> GetItem(const Value& object, const Value& key);
// `obj[start:stop:step]`; absent bounds are nullopt.
Result<Value> GetSlice(const Value& object, const std::optional<Value>& start,
                       const std::optional<Value>& stop, const std::optional<Value>& step);

}  // namespace edgereason::jinja
