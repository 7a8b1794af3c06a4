// One evaluation item through both routes from a single prompt prefill: the
// chat answer, N reasoning streams at the budget cap (no early stop: they are
// the pool every vote and curve is drawn from), and capped copies of each
// stream at every smaller cap. The record is a JSON object (one line of
// results.jsonl; fields in docs/bundle.md, "eval results").
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "reasoning/eval_dataset.h"
#include "reasoning/reasoner.h"

namespace edgereason {

struct EvalOptions {
  std::vector<int64_t> caps;  // token caps to grade at; the config's budget is always one
  bool run_chat = true;       // grade the chat route too (needed for the threshold sweep)
  bool run_reason = true;
};

// The caps graded: `options.caps` and the budget cap, sorted, unique.
std::vector<int64_t> GradedCaps(const EvalOptions& options, const BudgetConfig& budget);

// Runs the item and grades it. A failure of the item itself (say, a prompt
// longer than the context) is recorded in the record's "error" field, so an
// evaluation goes on; only internal errors are returned.
nlohmann::json RunEvalItem(Reasoner& reasoner, const EvalItem& item, const EvalOptions& options);

}  // namespace edgereason
