// edgereason report on hand-made runs: the numbers in report.json worked out
// by hand (per-difficulty accuracy, cap accuracy overall and on a subset,
// vote curves, the switcher sweep, length ratios, time to first token), the
// files it writes, and errors for bad flags and bad run directories.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>

#include "base/file.h"
#include "reasoning/eval_record_check.h"
#include "reasoning/eval_report.h"
#include "reasoning/voting.h"
#include "test_util.h"

namespace edgereason {
namespace {

using Json = nlohmann::json;

// One item as eval_item.cc records it. No verifier (scores null), so the
// weighted vote is the majority vote; the route is "reason" from p >= 0.5 and
// always without a switcher probability.
struct Item {
  int index = 0;
  std::string difficulty;
  std::optional<double> p;
  bool chat_correct = false;
  int64_t chat_tokens = 0;  // 0: no chat record
  std::vector<int64_t> stream_tokens;
  std::vector<int> classes;  // per stream
  std::vector<bool> class_correct;
  std::map<std::string, double> caps;  // cap -> per-stream accuracy
};

Json RecordOf(const Item& it) {
  Json streams = Json::array(), classes = Json::array(), caps = Json::object();
  std::vector<Ballot> ballots;
  int64_t total = 0;
  for (size_t i = 0; i < it.stream_tokens.size(); ++i) {
    streams.push_back({{"class", it.classes[i]}, {"score", nullptr}, {"tokens", it.stream_tokens[i]},
                       {"forced", false}, {"stop", "stop_token"}});
    ballots.push_back({static_cast<int>(i), it.classes[i], 1.0});
    total += it.stream_tokens[i];
  }
  for (bool c : it.class_correct) classes.push_back({{"answer", "x"}, {"correct", c}});
  const int winner = Tally(ballots, VoteRule::kWeighted).winner_class;
  const bool reason_correct = winner >= 0 && it.class_correct[winner];
  const Json votes = {{"weighted", {{"correct", reason_correct}}}, {"majority", {{"correct", reason_correct}}}};
  for (const auto& [cap, accuracy] : it.caps) caps[cap] = {{"accuracy", accuracy}, {"tokens", 1.0}, {"votes", votes}};
  Json r = {{"index", it.index}, {"id", std::to_string(it.index)}, {"prefill_seconds", 0.01},
            {"switcher_probability", it.p ? Json(*it.p) : Json(nullptr)}};
  if (!it.difficulty.empty()) r["difficulty"] = it.difficulty;
  r["reason"] = {{"classes", classes}, {"streams", streams}, {"tokens", total}, {"seconds", 1.0},
                 {"first_token_seconds", 0.05}, {"caps", caps}, {"votes", votes},
                 {"correct", reason_correct}};
  if (it.chat_tokens > 0) {
    r["chat"] = {{"correct", it.chat_correct}, {"tokens", it.chat_tokens}, {"seconds", 0.1},
                 {"first_token_seconds", 0.01}};
  }
  const bool reason = !it.p || *it.p >= 0.5;
  const Json& taken = r[reason ? "reason" : "chat"];
  r["route"] = reason ? "reason" : "chat";
  r["correct"] = taken["correct"];
  r["tokens"] = taken["tokens"];
  r["latency_seconds"] = 0.01 + taken["seconds"].get<double>();
  return r;
}

std::string WriteRun(const std::string& dir, const std::vector<Json>& records) {
  std::string text;
  for (const Json& r : records) text += r.dump() + "\n";
  EXPECT_TRUE(WriteFileAtomic(dir + "/results.jsonl", text).ok());
  return dir;
}

Json Error(int index, const std::string& difficulty) {
  return {{"index", index}, {"difficulty", difficulty}, {"error", "the prompt is too long"}};
}

// Three runs: sft and rl (2 streams, caps, switcher) and base (1 stream, no
// caps, no switcher), so each table also has runs it must leave out.
struct Runs {
  std::string root, sft, rl, base;
};
Runs MakeRuns() {
  Runs r;
  r.root = test::MakeTempDir("er-report");
  r.sft = r.root + "/sft", r.rl = r.root + "/rl", r.base = r.root + "/base";
  for (const std::string& d : {r.sft, r.rl, r.base}) std::filesystem::create_directories(d);
  // sft: i0 chats (right), i1 reasons (tie 1-1: class 0 by lowest stream, right), i2 reasons (wrong).
  WriteRun(r.sft, {RecordOf({0, "Level 1", 0.2, true, 20, {100, 200}, {0, 0}, {true},
                             {{"64", 0.5}, {"128", 0.5}, {"256", 1.0}}}),
                   RecordOf({1, "Level 3", 0.8, false, 30, {300, 500}, {0, 1}, {true, false},
                             {{"64", 0.0}, {"128", 0.5}, {"256", 0.5}}}),
                   RecordOf({2, "Level 3", 0.9, false, 40, {400, 400}, {1, 1}, {true, false},
                             {{"64", 0.0}, {"128", 0.0}, {"256", 0.0}}}),
                   Error(3, "Level 5")});
  // The sft eval ran with the majority vote and seed 7.
  EXPECT_TRUE(WriteFileAtomic(r.sft + "/summary.json", R"({"config": {"vote": "majority", "seed": 7}})").ok());
  // rl: i0 chats (right), i1 reasons (right), i2 chats (wrong), i3 reasons (right).
  WriteRun(r.rl, {RecordOf({0, "Level 1", 0.2, true, 20, {100, 200}, {0, 0}, {true}, {{"64", 1.0}, {"256", 1.0}}}),
                  RecordOf({1, "Level 3", 0.8, false, 30, {100, 300}, {0, 0}, {true}, {{"64", 0.5}, {"256", 1.0}}}),
                  RecordOf({2, "Level 3", 0.3, false, 40, {100, 100}, {0, 1}, {false, true},
                            {{"64", 0.5}, {"256", 0.5}}}),
                  RecordOf({3, "Level 5", 0.9, false, 10, {80, 120}, {0, 0}, {true}, {{"64", 0.5}, {"256", 1.0}}})});
  // base: no switcher, no chat, one stream, no caps; i1 gave no answer.
  WriteRun(r.base, {RecordOf({0, "Level 1", std::nullopt, false, 0, {60}, {0}, {true}, {}}),
                    RecordOf({1, "Level 2", std::nullopt, false, 0, {40}, {-1}, {}, {}})});
  return r;
}

double D(const nlohmann::ordered_json& v) { return v.get<double>(); }

TEST(EvalReportTest, NumbersOfHandMadeRuns) {
  const Runs runs = MakeRuns();
  ReportOptions options;
  options.runs = {{"sft", runs.sft}, {"rl", runs.rl}, {"base", runs.base}};
  options.subset = {"3"};
  options.compare = {{"sft", "rl"}};
  const std::string out = runs.root + "/report";
  auto report = WriteReport(options, out);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const auto& j = *report;

  EXPECT_EQ(j["runs"][0]["vote_rule"], "majority");
  EXPECT_EQ(j["runs"][0]["seed"], 7);
  EXPECT_EQ(j["runs"][1]["vote_rule"], "weighted");
  EXPECT_EQ(j["runs"][0]["subset_items"], 2);
  EXPECT_EQ(j["runs"][2]["max_streams"], 1);

  // Per difficulty: Level 1, Level 2 (base only), Level 3, Level 5, all.
  const auto& by = j["by_difficulty"];
  ASSERT_EQ(by.size(), 5u);
  EXPECT_EQ(by[1]["difficulty"], "Level 2");
  EXPECT_TRUE(by[1]["runs"]["sft"].is_null());
  EXPECT_NEAR(D(by[2]["runs"]["sft"]["accuracy"]), 0.5, 1e-12);
  EXPECT_NEAR(D(by[2]["runs"]["sft"]["mean_tokens"]), 800.0, 1e-12);
  EXPECT_NEAR(D(by[2]["runs"]["rl"]["accuracy"]), 0.5, 1e-12);
  EXPECT_NEAR(D(by[3]["runs"]["sft"]["accuracy"]), 0.0, 1e-12);  // the failed item
  EXPECT_NEAR(D(by[3]["runs"]["rl"]["accuracy"]), 1.0, 1e-12);
  EXPECT_EQ(by[4]["difficulty"], "all");
  EXPECT_NEAR(D(by[4]["runs"]["sft"]["accuracy"]), 0.5, 1e-12);
  EXPECT_NEAR(D(by[4]["runs"]["sft"]["mean_tokens"]), 540.0, 1e-12);  // 20, 800, 800
  EXPECT_NEAR(D(by[4]["runs"]["rl"]["accuracy"]), 0.75, 1e-12);
  EXPECT_NEAR(D(by[4]["runs"]["rl"]["median_tokens"]), 120.0, 1e-12);  // 20, 40 | 200, 400

  // Caps: per-stream accuracy summed over items / all items (failed ones too).
  const auto& caps = j["caps"];
  EXPECT_EQ(caps["runs"], (nlohmann::ordered_json{"sft", "rl"}));
  ASSERT_EQ(caps["all"].size(), 3u);
  EXPECT_EQ(caps["all"][0]["cap"], 64);
  EXPECT_NEAR(D(caps["all"][0]["accuracy"]["sft"]), 0.5 / 4, 1e-12);
  EXPECT_NEAR(D(caps["all"][0]["accuracy"]["rl"]), 2.5 / 4, 1e-12);
  EXPECT_NEAR(D(caps["all"][1]["accuracy"]["sft"]), 1.0 / 4, 1e-12);
  EXPECT_TRUE(caps["all"][1]["accuracy"]["rl"].is_null());  // rl has no 128 cap
  EXPECT_NEAR(D(caps["all"][2]["accuracy"]["sft"]), 1.5 / 4, 1e-12);
  EXPECT_NEAR(D(caps["all"][2]["accuracy"]["rl"]), 3.5 / 4, 1e-12);
  // Subset "3" = the two Level 3 items.
  EXPECT_NEAR(D(caps["subset"][0]["accuracy"]["rl"]), 0.5, 1e-12);
  EXPECT_NEAR(D(caps["subset"][2]["accuracy"]["sft"]), 0.25, 1e-12);
  EXPECT_NEAR(D(caps["subset"][2]["accuracy"]["rl"]), 0.75, 1e-12);

  // Votes: N = 1, 2; at N = 2 every draw is the full pool.
  const auto& votes = j["votes"];
  EXPECT_EQ(votes["runs"], (nlohmann::ordered_json{"sft", "rl"}));
  for (const char* rule : {"majority", "weighted"}) {
    const auto& sft = votes["all"]["sft"][rule];
    ASSERT_EQ(sft.size(), 2u) << rule;
    EXPECT_NEAR(D(sft[1]["mean"]), 0.5, 1e-12) << rule;
    EXPECT_NEAR(D(sft[1]["std"]), 0.0, 1e-12) << rule;
    EXPECT_NEAR(D(votes["all"]["rl"][rule][1]["mean"]), 0.75, 1e-12) << rule;
    EXPECT_NEAR(D(votes["subset"]["rl"][rule][1]["mean"]), 0.5, 1e-12) << rule;
  }

  // Switcher: base has none. sft always reasoning: (300 + 800 + 800) / 3 tokens.
  const auto& sweep = j["switcher"]["sft"];
  EXPECT_FALSE(j["switcher"].contains("base"));
  ASSERT_EQ(sweep.size(), 21u);
  EXPECT_NEAR(D(sweep[0]["token_fraction"]), 1.0, 1e-12);
  EXPECT_NEAR(D(sweep[0]["accuracy"]), 0.5, 1e-12);
  EXPECT_NEAR(D(sweep[10]["threshold"]), 0.5, 1e-12);
  EXPECT_NEAR(D(sweep[10]["fraction_reasoning"]), 2.0 / 3, 1e-12);
  EXPECT_NEAR(D(sweep[10]["token_fraction"]), 540.0 / (1900.0 / 3), 1e-12);
  EXPECT_NEAR(D(sweep[20]["accuracy"]), 0.25, 1e-12);
  EXPECT_NEAR(D(sweep[20]["token_fraction"]), 30.0 / (1900.0 / 3), 1e-12);

  // Lengths per stream, sft: 150, 400, 400; rl: 150, 200, 100 (and 100 on
  // item 3, which sft failed). Ratios 1, 2, 4.
  ASSERT_EQ(j["length"].size(), 1u);
  const auto& len = j["length"][0];
  EXPECT_EQ(len["items"], 3);
  EXPECT_NEAR(D(len["mean_tokens_a"]), 950.0 / 3, 1e-9);
  EXPECT_NEAR(D(len["mean_tokens_b"]), 150.0, 1e-12);
  EXPECT_NEAR(D(len["mean_length_ratio"]), 950.0 / 450.0, 1e-12);
  EXPECT_NEAR(D(len["ratio"]["mean"]), 7.0 / 3, 1e-12);
  EXPECT_NEAR(D(len["ratio"]["median"]), 2.0, 1e-12);
  EXPECT_NEAR(D(len["ratio"]["q1"]), 1.5, 1e-12);
  EXPECT_NEAR(D(len["ratio"]["q3"]), 3.0, 1e-12);

  // Pipeline: TTFT of the routes taken (chat 0.01, reasoning 0.05).
  const auto& sft = j["pipeline"][0];
  EXPECT_NEAR(D(sft["time_to_first_token_seconds"]["mean"]), 0.11 / 3, 1e-12);
  EXPECT_NEAR(D(sft["time_to_first_token_seconds"]["median"]), 0.05, 1e-12);
  EXPECT_NEAR(D(sft["fraction_reasoning"]), 0.5, 1e-12);
  EXPECT_NEAR(D(j["pipeline"][2]["latency_seconds"]["mean"]), 1.01, 1e-12);

  // The files: report.json holds the same numbers, the plots are PNGs.
  auto text = ReadFile(out + "/report.json");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(nlohmann::ordered_json::parse(*text), j);
  auto md = ReadFile(out + "/report.md");
  ASSERT_TRUE(md.ok());
  for (const char* heading : {"## Accuracy and tokens per difficulty", "## Accuracy under hard caps",
                              "## Voting", "## Switcher threshold sweep", "## Generated length",
                              "## Pipeline"}) {
    EXPECT_NE(md->find(heading), std::string::npos) << heading;
  }
  for (const char* png : {"caps.png", "votes.png", "votes_subset.png", "switcher.png",
                          "length_cdf_sft_rl.png", "reduction_sft_rl.png"}) {
    auto bytes = ReadFile(out + "/" + png);
    ASSERT_TRUE(bytes.ok()) << png;
    EXPECT_EQ(bytes->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << png;
  }
}

void ExpectError(const Status& s, const std::string& culprit) {
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(culprit), std::string::npos) << s.message();
}

// The early-stop table replays runs whose streams ran whole and have more
// than one stream: rl (by hand: at margin 1 items 0, 1 and 3 stop when their
// first stream ends, saving 100 + 200 + 40 of 1100 tokens, answers kept; at
// margin 0 nothing can be decided before the last stream) and not base (one
// stream) or a run with a stream stopped early.
TEST(EvalReportTest, EarlyStopTableReplaysOnlyWholeParallelRuns) {
  const Runs runs = MakeRuns();
  const std::string live = runs.root + "/live";
  std::filesystem::create_directories(live);
  Json stopped = RecordOf({0, "Level 1", 0.9, false, 0, {100, 150}, {0, -1}, {true}, {}});
  stopped["reason"]["streams"][1]["stop"] = "early_stop";
  WriteRun(live, {stopped});
  ReportOptions options;
  options.runs = {{"rl", runs.rl}, {"base", runs.base}, {"live", live}};
  auto report = WriteReport(options, runs.root + "/report_early");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const auto& rows = (*report)["early_stop"];
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["run"], "rl");
  const auto& margins = rows[0]["margins"];
  ASSERT_EQ(margins.size(), 20u);  // waves of all, 2, 3 and 4 streams × margins 0..4
  EXPECT_EQ(margins[0]["tokens_saved"], 0);
  EXPECT_EQ(margins[1]["wave"], 0);
  EXPECT_EQ(margins[1]["margin"], 1);
  EXPECT_EQ(margins[1]["tokens_total"], 1100);
  EXPECT_EQ(margins[1]["tokens_saved"], 340);
  EXPECT_EQ(margins[1]["answers_changed"], 0);
  EXPECT_EQ(D(margins[1]["accuracy_change"]), 0.0);
  auto md = ReadFile(runs.root + "/report_early/report.md");
  ASSERT_TRUE(md.ok());
  EXPECT_NE(md->find("| rl | all | 1 | 340 |"), std::string::npos);
  EXPECT_EQ(margins[6]["wave"], 2);
  EXPECT_EQ(margins[6]["margin"], 1);
  EXPECT_NE(md->find("| rl | 2 | 1 |"), std::string::npos);
}

TEST(EvalReportTest, BadFlags) {
  ExpectError(ParseReportRun("sft").status(), "NAME=DIR");
  ExpectError(ParseReportRun("=dir").status(), "NAME=DIR");
  ExpectError(ParseReportRun("sft=").status(), "NAME=DIR");
  ExpectError(ParseReportRun("a/b=dir").status(), "name");
  EXPECT_EQ(ParseReportRun("rl-1=/x=y")->dir, "/x=y");
  ExpectError(ParseReportCompare("sft").status(), "A,B");
  ExpectError(ParseReportCompare("sft,").status(), "A,B");
  ExpectError(ParseReportCompare("sft,sft").status(), "itself");
  ExpectError(ParseReportSubset("3,,4").status(), "empty");
  EXPECT_EQ(ParseReportSubset("3,4")->size(), 2u);
  EXPECT_TRUE(InReportSubset("Level 3", {"3"}));
  EXPECT_TRUE(InReportSubset("3", {"03"}));
  EXPECT_FALSE(InReportSubset("Level 13", {"3"}));
  EXPECT_TRUE(InReportSubset("hard", {"hard"}));
  EXPECT_FALSE(InReportSubset("hard", {"3"}));
}

TEST(EvalReportTest, BadRunsAreErrorsNamingTheFile) {
  const Runs runs = MakeRuns();
  auto build = [&](std::vector<ReportRun> list, std::vector<std::pair<std::string, std::string>> compare = {},
                   std::vector<std::string> subset = {}) {
    ReportOptions o;
    o.runs = std::move(list);
    o.compare = std::move(compare);
    o.subset = std::move(subset);
    return BuildReport(o).status();
  };
  ExpectError(build({}), "--run");
  ExpectError(build({{"a", runs.root + "/nowhere"}}), "nowhere");
  const std::string empty_dir = test::MakeTempDir("er-report-empty");
  ExpectError(build({{"a", empty_dir}}), empty_dir + "/results.jsonl");
  ExpectError(build({{"a", runs.sft}, {"a", runs.rl}}), "twice");
  ExpectError(build({{"sft", runs.sft}, {"rl", runs.rl}}, {{"sft", "ppo"}}), "'ppo'");
  ExpectError(build({{"sft", runs.sft}}, {}, {"7"}), "--subset 7");

  const std::string dir = test::MakeTempDir("er-report-bad");
  ASSERT_TRUE(WriteFileAtomic(dir + "/results.jsonl", "").ok());
  ExpectError(build({{"a", dir}}), "no records");
  ASSERT_TRUE(WriteFileAtomic(dir + "/results.jsonl", "{\"index\":0}\nnot json\n{\"index\":1}\n").ok());
  ExpectError(build({{"a", dir}}), dir + "/results.jsonl:2");
  // A record without a field the summary reads names the field.
  Json r = RecordOf({0, "1", 0.7, true, 5, {10, 20}, {0, 0}, {true}, {{"8", 1.0}}});
  r["reason"]["streams"][1]["tokens"] = "many";
  WriteRun(dir, {r});
  ExpectError(build({{"a", dir}}), "item 0: field 'reason.streams[1].tokens' is missing or not a number");
  r = RecordOf({0, "1", 0.7, true, 5, {10, 20}, {0, 3}, {true}, {}});
  WriteRun(dir, {r});
  ExpectError(build({{"a", dir}}), "reason.streams[1].class");
  r = RecordOf({0, "1", 0.7, true, 5, {10}, {0}, {true}, {{"eight", 1.0}}});
  WriteRun(dir, {r});
  ExpectError(build({{"a", dir}}), "reason.caps.eight");
  r = RecordOf({0, "1", 0.2, true, 5, {10}, {0}, {true}, {}});
  r.erase("chat");
  WriteRun(dir, {r});
  ExpectError(build({{"a", dir}}), "no 'chat' field");
  // A summary.json naming an unknown vote rule.
  WriteRun(dir, {RecordOf({0, "1", 0.7, true, 5, {10}, {0}, {true}, {}})});
  ASSERT_TRUE(WriteFileAtomic(dir + "/summary.json", R"({"config": {"vote": "loudest"}})").ok());
  ExpectError(build({{"a", dir}}), dir + "/summary.json");
  // ... or an early-stop margin that is not a count of streams.
  for (const char* margin : {"-1", "2.5", "\"three\"", "1000"}) {
    ASSERT_TRUE(WriteFileAtomic(dir + "/summary.json",
                                std::string(R"({"config": {"early_stop_margin": )") + margin + "}}")
                    .ok());
    ExpectError(build({{"a", dir}}), "field 'config.early_stop_margin'");
  }
  // ... or a stream wave that is not one.
  for (const char* wave : {"-1", "1.5", "\"all\"", "1000"}) {
    ASSERT_TRUE(WriteFileAtomic(dir + "/summary.json", std::string(R"({"config": {"wave": )") + wave + "}}").ok());
    ExpectError(build({{"a", dir}}), "field 'config.wave'");
  }
}

TEST(EvalRecordCheckTest, RecordsEvalWritesPass) {
  EXPECT_TRUE(CheckEvalRecord(RecordOf({0, "1", 0.7, true, 5, {10, 20}, {0, -1}, {true}, {{"8", 1.0}}})).ok());
  EXPECT_TRUE(CheckEvalRecord(Error(4, "2")).ok());
  ExpectError(CheckEvalRecord(Json::array()), "object");
  ExpectError(CheckEvalRecord({{"index", 0}, {"route", "chat"}}), "'correct'");
}

}  // namespace
}  // namespace edgereason
