// The synthetic reasoning world the demo bundle is trained and measured on:
// easy chat-style tasks (difficulty 0: copy a number, reverse its digits, the
// day n days after or before a weekday, echo an expression) and multi-step
// integer arithmetic (difficulty k = 1..6: k operations among + - ×, with
// parentheses, every leaf and every intermediate value in 1..99).
//
// Each problem can be written three ways:
//  - a MATH500-style row {"problem", "answer", "difficulty", "task"} for
//    `edgereason eval`, `grpo`, `switcher` and `verifier`;
//  - a direct-answer row {"prompt", "response": "\boxed{...}"} for the base;
//  - a reasoning row {"prompt", "response"}: the budget preamble, a step-by-step
//    trace that restates the problem (optionally working each multi-digit
//    operation column by column before its result) and then, like distilled teacher traces,
//    re-checks finished steps, restates and verifies at random (so there is
//    redundancy for budget forcing to remove), the end of thinking and
//    "Final answer: \boxed{...}";
//  - the same reasoning as raw text {"text"} (no chat turn), for a base model's
//    pretraining corpus: the base learns the language of worked solutions
//    (every token the adapter will write gets a trained embedding) while its
//    chat turns still answer directly.
//
// Determinism and splits: everything is a function of the seed. A problem
// belongs to the test split when a hash of its text falls in one fifth of the
// hash range and to the train split otherwise, so the two splits never share a
// problem whatever seeds generated them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason::train {

struct WorldProblem {
  std::string problem;   // the question as the user asks it
  std::string answer;    // the gold answer (what \boxed{} should hold)
  int difficulty = 0;    // operations; 0 for chat tasks
  std::string task;      // copy | reverse | weekday | echo | arithmetic
  std::string trace;     // the verbose reasoning (without preamble or final answer)
};

enum class WorldSplit { kTrain, kTest };

class WorldGenerator {
 public:
  // `column_work`: steps with a multi-digit operand are worked column by
  // column before their result ("Step 1: 17 + 25: 7 + 5 = 12, 1 + 1 + 2 = 4,
  // 17 + 25 = 42."), and so are their recomputations.
  // `redundancy` scales how often each redundant line of a trace appears
  // (restatements, verifications, recomputations, rewritten expressions, the
  // final double-check), repeats reworded ("Let me verify once more: ..."):
  // at 1 column-worked traces are about 1.9x longer than their essential
  // lines, at 2 about 2.9x (docs/training.md). `redundancy_capped` writes
  // each redundant line at most once instead, with probability
  // min(1, redundancy * p): more of the lines, no repeats, and traces of one
  // problem that differ less in length (at 2, 86% of the lines are written).
  explicit WorldGenerator(uint64_t seed, bool column_work = false, double redundancy = 1.0,
                          bool redundancy_capped = false)
      : state_(seed ^ 0x9e3779b97f4a7c15ULL),
        column_work_(column_work),
        redundancy_(redundancy),
        redundancy_capped_(redundancy_capped) {}

  // One problem of `difficulty` (0..6) from `split`. For difficulty 0,
  // `chat_task` (0 copy, 1 reverse, 2 weekday, 3 echo) picks the task; -1
  // draws one uniformly.
  WorldProblem Next(int difficulty, WorldSplit split, int chat_task = -1);

  // A uniform integer in [lo, hi].
  int Uniform(int lo, int hi);
  double UniformReal();  // [0, 1)
  double Verbosity();

 private:
  WorldProblem Draw(int difficulty, int chat_task);
  WorldProblem Chat(int task);
  WorldProblem Arithmetic(int operations);
  uint64_t NextU64();
  // How many copies of a redundant line with base probability `p` to write.
  int RedundantCount(double p);

  uint64_t state_;
  bool column_work_;
  double redundancy_;
  bool redundancy_capped_;
};

// Whether `problem` belongs to the test split (a hash of its text).
bool InTestSplit(const std::string& problem);

struct WorldOptions {
  uint64_t seed = 0;
  int64_t count = 200;                        // rows per difficulty
  std::vector<int> difficulties = {0, 1, 2, 3, 4, 5, 6};
  std::vector<double> weights;                // per difficulty share (rows = count * weight), default 1
  std::string split = "test";                 // test | train
  std::string format = "problems";            // problems | direct | traces | text
  std::string preamble = "<think>\nThinking budget: {budget} tokens.\n";
  std::vector<int64_t> buckets = {64, 128, 256, 512};  // budget stated in a trace's preamble
  std::string out;
  bool unique = true;                         // no problem twice in one file (when the space allows)
  bool column_work = false;                   // traces/text: work multi-digit steps by columns
  double redundancy = 1.0;                    // traces/text: expected copies of each redundant line, 0..4
  bool redundancy_capped = false;             // traces/text: at most one copy, probability min(1, redundancy * p)
};

// Writes the JSONL file (atomically). Fills `rows` with the number written.
Status WriteWorld(const WorldOptions& options, int64_t* rows = nullptr);

}  // namespace edgereason::train
