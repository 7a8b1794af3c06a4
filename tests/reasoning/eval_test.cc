// Evaluation pieces: dataset rows of every shared format (and bad ones),
// results files that resume after a torn write, summary figures on hand-made
// records, the early-stop replay, and the PNG encoder.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "base/file.h"
#include "reasoning/eval_dataset.h"
#include "reasoning/eval_results_file.h"
#include "reasoning/eval_summary.h"
#include "reasoning/line_plot.h"
#include "reasoning/png_image.h"
#include "test_util.h"

namespace edgereason {
namespace {

TEST(EvalDatasetTest, ReadsEverySharedFormat) {
  struct Case {
    const char* path;
    size_t rows;
    const char* first_gold;
  };
  for (const Case& c : {Case{"data/math500/test.jsonl", 500, "\\left( 3, \\frac{\\pi}{2} \\right)"},
                        Case{"data/gsm8k/test.jsonl", 1319, "18"},
                        Case{"data/aime24/test.jsonl", 30, nullptr},
                        Case{"data/aime25/test.jsonl", 30, "70"},
                        Case{"data/amc23/test.jsonl", 40, "27"}}) {
    SCOPED_TRACE(c.path);
    auto items = LoadEvalDataset(test::SharedPath(c.path));
    ASSERT_TRUE(items.ok()) << items.status().ToString();
    EXPECT_EQ(items->size(), c.rows);
    if (c.first_gold) {
      EXPECT_EQ(items->front().gold, c.first_gold);
    }
    for (const EvalItem& item : *items) {
      EXPECT_FALSE(item.problem.empty());
      EXPECT_FALSE(item.gold.empty());
      EXPECT_FALSE(item.id.empty());
    }
  }
}

TEST(EvalDatasetTest, OwnRowsAndBadRows) {
  auto ok = ParseEvalRow(R"({"problem":"1+1?","answer":"2","difficulty":"easy"})", "f:1");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->difficulty, "easy");
  EXPECT_EQ(ParseEvalRow(R"({"question":"q","answer":0.5})", "f:1")->gold, "0.5");
  EXPECT_EQ(ParseEvalRow(R"({"question":"q","answer":"work #### 1,234"})", "f:1")->gold, "1,234");
  auto expect_error = [](const std::string& row, const std::string& culprit) {
    auto r = ParseEvalRow(row, "data.jsonl:7");
    ASSERT_FALSE(r.ok()) << row;
    EXPECT_NE(r.status().message().find("data.jsonl:7"), std::string::npos);
    EXPECT_NE(r.status().message().find(culprit), std::string::npos) << r.status().message();
  };
  expect_error("{not json", "JSON");
  expect_error("[1,2]", "object");
  expect_error(R"({"answer":"2"})", "problem");
  expect_error(R"({"problem":"  ","answer":"2"})", "problem");
  expect_error(R"({"problem":7,"answer":"2"})", "problem");
  expect_error(R"({"problem":"p"})", "answer");
  expect_error(R"({"problem":"p","answer":""})", "empty");
  expect_error(R"({"problem":"p","answer":"####  "})", "empty");
  expect_error(R"({"problem":"p","answer":[1]})", "answer");
  expect_error(std::string(kMaxEvalRowBytes + 1, ' '), "limit");

  const std::string dir = test::MakeTempDir("er-eval-data");
  ASSERT_TRUE(WriteFileAtomic(dir + "/d.jsonl", "{\"problem\":\"a\",\"answer\":\"1\"}\n\n{bad\n").ok());
  auto items = LoadEvalDataset(dir + "/d.jsonl");
  ASSERT_FALSE(items.ok());
  EXPECT_NE(items.status().message().find("d.jsonl:3"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic(dir + "/empty.jsonl", "\n").ok());
  EXPECT_FALSE(LoadEvalDataset(dir + "/empty.jsonl").ok());
  EXPECT_FALSE(LoadEvalDataset(dir + "/missing.jsonl").ok());
}

TEST(EvalResultsFileTest, ResumesWithoutLosingOrDuplicatingItems) {
  const std::string path = test::MakeTempDir("er-eval-results") + "/results.jsonl";
  {
    auto f = EvalResultsFile::Open(path);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE(f->Append({{"index", 0}, {"correct", true}}).ok());
    ASSERT_TRUE(f->Append({{"index", 1}, {"correct", false}}).ok());
    EXPECT_FALSE(f->Append({{"index", 1}}).ok());  // never twice
  }
  // A kill in the middle of the third write leaves a torn line.
  auto text = *ReadFile(path);
  ASSERT_TRUE(WriteFileAtomic(path, text + "{\"index\":2,\"corr").ok());
  {
    auto f = EvalResultsFile::Open(path);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_EQ(f->records().size(), 2u);
    EXPECT_TRUE(f->IsDone(0));
    EXPECT_TRUE(f->IsDone(1));
    EXPECT_FALSE(f->IsDone(2));
    ASSERT_TRUE(f->Append({{"index", 2}, {"correct", true}}).ok());
  }
  auto f = EvalResultsFile::Open(path);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->records().size(), 3u);
  EXPECT_EQ(f->records()[2]["index"], 2);
  // Damage before the last line is an error, not silently skipped.
  ASSERT_TRUE(WriteFileAtomic(path, "garbage\n{\"index\":0}\n").ok());
  EXPECT_FALSE(EvalResultsFile::Open(path).ok());
  EXPECT_FALSE(ReadEvalResults(path).ok());
}

TEST(EvalResultsFileTest, ReadingLeavesTheFileAsItWas) {
  const std::string path = test::MakeTempDir("er-eval-read") + "/results.jsonl";
  EXPECT_FALSE(ReadEvalResults(path).ok());
  EXPECT_FALSE(FileExists(path));  // not created
  const std::string text = "{\"index\":1}\n{\"index\":0}\n{\"index\":1,\"dup\":1}\n{\"index\":2,\"to";
  ASSERT_TRUE(WriteFileAtomic(path, text).ok());
  auto records = ReadEvalResults(path);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 2u);  // the duplicate and the torn line are left out
  EXPECT_EQ((*records)[0]["index"], 1);
  EXPECT_FALSE((*records)[0].contains("dup"));
  EXPECT_EQ(*ReadFile(path), text);
}

// A record as eval_item.cc writes it, reduced to what the summary reads.
nlohmann::json Record(int index, double p, bool chat_correct, std::vector<int> classes,
                      std::vector<double> scores, std::vector<int64_t> tokens,
                      std::vector<bool> class_correct) {
  nlohmann::json streams = nlohmann::json::array();
  for (size_t i = 0; i < classes.size(); ++i) {
    streams.push_back({{"class", classes[i]}, {"score", scores[i]}, {"tokens", tokens[i]}});
  }
  nlohmann::json cls = nlohmann::json::array();
  for (bool c : class_correct) cls.push_back({{"correct", c}});
  int64_t total = 0;
  for (int64_t t : tokens) total += t;
  std::vector<Ballot> ballots;
  for (size_t i = 0; i < classes.size(); ++i) ballots.push_back({int(i), classes[i], scores[i]});
  const int w = Tally(ballots, VoteRule::kWeighted).winner_class;
  const bool reason_correct = w >= 0 && class_correct[w];
  nlohmann::json reason = {{"streams", streams}, {"classes", cls}, {"tokens", total},
                           {"correct", reason_correct}, {"seconds", 1.0},
                           {"first_token_seconds", 0.2}, {"caps", nlohmann::json::object()}};
  const bool route_reason = p >= 0.5;
  return {{"index", index}, {"switcher_probability", p}, {"prefill_seconds", 0.01},
          {"chat", {{"correct", chat_correct}, {"tokens", 10}, {"seconds", 0.1},
                    {"first_token_seconds", 0.01}}},
          {"reason", reason}, {"route", route_reason ? "reason" : "chat"},
          {"correct", route_reason ? reason_correct : chat_correct},
          {"tokens", route_reason ? total : 10}, {"latency_seconds", route_reason ? 1.0 : 0.1}};
}

TEST(EvalSummaryTest, FiguresOfHandMadeRecords) {
  const std::vector<nlohmann::json> records = {
      // weighted vote picks class 0 (0.9 + 0.8) -> correct; chat wrong.
      Record(0, 0.9, false, {0, 1, 0}, {0.9, 0.95, 0.8}, {100, 50, 80}, {true, false}),
      // weighted vote picks class 1 -> wrong; chat right.
      Record(1, 0.2, true, {0, 1, 1}, {0.3, 0.6, 0.6}, {40, 60, 60}, {true, false}),
      {{"index", 2}, {"error", "the prompt has 9999 tokens but the context holds 4096"}},
  };
  auto s = Summarize(records, {});
  EXPECT_EQ(s["items"], 3);
  EXPECT_EQ(s["errors"], 1);
  // Item 0 reasons (right), item 1 chats (right), item 2 failed.
  EXPECT_NEAR(s["accuracy"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(s["route_fraction"]["reason"].get<double>(), 1.0 / 3, 1e-12);
  EXPECT_NEAR(s["chat"]["accuracy"].get<double>(), 1.0 / 3, 1e-12);
  EXPECT_NEAR(s["reason"]["accuracy"].get<double>(), 1.0 / 3, 1e-12);
  // With N = the whole pool every draw is the full vote: no spread.
  for (const auto& [rule, curve] : s["vote_curves"].items()) {
    EXPECT_EQ(curve.back()["n"], 3);
    EXPECT_NEAR(curve.back()["std"].get<double>(), 0.0, 1e-12) << rule;
  }
  EXPECT_NEAR(s["vote_curves"]["weighted"].back()["mean"].get<double>(), 1.0 / 3, 1e-12);
  // Majority: item 0 class 0 (2 of 3) right, item 1 class 1 wrong.
  EXPECT_NEAR(s["vote_curves"]["majority"].back()["mean"].get<double>(), 1.0 / 3, 1e-12);
  // Best-of-N: item 0 stream 1 (0.95, wrong); item 1 stream 1 (0.6, class 1, wrong).
  EXPECT_NEAR(s["vote_curves"]["best"].back()["mean"].get<double>(), 0.0, 1e-12);
  // Threshold 0 sends both to reasoning, threshold 1 neither.
  const auto& sweep = s["threshold_sweep"];
  EXPECT_NEAR(sweep.front()["fraction_reasoning"].get<double>(), 1.0, 1e-12);
  EXPECT_NEAR(sweep.front()["accuracy"].get<double>(), 1.0 / 3, 1e-12);
  EXPECT_NEAR(sweep.back()["fraction_reasoning"].get<double>(), 0.0, 1e-12);
  EXPECT_NEAR(sweep.back()["accuracy"].get<double>(), 1.0 / 3, 1e-12);
  EXPECT_FALSE(SummaryMarkdown(s).empty());
}

TEST(EvalSummaryTest, ByDifficultyAndTimeToFirstToken) {
  std::vector<nlohmann::json> records = {
      // Reasons, right (weighted class 0), 230 tokens.
      Record(0, 0.9, false, {0, 1, 0}, {0.9, 0.95, 0.8}, {100, 50, 80}, {true, false}),
      // Chats, right, 10 tokens; reasoning would be wrong (class 1: 1.2 > 0.3).
      Record(1, 0.2, true, {0, 1, 1}, {0.3, 0.6, 0.6}, {40, 60, 60}, {true, false}),
      // Reasons, wrong, 50 tokens; chat would be right.
      Record(2, 0.7, true, {0, 0}, {0.5, 0.5}, {20, 30}, {false}),
      // Chats, wrong; no difficulty, and a chat record from before chat
      // recorded its first-token time: the prefill time stands in.
      Record(3, 0.1, false, {0}, {0.5}, {10}, {true}),
      {{"index", 4}, {"difficulty", "Level 2"}, {"error", "prompt too long"}},
  };
  records[0]["difficulty"] = "Level 10";
  records[0]["reason"]["first_token_seconds"] = 0.25;
  records[1]["difficulty"] = "Level 2";
  records[1]["chat"]["first_token_seconds"] = 0.04;
  records[2]["difficulty"] = "Level 2";
  records[2]["reason"]["first_token_seconds"] = 0.5;
  records[3]["chat"].erase("first_token_seconds");
  records[3]["prefill_seconds"] = 0.03;
  auto s = Summarize(records, {});
  // TTFT of the routes taken: 0.25, 0.04, 0.5, 0.03.
  EXPECT_NEAR(s["time_to_first_token_seconds"]["mean"].get<double>(), 0.82 / 4, 1e-12);
  EXPECT_NEAR(s["time_to_first_token_seconds"]["median"].get<double>(), (0.04 + 0.25) / 2, 1e-12);

  const auto& by = s["by_difficulty"];
  ASSERT_EQ(by.size(), 2u);  // item 3 has no difficulty
  EXPECT_EQ(by.begin().key(), "Level 2");  // natural order, not "Level 10" < "Level 2"
  const auto& l2 = by["Level 2"];
  EXPECT_EQ(l2["items"], 3);
  EXPECT_EQ(l2["errors"], 1);
  EXPECT_NEAR(l2["accuracy"].get<double>(), 1.0 / 3, 1e-12);
  EXPECT_NEAR(l2["tokens"]["mean"].get<double>(), 30.0, 1e-12);
  EXPECT_NEAR(l2["chat"]["accuracy"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(l2["reason"]["accuracy"].get<double>(), 0.0, 1e-12);
  EXPECT_NEAR(l2["time_to_first_token_seconds"]["mean"].get<double>(), 0.27, 1e-12);
  EXPECT_FALSE(l2.contains("by_difficulty"));
  const auto& l10 = by["Level 10"];
  EXPECT_EQ(l10["items"], 1);
  EXPECT_NEAR(l10["accuracy"].get<double>(), 1.0, 1e-12);
  EXPECT_NEAR(l10["tokens"]["median"].get<double>(), 230.0, 1e-12);
  EXPECT_NEAR(l10["chat"]["accuracy"].get<double>(), 0.0, 1e-12);
  const std::string md = SummaryMarkdown(s);
  EXPECT_NE(md.find("## By difficulty"), std::string::npos);
  EXPECT_NE(md.find("| Level 2 | 3 | 0.333 | 30.000 / 30.000 | 0.667 | 0.000 |"), std::string::npos) << md;
}

TEST(EvalSummaryTest, DifficultiesSortNumericallyThenNaturally) {
  std::vector<std::string> d = {"easy", "Level 10", "10", "3", "Level 2", "03", "2", "1.5"};
  std::sort(d.begin(), d.end(), DifficultyLess);
  EXPECT_EQ(d, (std::vector<std::string>{"1.5", "2", "03", "3", "10", "Level 2", "Level 10", "easy"}));
  EXPECT_EQ(DifficultyOf({{"difficulty", 3}}), "3");
  EXPECT_EQ(DifficultyOf({{"index", 0}}), "");
}

TEST(EvalSummaryTest, EarlyStopReplayCountsTheTokensItWouldHaveSaved) {
  // Majority over 5 streams finishing at 10, 20, 30, 40, 50 tokens: after
  // three equal answers (at 30) the other two cannot win: saved (40-30)+(50-30).
  std::vector<Ballot> b = {{0, 0, 1}, {1, 0, 1}, {2, 0, 1}, {3, 1, 1}, {4, 1, 1}};
  auto r = ReplayEarlyStop(b, {10, 20, 30, 40, 50}, VoteRule::kMajority, 0);
  EXPECT_EQ(r.tokens_total, 150);
  EXPECT_EQ(r.tokens_saved, 30);
  EXPECT_TRUE(r.same_answer);
  // Best-of-N never stops early on the exact rule.
  EXPECT_EQ(ReplayEarlyStop(b, {10, 20, 30, 40, 50}, VoteRule::kBest, 0).tokens_saved, 0);
  // Consensus with margin 2 stops at 20 (two agree, none against): saved
  // 10 + 20 + 30; the full vote's answer is the same.
  r = ReplayEarlyStop(b, {10, 20, 30, 40, 50}, VoteRule::kMajority, 2);
  EXPECT_EQ(r.tokens_saved, 60);
  EXPECT_TRUE(r.same_answer);
  // When the streams that finish last outvote the first two, the replay says
  // the answer changed.
  std::vector<Ballot> turn = {{0, 0, 1}, {1, 0, 1}, {2, 1, 1}, {3, 1, 1}, {4, 1, 1}};
  r = ReplayEarlyStop(turn, {10, 20, 30, 40, 50}, VoteRule::kMajority, 2);
  EXPECT_EQ(r.tokens_saved, 60);
  EXPECT_FALSE(r.same_answer);
}

TEST(EvalSummaryTest, EarlyStopReplayInWavesSavesWholeLaterWaves) {
  // Streams 0-3 with answers A A B A and lengths 10 20 5 30. Waves of two:
  // streams 0 and 1 agree when the second ends (20), margin 2: the second
  // wave (5 + 30 tokens) never starts.
  const std::vector<Ballot> b = {{0, 0, 1}, {1, 0, 1}, {2, 1, 1}, {3, 0, 1}};
  const std::vector<int64_t> tokens = {10, 20, 5, 30};
  auto r = ReplayEarlyStop(b, tokens, VoteRule::kMajority, 2, 2);
  EXPECT_EQ(r.tokens_total, 65);
  EXPECT_EQ(r.tokens_saved, 35);
  EXPECT_TRUE(r.same_answer);
  // All at once, the short B stream ends first and A never leads by two
  // before the last stream: nothing saved.
  EXPECT_EQ(ReplayEarlyStop(b, tokens, VoteRule::kMajority, 2, 0).tokens_saved, 0);
  // Waves of three: 0, 1 and 2 end 5 (B), 10 (A), 20 (A); A leads by one
  // only, so the last wave runs and nothing is saved.
  EXPECT_EQ(ReplayEarlyStop(b, tokens, VoteRule::kMajority, 2, 3).tokens_saved, 0);
  // A wave larger than the pool is one wave.
  EXPECT_EQ(ReplayEarlyStop(b, tokens, VoteRule::kMajority, 2, 8).tokens_saved, 0);
  // Margin 1 in waves of two: after stream 0 (A, 10 tokens) A leads: the
  // rest of the wave (20 - 10) and the whole second wave are saved.
  r = ReplayEarlyStop(b, tokens, VoteRule::kMajority, 1, 2);
  EXPECT_EQ(r.tokens_saved, 10 + 35);
}

TEST(PngTest, EncodesAValidImageThatDecodesBack) {
  RgbImage img(7, 3);
  img.Set(2, 1, {10, 20, 30});
  const std::string png = img.EncodePng();
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(static_cast<uint8_t>(png[19]), 7);  // width, big-endian
  EXPECT_EQ(static_cast<uint8_t>(png[23]), 3);  // height
  // IDAT inflates to height × (1 + 3 × width) bytes with our pixel in place.
  const size_t at = png.find("IDAT");
  ASSERT_NE(at, std::string::npos);
  const uint32_t len = (uint8_t(png[at - 4]) << 24) | (uint8_t(png[at - 3]) << 16) |
                       (uint8_t(png[at - 2]) << 8) | uint8_t(png[at - 1]);
  std::vector<uint8_t> raw(3 * (1 + 21));
  uLongf raw_len = raw.size();
  ASSERT_EQ(uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(png.data() + at + 4), len), Z_OK);
  ASSERT_EQ(raw_len, raw.size());
  EXPECT_EQ(raw[22 + 1 + 2 * 3], 10);
  EXPECT_EQ(raw[22 + 1 + 2 * 3 + 2], 30);
  // Plots render with data, without data, and with wild values.
  LinePlot plot{"T", "x", "y", {{"a", {0, 1, 2}, {0.5, 0.7, 0.9}, {0.1, 0.1, 0.1}, false},
                                {"b", {0, 1e300, NAN}, {1, -1e300, 2}, {}, true}}};
  EXPECT_EQ(RenderLinePlotPng(plot).substr(1, 3), "PNG");
  EXPECT_EQ(RenderLinePlotPng(LinePlot{}).substr(1, 3), "PNG");
}

}  // namespace
}  // namespace edgereason
