// Jinja's tests (`value is name(args)`): defined, none, string, number,
// mapping, sequence, divisibleby, sameas, in, comparison aliases, ...
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "tokenizer/jinja_value.h"

namespace edgereason::jinja {

// Applies the test `name`; an unknown name is an error naming it.
Result<bool> ApplyTest(const std::string& name, const Value& subject, const CallArgs& args);
bool HasTest(std::string_view name);

}  // namespace edgereason::jinja
