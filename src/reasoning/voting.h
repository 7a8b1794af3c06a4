// Combining the answers of parallel streams: equivalence classes of answers
// (decided by the answer checker, not string equality), three vote rules, and
// the consensus test that lets the remaining streams stop early.
//
// Ties are broken by the lowest stream index, never by finishing order, so a
// vote over the same ballots gives the same winner whatever order they came in.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason {

enum class VoteRule {
  kWeighted,  // the class with the largest sum of verifier scores
  kMajority,  // the class with the most streams
  kBest,      // the answer of the stream with the highest verifier score (best-of-N)
};

Result<VoteRule> ParseVoteRule(const std::string& name);  // "weighted", "majority", "best"
const char* VoteRuleName(VoteRule rule);

// One finished stream's vote. answer_class -1: it gave no usable answer and
// does not vote. weight: its verifier score in [0, 1] (1 without a verifier).
struct Ballot {
  int stream = 0;
  int answer_class = -1;
  double weight = 1.0;
};

struct VoteOutcome {
  int winner_class = -1;   // -1 when no ballot has an answer
  int winner_stream = -1;  // the lowest-index stream of the winning class (kBest: the best stream)
  double winner_total = 0;
};

VoteOutcome Tally(std::span<const Ballot> ballots, VoteRule rule);

// True when no outcome of `remaining` further ballots, each of weight at most
// `max_weight` and any class (old or new), can change Tally's winner class.
bool VoteIsDecided(std::span<const Ballot> ballots, int remaining, VoteRule rule,
                   double max_weight = 1.0);

// The early-stop test of parallel streams: VoteIsDecided, or, with margin
// M > 0, consensus — the rule's current winner also leads every other answer
// by at least M streams (plain counts; streams without an answer count for
// none). Consensus may stop before the vote is mathematically decided: it
// trades a small chance of a different answer for the tokens the slowest
// streams would spend (with 8 streams, M = 3 stops as soon as three agree
// unopposed). max_weight as in VoteIsDecided.
bool VoteHasConsensus(std::span<const Ballot> ballots, int remaining, VoteRule rule, int margin,
                      double max_weight = 1.0);

// Groups answers into classes of mathematically equivalent answers. An answer
// joins the first class whose representative (first member) it matches.
// Not thread-safe; one per question.
class AnswerClasses {
 public:
  // The class of `answer` (an extracted final answer); -1 for an empty one.
  int Classify(const std::string& answer);
  const std::string& Representative(int answer_class) const { return representatives_[answer_class]; }
  int size() const { return static_cast<int>(representatives_.size()); }

 private:
  std::vector<std::string> representatives_;
};

}  // namespace edgereason
