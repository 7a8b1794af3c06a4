#include "reasoning/voting.h"

#include <algorithm>
#include <map>

#include "verify/answer_checker.h"

namespace edgereason {
namespace {

// Margin for float sums: a vote counts as decided only by more than this.
constexpr double kDecidedMargin = 1e-9;

struct ClassTotal {
  double total = 0;
  int first_stream = 0;
};

// Per-class totals, summed in stream order so the sums do not depend on the
// order ballots arrived in.
std::map<int, ClassTotal> Totals(std::span<const Ballot> ballots, VoteRule rule) {
  std::vector<Ballot> sorted(ballots.begin(), ballots.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const Ballot& a, const Ballot& b) { return a.stream < b.stream; });
  std::map<int, ClassTotal> totals;
  for (const Ballot& b : sorted) {
    if (b.answer_class < 0) continue;
    auto [it, inserted] = totals.try_emplace(b.answer_class, ClassTotal{0, b.stream});
    it->second.total += rule == VoteRule::kMajority ? 1.0 : b.weight;
  }
  return totals;
}

// a beats b: larger total, then the lower first stream.
bool Beats(double a_total, int a_stream, double b_total, int b_stream) {
  if (a_total != b_total) return a_total > b_total;
  return a_stream < b_stream;
}

}  // namespace

Result<VoteRule> ParseVoteRule(const std::string& name) {
  if (name == "weighted") return VoteRule::kWeighted;
  if (name == "majority") return VoteRule::kMajority;
  if (name == "best") return VoteRule::kBest;
  return InvalidArgument("vote rule must be weighted, majority or best, got '" + name + "'");
}

const char* VoteRuleName(VoteRule rule) {
  switch (rule) {
    case VoteRule::kWeighted: return "weighted";
    case VoteRule::kMajority: return "majority";
    case VoteRule::kBest: return "best";
  }
  return "?";
}

VoteOutcome Tally(std::span<const Ballot> ballots, VoteRule rule) {
  VoteOutcome outcome;
  if (rule == VoteRule::kBest) {
    for (const Ballot& b : ballots) {
      if (b.answer_class < 0) continue;
      if (outcome.winner_stream < 0 ||
          Beats(b.weight, b.stream, outcome.winner_total, outcome.winner_stream)) {
        outcome = {b.answer_class, b.stream, b.weight};
      }
    }
    return outcome;
  }
  for (const auto& [cls, t] : Totals(ballots, rule)) {
    if (outcome.winner_class < 0 ||
        Beats(t.total, t.first_stream, outcome.winner_total, outcome.winner_stream)) {
      outcome = {cls, t.first_stream, t.total};
    }
  }
  return outcome;
}

bool VoteIsDecided(std::span<const Ballot> ballots, int remaining, VoteRule rule,
                   double max_weight) {
  if (remaining <= 0) return true;
  const VoteOutcome lead = Tally(ballots, rule);
  if (lead.winner_class < 0) return false;
  if (rule == VoteRule::kBest) {
    // Any remaining stream could score up to max_weight and take the lead.
    return lead.winner_total > max_weight + kDecidedMargin;
  }
  const double reach = remaining * (rule == VoteRule::kMajority ? 1.0 : max_weight);
  // A new class made only of remaining streams, or any current rival gaining
  // every remaining stream, must still fall strictly short.
  if (lead.winner_total <= reach + kDecidedMargin) return false;
  for (const auto& [cls, t] : Totals(ballots, rule)) {
    if (cls != lead.winner_class && lead.winner_total <= t.total + reach + kDecidedMargin) {
      return false;
    }
  }
  return true;
}

bool VoteHasConsensus(std::span<const Ballot> ballots, int remaining, VoteRule rule, int margin,
                      double max_weight) {
  if (VoteIsDecided(ballots, remaining, rule, max_weight)) return true;
  if (margin <= 0) return false;
  const VoteOutcome lead = Tally(ballots, rule);
  if (lead.winner_class < 0) return false;
  const std::map<int, ClassTotal> counts = Totals(ballots, VoteRule::kMajority);
  const double lead_count = counts.at(lead.winner_class).total;
  double runner_up = 0;
  for (const auto& [cls, t] : counts) {
    if (cls != lead.winner_class) runner_up = std::max(runner_up, t.total);
  }
  return lead_count >= runner_up + margin;
}

int AnswerClasses::Classify(const std::string& answer) {
  if (answer.find_first_not_of(" \t\r\n") == std::string::npos) return -1;
  for (size_t i = 0; i < representatives_.size(); ++i) {
    if (representatives_[i] == answer) return static_cast<int>(i);
  }
  for (size_t i = 0; i < representatives_.size(); ++i) {
    if (CheckAnswer(representatives_[i], answer).match) return static_cast<int>(i);
  }
  representatives_.push_back(answer);
  return static_cast<int>(representatives_.size() - 1);
}

}  // namespace edgereason
