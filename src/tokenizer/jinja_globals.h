// The functions every chat template can call: Jinja's range, namespace and
// dict, plus the helpers the reference renderer adds for chat templates:
// raise_exception(message), which aborts rendering with the template's
// message, and strftime_now(format), the local time formatted by strftime.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tokenizer/jinja_value.h"

namespace edgereason::jinja {

// Ranges longer than this are refused, as the reference's sandbox does.
inline constexpr int64_t kMaxRangeLength = 100000;

std::vector<std::pair<std::string, Value>> BuiltinGlobals();

}  // namespace edgereason::jinja
