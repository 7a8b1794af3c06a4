// Methods templates call on values (`s.strip()`, `d.items()`, ...), as the
// immutable sandbox allows them: read-only str, dict and list methods.
#pragma once

#include <optional>
#include <string>

#include "base/status.h"
#include "tokenizer/jinja_value.h"

namespace edgereason::jinja {

// The method `name` of `object` bound to it as a callable; nullopt when the
// object has no such method; an error for methods the sandbox refuses
// (those that would modify a list or dict).
Result<std::optional<Value>> BoundMethod(const Value& object, const std::string& name);

}  // namespace edgereason::jinja
