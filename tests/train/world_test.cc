// The synthetic world: Python's parser (world_reference.py) confirms every
// answer, step and restated expression and the 1..99 range of every value;
// the splits never share a problem; a seed always writes the same bytes; bad
// options are clear errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "base/file.h"
#include "test_util.h"
#include "train/world.h"

namespace edgereason::train {
namespace {

std::string Write(const std::string& dir, const std::string& name, WorldOptions o) {
  o.out = dir + "/" + name;
  const Status st = WriteWorld(o);
  EXPECT_TRUE(st.ok()) << st.message();
  return o.out;
}

std::vector<nlohmann::json> Rows(const std::string& path) {
  auto text = ReadFile(path);
  EXPECT_TRUE(text.ok());
  std::vector<nlohmann::json> rows;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

double CountMatches(const std::string& text, const std::regex& pattern) {
  return static_cast<double>(std::distance(std::sregex_iterator(text.begin(), text.end(), pattern), std::sregex_iterator()));
}

// world_reference.py on three files: "ok N" with N rows, else the first fault.
test::CommandResult RunReference(const std::string& problems, const std::string& traces, const std::string& direct) {
  return test::RunCommand("/usr/bin/python3 " + test::SourcePath("tests/train/world_reference.py") + " " + problems +
                              " " + traces + " " + direct,
                          true);
}

TEST(TrainWorld, PythonAgreesWithEveryAnswerStepAndRange) {
  const std::string dir = test::MakeTempDir("world");
  WorldOptions o;
  o.seed = 21;
  o.count = 150;
  const std::string problems = Write(dir, "problems.jsonl", o);
  o.format = "traces";
  o.split = "train";
  const std::string traces = Write(dir, "traces.jsonl", o);
  o.format = "direct";
  const std::string direct = Write(dir, "direct.jsonl", o);
  const auto r = RunReference(problems, traces, direct);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "ok " + std::to_string(3 * 7 * 150) + "\n");
}

TEST(TrainWorld, PythonAgreesWithEveryColumnOfWorkedSteps) {
  const std::string dir = test::MakeTempDir("world");
  WorldOptions o;
  o.seed = 22;
  o.count = 150;
  o.difficulties = {1, 2, 3, 4, 5, 6};
  const std::string problems = Write(dir, "problems.jsonl", o);
  o.format = "traces";
  o.split = "train";
  o.column_work = true;
  const std::string traces = Write(dir, "traces.jsonl", o);
  const std::regex worked_step(R"(Step \d+: \d+ \S+ \d+: )");
  int worked = 0;
  for (const auto& row : Rows(traces)) worked += std::regex_search(row["response"].get<std::string>(), worked_step);
  EXPECT_GT(worked, 6 * 150 / 2);  // most traces have a step with a two-digit operand
  o.format = "direct";
  const std::string direct = Write(dir, "direct.jsonl", o);
  const auto r = RunReference(problems, traces, direct);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "ok " + std::to_string(3 * 6 * 150) + "\n");
  // Without the option no step carries column working.
  o.format = "traces";
  o.column_work = false;
  for (const auto& row : Rows(Write(dir, "plain.jsonl", o))) {
    EXPECT_FALSE(std::regex_search(row["response"].get<std::string>(), worked_step));
  }
}

TEST(TrainWorld, CountsPerDifficultyAndWeights) {
  const std::string dir = test::MakeTempDir("world");
  WorldOptions o;
  o.count = 40;
  o.difficulties = {0, 3, 6};
  o.weights = {2, 1, 0.5};
  std::map<int, int> per;
  std::set<std::string> tasks;
  for (const auto& row : Rows(Write(dir, "w.jsonl", o))) {
    ++per[row["difficulty"].get<int>()];
    tasks.insert(row["task"].get<std::string>());
  }
  EXPECT_EQ(per, (std::map<int, int>{{0, 80}, {3, 40}, {6, 20}}));
  EXPECT_EQ(tasks, (std::set<std::string>{"arithmetic", "copy", "echo", "reverse", "weekday"}));
}

TEST(TrainWorld, SplitsNeverShareAProblemWhateverTheSeeds) {
  const std::string dir = test::MakeTempDir("world");
  WorldOptions o;
  o.count = 300;
  std::set<std::string> test_problems;
  for (uint64_t seed : {1, 2}) {
    o.seed = seed;
    for (const auto& row : Rows(Write(dir, "test.jsonl", o))) {
      const std::string p = row["problem"];
      EXPECT_TRUE(InTestSplit(p)) << p;
      test_problems.insert(p);
    }
  }
  o.split = "train";
  o.format = "direct";
  for (uint64_t seed : {1, 3}) {
    o.seed = seed;
    for (const auto& row : Rows(Write(dir, "train.jsonl", o))) {
      EXPECT_FALSE(test_problems.contains(row["prompt"].get<std::string>())) << row["prompt"];
    }
  }
  // Arithmetic problems are not repeated within a file.
  o.split = "test";
  o.format = "problems";
  o.difficulties = {2, 3, 4, 5, 6};
  std::set<std::string> seen;
  for (const auto& row : Rows(Write(dir, "unique.jsonl", o))) {
    EXPECT_TRUE(seen.insert(row["problem"].get<std::string>()).second) << row["problem"];
  }
}

// Redrawing repeats keeps every chat task's share: the weekday task has only
// a few hundred distinct problems, so in a large file it must repeat rather
// than give way to the other tasks.
TEST(TrainWorld, EveryChatTaskKeepsItsShareInLargeFiles) {
  const std::string dir = test::MakeTempDir("world");
  WorldOptions o;
  o.count = 2000;
  o.split = "train";
  o.format = "problems";
  o.difficulties = {0};
  std::map<std::string, int> per_task;
  for (const auto& row : Rows(Write(dir, "chat.jsonl", o))) ++per_task[row["task"].get<std::string>()];
  ASSERT_EQ(per_task.size(), 4u);
  for (const auto& [task, n] : per_task) {
    EXPECT_GT(n, 2000 / 4 * 0.8) << task;
    EXPECT_LT(n, 2000 / 4 * 1.2) << task;
  }
}

// The split holds out phrasings, not facts: every weekday fact a test question
// asks (its trace's first line names the day, the count and the direction) is
// stated by some training question, so the base can know it.
TEST(TrainWorld, EveryWeekdayFactAskedInTestIsStatedInTraining) {
  auto facts = [](WorldSplit split, uint64_t seed) {
    WorldGenerator g(seed);
    std::set<std::string> seen;
    for (int i = 0; i < 3000; ++i) {
      const WorldProblem p = g.Next(0, split, 2);
      seen.insert(p.trace.substr(0, p.trace.find('\n')));
    }
    return seen;
  };
  const std::set<std::string> train = facts(WorldSplit::kTrain, 101), test = facts(WorldSplit::kTest, 7);
  EXPECT_EQ(train.size(), 7u * 3u * 2u);
  for (const std::string& fact : test) EXPECT_TRUE(train.contains(fact)) << fact;
}

TEST(TrainWorld, ASeedAlwaysWritesTheSameBytes) {
  const std::string dir = test::MakeTempDir("world");
  WorldOptions o;
  o.count = 50;
  o.format = "traces";
  o.seed = 5;
  const auto a = ReadFile(Write(dir, "a.jsonl", o));
  const auto b = ReadFile(Write(dir, "b.jsonl", o));
  o.seed = 6;
  const auto c = ReadFile(Write(dir, "c.jsonl", o));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
}

TEST(TrainWorld, TracesVaryInLengthForBudgetForcingToRemove) {
  // The same kind of problem gets terse and verbose traces: the shortest
  // k = 4 trace is well under half the longest.
  const std::string dir = test::MakeTempDir("world");
  WorldOptions o;
  o.count = 200;
  o.difficulties = {4};
  o.format = "traces";
  size_t shortest = SIZE_MAX, longest = 0;
  for (const auto& row : Rows(Write(dir, "t.jsonl", o))) {
    const size_t n = row["response"].get<std::string>().size();
    shortest = std::min(shortest, n);
    longest = std::max(longest, n);
  }
  EXPECT_LT(2 * shortest, longest);
}

TEST(TrainWorld, RedundancyScalesOnlyTheRemovableLines) {
  // At 0 no trace has a redundant line, at 3 a step is verified three times
  // as often as at 1, and at 2 the traces are longer while Python still
  // confirms every step, restated expression, recomputation and answer.
  const std::string dir = test::MakeTempDir("world");
  WorldOptions o;
  o.seed = 23;
  o.count = 60;
  o.split = "train";
  o.format = "traces";
  o.column_work = true;
  auto mean_length = [](const std::vector<nlohmann::json>& rows) {
    double total = 0;
    for (const auto& row : rows) total += static_cast<double>(row["response"].get<std::string>().size());
    return total / static_cast<double>(rows.size());
  };
  const double plain_length = mean_length(Rows(Write(dir, "r1.jsonl", o)));
  o.redundancy = 0;
  for (const auto& row : Rows(Write(dir, "r0.jsonl", o))) {
    const std::string response = row["response"].get<std::string>();
    for (const char* redundant : {"Let me", "Wait,", "So the expression is now", "I will do", "Everything checks",
                                  "The days in order", ", correct."}) {
      EXPECT_EQ(response.find(redundant), std::string::npos) << redundant << " in " << response;
    }
  }
  // Verifications per step: about the redundancy times their count at 1 (no
  // cap to saturate), each repeat worded as one and right after the first.
  auto verifications_per_step = [](const std::vector<nlohmann::json>& rows) {
    const std::regex step(R"(\nStep \d+: )"), verify(R"(\nLet me verify( once more)?: )");
    const std::regex stray(R"(\nStep \d+: [^\n]*\n(Wait[^\n]*\n)?Let me verify once more)");
    double steps = 0, verifications = 0;
    for (const auto& row : rows) {
      const std::string response = row["response"].get<std::string>();
      steps += CountMatches(response, step);
      verifications += CountMatches(response, verify);
      EXPECT_FALSE(std::regex_search(response, stray)) << response;
    }
    return verifications / steps;
  };
  o.count = 200;
  o.difficulties = {4};
  o.redundancy = 1;
  const double at_one = verifications_per_step(Rows(Write(dir, "v1.jsonl", o)));
  o.redundancy = 3;
  const double at_three = verifications_per_step(Rows(Write(dir, "v3.jsonl", o)));
  EXPECT_GT(at_one, 0.5);
  EXPECT_NEAR(at_three / at_one, 3.0, 0.3);
  o.count = 60;
  o.difficulties = {0, 1, 2, 3, 4, 5, 6};
  o.redundancy = 2;
  o.split = "test";
  o.format = "problems";
  const std::string problems = Write(dir, "problems.jsonl", o);
  o.format = "traces";
  o.split = "train";
  const std::string traces = Write(dir, "r2.jsonl", o);
  EXPECT_GT(mean_length(Rows(traces)), 1.2 * plain_length);
  o.format = "direct";
  const auto r = RunReference(problems, traces, Write(dir, "direct.jsonl", o));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "ok " + std::to_string(3 * 7 * 60) + "\n");
}

