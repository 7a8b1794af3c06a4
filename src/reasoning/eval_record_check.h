// Checks that a results record (eval_item.h) has every field the summary
// reads, with the right types. Records eval writes always do; results files
// a report reads may be older, hand-edited or from elsewhere, and a missing
// field must give an error naming it rather than undefined behaviour.
#pragma once

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace edgereason {

// OK, or InvalidArgument naming the first bad field ("field
// 'reason.streams[1].tokens' is missing or not a number"). A record with an
// "error" only needs its index: it counts as a wrong answer.
Status CheckEvalRecord(const nlohmann::json& record);

}  // namespace edgereason
