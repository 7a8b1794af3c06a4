// Vote rules on a hand-computed example, answer classes by equivalence, and
// the consensus early stop: a vote it calls decided never changes, over many
// seeded random vote sequences.
#include "reasoning/voting.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <random>

namespace edgereason {
namespace {

TEST(VotingTest, EachRulePicksWhatTheHandComputedExampleSays) {
  // Classes A=0, B=1, C=2.
  //   weighted: A 0.9+0.5 = 1.4, B 0.2+0.3+0.1 = 0.6, C 0.95  -> A
  //   majority: A 2, B 3, C 1                                  -> B
  //   best:     stream 4 scores 0.95                           -> C
  const std::vector<Ballot> ballots = {{0, 0, 0.9}, {1, 1, 0.2}, {2, 1, 0.3},
                                       {3, 1, 0.1}, {4, 2, 0.95}, {5, 0, 0.5}};
  EXPECT_EQ(Tally(ballots, VoteRule::kWeighted).winner_class, 0);
  EXPECT_NEAR(Tally(ballots, VoteRule::kWeighted).winner_total, 1.4, 1e-12);
  EXPECT_EQ(Tally(ballots, VoteRule::kMajority).winner_class, 1);
  EXPECT_EQ(Tally(ballots, VoteRule::kMajority).winner_total, 3);
  EXPECT_EQ(Tally(ballots, VoteRule::kBest).winner_class, 2);
  EXPECT_EQ(Tally(ballots, VoteRule::kBest).winner_stream, 4);
  // Order of arrival does not matter; streams without an answer do not vote.
  std::vector<Ballot> shuffled = {{5, 0, 0.5}, {3, 1, 0.1}, {7, -1, 1.0}, {0, 0, 0.9},
                                  {4, 2, 0.95}, {2, 1, 0.3}, {1, 1, 0.2}};
  for (VoteRule rule : {VoteRule::kWeighted, VoteRule::kMajority, VoteRule::kBest}) {
    EXPECT_EQ(Tally(shuffled, rule).winner_class, Tally(ballots, rule).winner_class);
  }
  // Ties go to the class holding the lowest stream index.
  const std::vector<Ballot> tie = {{3, 1, 0.5}, {1, 0, 0.5}, {2, 1, 0.5}, {0, 0, 0.5}};
  EXPECT_EQ(Tally(tie, VoteRule::kMajority).winner_class, 0);
  EXPECT_EQ(Tally(tie, VoteRule::kWeighted).winner_class, 0);
  EXPECT_EQ(Tally(tie, VoteRule::kBest).winner_stream, 0);
  EXPECT_EQ(Tally(std::vector<Ballot>{{0, -1, 1.0}}, VoteRule::kWeighted).winner_class, -1);
}

TEST(VotingTest, AnswerClassesGroupEquivalentAnswers) {
  AnswerClasses classes;
  EXPECT_EQ(classes.Classify("1/2"), 0);
  EXPECT_EQ(classes.Classify("0.5"), 0);
  EXPECT_EQ(classes.Classify("\\frac{1}{2}"), 0);
  EXPECT_EQ(classes.Classify("2"), 1);
  EXPECT_EQ(classes.Classify("  "), -1);
  EXPECT_EQ(classes.Classify("\\dfrac12"), 0);
  EXPECT_EQ(classes.Classify("x+1"), 2);
  EXPECT_EQ(classes.Classify("1+x"), 2);
  EXPECT_EQ(classes.size(), 3);
  EXPECT_EQ(classes.Representative(0), "1/2");
}

TEST(VotingTest, DecidedRequiresAStrictLeadOverEveryPossibleOutcome) {
  // Majority, 5 streams: A A finished, 3 remaining -> B could still get 3.
  std::vector<Ballot> b = {{0, 0, 1}, {1, 0, 1}};
  EXPECT_FALSE(VoteIsDecided(b, 3, VoteRule::kMajority));
  b.push_back({2, 0, 1});
  EXPECT_TRUE(VoteIsDecided(b, 2, VoteRule::kMajority));  // 3 > 0 + 2
  // Weighted: 0.9 + 0.8 = 1.7 vs a rival 0.1 with one stream left (≤ 1).
  std::vector<Ballot> w = {{0, 0, 0.9}, {1, 0, 0.8}, {2, 1, 0.1}};
  EXPECT_TRUE(VoteIsDecided(w, 0, VoteRule::kWeighted));
  EXPECT_FALSE(VoteIsDecided(w, 2, VoteRule::kWeighted));
  EXPECT_TRUE(VoteIsDecided(w, 1, VoteRule::kWeighted, 0.5));
  EXPECT_TRUE(VoteIsDecided(w, 1, VoteRule::kWeighted, 1.0));  // 1.7 > 0.1 + 1 and > 1
  // Best-of-N can only be decided when nothing remains.
  EXPECT_FALSE(VoteIsDecided(w, 1, VoteRule::kBest));
  EXPECT_TRUE(VoteIsDecided(w, 0, VoteRule::kBest));
  EXPECT_FALSE(VoteIsDecided({}, 1, VoteRule::kMajority));
}

// The property: whenever VoteIsDecided says so after k of N ballots, the vote
// over all N has the same winner, whatever the rest turn out to be.
TEST(VotingTest, EarlyStopNeverChangesTheWinnerOverRandomVoteSequences) {
  std::mt19937_64 rng(20260301);
  int decided_early = 0, sequences = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 12);
    const int num_classes = 1 + static_cast<int>(rng() % 4);
    const bool unit_weights = rng() % 3 == 0;
    std::vector<Ballot> all(n);
    for (int i = 0; i < n; ++i) {
      all[i].stream = i;
      all[i].answer_class = rng() % 7 == 0 ? -1 : static_cast<int>(rng() % num_classes);
      // Weights in [0, 1]; some exactly 0 or 1, and some equal, to hit ties.
      const int kind = static_cast<int>(rng() % 5);
      all[i].weight = unit_weights || kind == 0 ? 1.0
                      : kind == 1               ? 0.0
                      : kind == 2               ? 0.5
                                                : std::uniform_real_distribution<>(0, 1)(rng);
    }
    std::vector<Ballot> order = all;  // finishing order
    std::shuffle(order.begin(), order.end(), rng);
    for (VoteRule rule : {VoteRule::kWeighted, VoteRule::kMajority, VoteRule::kBest}) {
      ++sequences;
      const int full = Tally(all, rule).winner_class;
      for (int k = 0; k <= n; ++k) {
        std::vector<Ballot> prefix(order.begin(), order.begin() + k);
        if (!VoteIsDecided(prefix, n - k, rule)) continue;
        ASSERT_EQ(Tally(prefix, rule).winner_class, full)
            << "trial " << trial << " rule " << VoteRuleName(rule) << " k " << k;
        decided_early += k < n;
        break;
      }
    }
  }
  // The test means something only if early decisions happen often.
  EXPECT_GT(decided_early, sequences / 10);
  std::cout << "[ figures  ] " << sequences << " vote sequences, " << decided_early
            << " decided before their last ballot, winner unchanged in all\n";
}