TEST(TrainWorld, CappedRedundancyWritesEachLineAtMostOnce) {
  // Capped at 2, a step's verification is written with probability
  // min(1, 2 * verbosity): never twice, never reworded, and more often than at
  // 1 (verbosity 0.2 + 0.8 sqrt(u): E[v] = 0.73, E[min(1, 2v)] = 0.97).
  const std::string dir = test::MakeTempDir("world");
  WorldOptions o;
  o.seed = 29;
  o.count = 200;
  o.difficulties = {4};
  o.split = "train";
  o.format = "traces";
  o.column_work = true;
  o.redundancy_capped = true;
  auto verified_share = [](const std::vector<nlohmann::json>& rows) {
    const std::regex step(R"(\nStep \d+: )"), verified(R"(\nStep \d+: [^\n]*\nLet me verify: )");
    double steps = 0, checked = 0;
    for (const auto& row : rows) {
      const std::string response = row["response"].get<std::string>();
      steps += CountMatches(response, step);
      checked += CountMatches(response, verified);
      for (const char* repeat : {"once more", "In other words", "Let me write it again"}) {
        EXPECT_EQ(response.find(repeat), std::string::npos) << repeat << " in " << response;
      }
    }
    return checked / steps;
  };
  const double at_one = verified_share(Rows(Write(dir, "c1.jsonl", o)));
  o.redundancy = 2;
  const double at_two = verified_share(Rows(Write(dir, "c2.jsonl", o)));
  EXPECT_NEAR(at_one, 0.73, 0.05);
  EXPECT_NEAR(at_two, 0.97, 0.02);
}

TEST(TrainWorld, BadOptionsAreClearErrors) {
  const std::string dir = test::MakeTempDir("world");
  WorldOptions o;
  o.out = dir + "/x.jsonl";
  o.split = "dev";
  EXPECT_NE(WriteWorld(o).message().find("--split must be train or test, not 'dev'"), std::string::npos);
  o.split = "train";
  o.format = "csv";
  EXPECT_NE(WriteWorld(o).message().find("--format"), std::string::npos);
  o.format = "problems";
  o.weights = {1, 2};
  EXPECT_NE(WriteWorld(o).message().find("one value per difficulty (7), got 2"), std::string::npos);
  o.weights.clear();
  o.difficulties = {7};
  EXPECT_NE(WriteWorld(o).message().find("difficulty 7 is not in 0..6"), std::string::npos);
  o.difficulties = {1};
  o.redundancy = -1;
  EXPECT_NE(WriteWorld(o).message().find("--redundancy must be in 0..4, not -1"), std::string::npos);
  auto r = test::RunCommand(std::string(EDGEREASON_TRAIN_PATH) + " world --out " + dir +
                                "/y.jsonl --format nope 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--format must be problems, direct, traces or text"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace edgereason::train
