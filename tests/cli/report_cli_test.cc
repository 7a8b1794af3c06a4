// `edgereason report` end to end on two hand-written runs: the files it
// writes, --json output, and one-line errors for bad flags and directories.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "test_util.h"

namespace edgereason {
namespace {

std::string Cli(const std::string& args) { return test::CliPath() + " " + args; }

// An item that reasoned with two streams of `tokens` each (one answer class).
nlohmann::json Record(int index, const std::string& difficulty, int64_t tokens, bool correct) {
  const nlohmann::json stream = {{"class", 0}, {"score", nullptr}, {"tokens", tokens}};
  const nlohmann::json votes = {{"weighted", {{"correct", correct}}}, {"majority", {{"correct", correct}}}};
  const nlohmann::json reason = {
      {"classes", {{{"answer", "1"}, {"correct", correct}}}},
      {"streams", {stream, stream}},
      {"tokens", 2 * tokens},
      {"seconds", 1.0},
      {"first_token_seconds", 0.02},
      {"caps", {{"32", {{"accuracy", correct ? 1.0 : 0.0}, {"tokens", 32.0}, {"votes", votes}}}}},
      {"votes", votes},
      {"correct", correct}};
  return {{"index", index}, {"difficulty", difficulty}, {"prefill_seconds", 0.01},
          {"switcher_probability", 0.6},
          {"chat", {{"correct", false}, {"tokens", 5}, {"seconds", 0.1}, {"first_token_seconds", 0.01}}},
          {"reason", reason}, {"route", "reason"}, {"correct", correct}, {"tokens", 2 * tokens},
          {"latency_seconds", 1.01}};
}

std::string WriteRun(const std::string& root, const std::string& name, int64_t scale) {
  const std::string dir = root + "/" + name;
  std::filesystem::create_directories(dir);
  std::string text;
  for (int i = 0; i < 4; ++i) text += Record(i, std::to_string(1 + i % 2), scale * (i + 1), i != 3).dump() + "\n";
  EXPECT_TRUE(WriteFileAtomic(dir + "/results.jsonl", text).ok());
  return dir;
}

void ExpectOneLineError(const test::CommandResult& r, const std::string& culprit) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(culprit), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}

TEST(ReportCliTest, WritesTheReportAndPrintsItsJson) {
  const std::string root = test::MakeTempDir("er-cli-report");
  const std::string sft = WriteRun(root, "sft", 20), rl = WriteRun(root, "rl", 10);
  auto r = test::RunCommand(Cli("report --run sft=" + sft + " --run rl=" + rl +
                                " --subset 2 --compare sft,rl --out " + root + "/out --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["runs"].size(), 2u);
  EXPECT_NEAR(j["length"][0]["ratio"]["median"].get<double>(), 2.0, 1e-12);  // sft streams are twice as long
  EXPECT_NEAR(j["caps"]["all"][0]["accuracy"]["rl"].get<double>(), 0.75, 1e-12);
  EXPECT_NEAR(j["caps"]["subset"][0]["accuracy"]["rl"].get<double>(), 0.5, 1e-12);  // items 1 and 3
  for (const char* f : {"report.json", "report.md", "caps.png", "votes.png", "votes_subset.png",
                        "switcher.png", "length_cdf_sft_rl.png", "reduction_sft_rl.png"}) {
    EXPECT_TRUE(FileExists(root + "/out/" + f)) << f;
  }
  // Without --json it prints the markdown.
  r = test::RunCommand(Cli("report --run sft=" + sft + " --out " + root + "/out2"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("## Pipeline"), std::string::npos) << r.output;
}

TEST(ReportCliTest, BadInputGivesOneLineErrors) {
  const std::string root = test::MakeTempDir("er-cli-report-bad");
  const std::string sft = WriteRun(root, "sft", 20);
  const std::string out = " --out " + root + "/out";
  ExpectOneLineError(test::RunCommand(Cli("report --run " + sft + out), true), "NAME=DIR");
  ExpectOneLineError(test::RunCommand(Cli("report --run a=" + root + "/missing" + out), true), "missing");
  ExpectOneLineError(test::RunCommand(Cli("report --run a=" + root + out), true), "results.jsonl");
  ExpectOneLineError(test::RunCommand(Cli("report --run sft=" + sft + " --compare sft,rl" + out), true),
                     "'rl'");
  ExpectOneLineError(test::RunCommand(Cli("report --run sft=" + sft + " --compare sft" + out), true),
                     "A,B");
}

}  // namespace
}  // namespace edgereason
