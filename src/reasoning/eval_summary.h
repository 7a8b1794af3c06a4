// Figures of an evaluation, computed from its per-item records (eval_item.h):
// accuracy, generated tokens, latency, route fractions, accuracy under each
// cap, accuracy vs N for each vote rule (mean ± std over random draws of N
// streams from each item's pool, like the paper's Table 9), the switcher
// threshold sweep, and the tokens consensus early stop would have saved.
// Items that failed (an "error" field) count as wrong. The same figures are
// repeated per difficulty ("by_difficulty"), since the paper reports most of
// them per MATH level.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reasoning/voting.h"

namespace edgereason {

struct SummaryOptions {
  VoteRule rule = VoteRule::kWeighted;  // the configured vote (for early stop)
  int early_stop_margin = 0;            // the configured consensus margin (VoteHasConsensus)
  int wave = 0;                         // the configured stream wave (0: all streams at once)
  int draws = 32;                       // random draws per N for the vote curves
  uint64_t seed = 0;
  int sweep_points = 21;                // thresholds 0, 1/20, ..., 1
};

// The summary of `records`, with "by_difficulty": {"<d>": the summary of the
// records of difficulty d alone} in DifficultyLess order (records without a
// difficulty appear only in the overall figures).
nlohmann::ordered_json Summarize(const std::vector<nlohmann::json>& records,
                                 const SummaryOptions& options);

// A record's difficulty as text ("" when it has none); numbers are accepted
// too, since hand-made datasets write levels as 3 rather than "3".
std::string DifficultyOf(const nlohmann::json& record);

// Orders difficulties as a reader expects: numerically when both are numbers
// ("2" < "10"), else text with embedded numbers compared by value
// ("Level 2" < "Level 10").
bool DifficultyLess(const std::string& a, const std::string& b);

// The summary as a markdown report (tables).
std::string SummaryMarkdown(const nlohmann::ordered_json& summary);

// Tokens a consensus early stop (VoteHasConsensus with `margin`) saves on one
// item's pool of streams (each stream's ballot and token count, in stream
// order), and whether the answer stayed the same (always, with margin 0).
// Streams start `wave` at a time in stream order (0: all at once); within a
// wave they finish in order of their lengths, together when equal, as in one
// batch, and a stop saves the rest of the wave and every later wave.
struct EarlyStopReplay {
  int64_t tokens_total = 0;
  int64_t tokens_saved = 0;
  bool same_answer = true;
  int early_class = -1;  // the vote's winner class where it stopped (the full vote's if never)
  int full_class = -1;   // the winner class over every stream
};
EarlyStopReplay ReplayEarlyStop(const std::vector<Ballot>& ballots,
                                const std::vector<int64_t>& tokens, VoteRule rule, int margin,
                                int wave = 0);

}  // namespace edgereason