// Consensus: the rule's winner leads every other answer by the margin in
// plain counts; streams without an answer count for none; margin 0 is the
// exact rule alone.
TEST(VotingTest, ConsensusNeedsTheLeaderAheadByTheMargin) {
  std::vector<Ballot> b = {{0, 0, 1}, {1, 0, 1}};
  EXPECT_FALSE(VoteHasConsensus(b, 6, VoteRule::kMajority, 3));  // 2 unopposed
  b.push_back({2, -1, 1});
  EXPECT_FALSE(VoteHasConsensus(b, 5, VoteRule::kMajority, 3));  // no answer: still 2
  b.push_back({3, 0, 1});
  EXPECT_TRUE(VoteHasConsensus(b, 4, VoteRule::kMajority, 3));   // 3 unopposed
  EXPECT_FALSE(VoteHasConsensus(b, 4, VoteRule::kMajority, 0));  // exact rule: 4 could tie
  EXPECT_FALSE(VoteIsDecided(b, 4, VoteRule::kMajority));
  b.push_back({4, 1, 1});
  EXPECT_FALSE(VoteHasConsensus(b, 3, VoteRule::kMajority, 3));  // 3 vs 1
  b.push_back({5, 0, 1});
  EXPECT_TRUE(VoteHasConsensus(b, 2, VoteRule::kMajority, 3));   // 4 vs 1
  // Weighted: the counts' leader must also be the weighted winner.
  std::vector<Ballot> w = {{0, 0, 0.1}, {1, 0, 0.1}, {2, 0, 0.1}, {3, 1, 0.9}};
  EXPECT_FALSE(VoteHasConsensus(w, 4, VoteRule::kWeighted, 2));  // 0.3 < 0.9
  w.push_back({4, 0, 0.4});
  EXPECT_FALSE(VoteHasConsensus(w, 3, VoteRule::kWeighted, 2));  // 4 vs 1, but 0.7 < 0.9
  w.push_back({5, 0, 0.5});
  EXPECT_TRUE(VoteHasConsensus(w, 2, VoteRule::kWeighted, 2));   // 5 vs 1 and 1.2 > 0.9
}

TEST(VotingTest, ParsesRuleNames) {
  EXPECT_EQ(*ParseVoteRule("weighted"), VoteRule::kWeighted);
  EXPECT_EQ(*ParseVoteRule("majority"), VoteRule::kMajority);
  EXPECT_EQ(*ParseVoteRule("best"), VoteRule::kBest);
  EXPECT_FALSE(ParseVoteRule("plurality").ok());
}

}  // namespace
}  // namespace edgereason
