// `edgereason run` and `edgereason eval` end to end on a tiny random model
// and bundle: JSON output, the files eval writes, resuming after a kill, and
// one-line errors for bad input.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "base/file.h"
#include "test_util.h"

namespace edgereason {
namespace {

std::string Cli(const std::string& args) { return test::CliPath() + " " + args; }

// A tiny model and a random bundle around it, made once.
const std::string& BundleDir() {
  static const std::string dir = [] {
    const std::string root = test::MakeTempDir("er-cli-reasoning");
    test::RunCommand(Cli("make-random-model --shape tiny --out " + root + "/tiny"), true);
    test::RunCommand(Cli("make-random-bundle --model " + root + "/tiny --out " + root +
                         "/bundle --budget 48 --parallel 3"), true);
    return root + "/bundle";
  }();
  return dir;
}

std::string Dataset(int rows) {
  const std::string path = test::MakeTempDir("er-cli-data") + "/data.jsonl";
  std::string text;
  for (int i = 0; i < rows; ++i) {
    text += "{\"problem\": \"What is " + std::to_string(i) + " + 1?\", \"answer\": \"" +
            std::to_string(i + 1) + "\"}\n";
  }
  EXPECT_TRUE(WriteFileAtomic(path, text).ok());
  return path;
}

size_t Lines(const std::string& path) {
  auto text = ReadFile(path);
  return text.ok() ? static_cast<size_t>(std::count(text->begin(), text->end(), '\n')) : 0;
}

void ExpectOneLineError(const test::CommandResult& r, const std::string& culprit) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(culprit), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}

TEST(ReasoningCliTest, RunPrintsRouteAnswerStreamsAndStatsAsJson) {
  auto r = test::RunCommand(Cli("run --bundle " + BundleDir() +
                                " --reasoning on --parallel 3 --json 'What is 2+3?'"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["route"], "reason");
  EXPECT_TRUE(j["switcher_probability"].is_number());
  EXPECT_EQ(j["streams"].size(), 3u);
  const auto& s = j["stats"];
  for (const char* key : {"time_to_first_token_ms", "prompt_tokens", "prompt_tokens_encoded",
                          "tokens_per_stream", "decode_tokens_per_second", "kv_peak_mb", "wall_ms",
                          "streams_stopped_early", "tokens_saved_bound"}) {
    EXPECT_TRUE(s.contains(key)) << key;
  }
  // The prompt is encoded once for all three streams.
  EXPECT_EQ(s["prompt_tokens_encoded"], s["prompt_tokens"].get<int>() + s["preamble_tokens"].get<int>());
  EXPECT_EQ(s["tokens_per_stream"].size(), 3u);
  EXPECT_GT(s["adapter_rows"].get<int>(), 0);

  // In waves of two the four streams still all report, each with its tokens.
  r = test::RunCommand(Cli("run --bundle " + BundleDir() +
                           " --reasoning on --parallel 4 --wave 2 --json 'What is 2+3?'"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["streams"].size(), 4u);
  EXPECT_EQ(j["stats"]["tokens_per_stream"].size(), 4u);

  r = test::RunCommand(Cli("run --bundle " + BundleDir() + " --reasoning off --json 'Hi'"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["route"], "chat");
  EXPECT_EQ(j["stats"]["adapter_rows"], 0);

  r = test::RunCommand(Cli("run --bundle " + BundleDir() + " --show-thinking --reasoning on 'Hi'"), true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("route: reason"), std::string::npos);
  EXPECT_NE(r.output.find("--- thinking"), std::string::npos);
  EXPECT_NE(r.output.find("answer:"), std::string::npos);
  // Tokens and timings in words, for people reading the demo.
  EXPECT_NE(r.output.find("tokens: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("time: first token "), std::string::npos) << r.output;
}

TEST(ReasoningCliTest, EvalWritesResultsSummaryMarkdownAndPlots) {
  const std::string out = test::MakeTempDir("er-cli-eval") + "/out";
  const std::string data = Dataset(5);
  auto r = test::RunCommand(Cli("eval --bundle " + BundleDir() + " --data " + data +
                                " --limit 4 --caps 16,32 --out " + out + " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto s = nlohmann::json::parse(r.output);
  EXPECT_EQ(s["items"], 4);
  EXPECT_EQ(s["errors"], 0);
  EXPECT_EQ(s["caps"].size(), 3u);  // 16, 32 and the budget 48
  EXPECT_EQ(s["vote_curves"]["weighted"].back()["n"], 3);
  EXPECT_EQ(s["threshold_sweep"].size(), 21u);
  EXPECT_GT(s["time_to_first_token_seconds"]["mean"].get<double>(), 0.0);
  EXPECT_TRUE(s["by_difficulty"].empty());  // the dataset has no difficulties
  EXPECT_EQ(Lines(out + "/results.jsonl"), 4u);
  std::istringstream results(*ReadFile(out + "/results.jsonl"));
  std::string first_line;
  std::getline(results, first_line);
  const auto first = nlohmann::json::parse(first_line);
  EXPECT_TRUE(first["chat"]["first_token_seconds"].is_number());
  for (const char* f : {"summary.json", "summary.md", "accuracy_vs_tokens.png", "length_cdf.png",
                        "vote_curves.png", "threshold_sweep.png"}) {
    auto bytes = ReadFile(out + "/" + f);
    ASSERT_TRUE(bytes.ok()) << f;
    if (std::string(f).ends_with(".png")) {
      EXPECT_EQ(bytes->substr(1, 3), "PNG") << f;
    }
  }
  // A rerun finds everything done and writes the same records.
  r = test::RunCommand(Cli("eval --bundle " + BundleDir() + " --data " + data +
                           " --limit 4 --caps 16,32 --out " + out + " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Lines(out + "/results.jsonl"), 4u);
  // Another configuration into the same --out is refused.
  r = test::RunCommand(Cli("eval --bundle " + BundleDir() + " --data " + data +
                           " --budget 40 --out " + out), true);
  ExpectOneLineError(r, "different evaluation");
  r = test::RunCommand(Cli("eval --bundle " + BundleDir() + " --data " + data +
                           " --limit 4 --caps 16,32 --reasoning off --out " + out), true);
  ExpectOneLineError(r, "different evaluation");

  // With reasoning off only the chat route runs: no reasoning streams are decoded.
  const std::string off = test::MakeTempDir("er-cli-eval") + "/off";
  r = test::RunCommand(Cli("eval --bundle " + BundleDir() + " --data " + data +
                           " --limit 2 --reasoning off --out " + off + " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream off_results(*ReadFile(off + "/results.jsonl"));
  int records = 0;
  for (std::string line; std::getline(off_results, line); ++records) {
    const auto record = nlohmann::json::parse(line);
    EXPECT_EQ(record["route"], "chat");
    EXPECT_TRUE(record.contains("chat"));
    EXPECT_FALSE(record.contains("reason")) << line;
  }
  EXPECT_EQ(records, 2);
}

TEST(ReasoningCliTest, EvalResumesAfterBeingKilledWithoutLosingOrDuplicatingItems) {
  const std::string out = test::MakeTempDir("er-cli-resume") + "/out";
  const std::string data = Dataset(8);
  const std::string args = "eval --bundle " + BundleDir() + " --data " + data +
                           " --budget 400 --parallel 2 --out " + out;
  auto started = test::RunCommand("(" + Cli(args) + " > /dev/null 2>&1 & echo $!)");
  const pid_t pid = static_cast<pid_t>(std::stol(started.output));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (Lines(out + "/results.jsonl") < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  const size_t at_kill = Lines(out + "/results.jsonl");
  EXPECT_LT(at_kill, 8u) << "the run finished before it could be killed";
  test::RunCommand("while kill -0 " + std::to_string(pid) + " 2>/dev/null; do sleep 0.01; done");

  auto r = test::RunCommand(Cli(args + " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["items"], 8);
  auto text = *ReadFile(out + "/results.jsonl");
  std::istringstream lines(text);
  std::multiset<int> indexes;
  for (std::string line; std::getline(lines, line);) {
    indexes.insert(nlohmann::json::parse(line)["index"].get<int>());
  }
  EXPECT_EQ(indexes.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(indexes.count(i), 1u) << i;
}

TEST(ReasoningCliTest, BadInputGivesOneLineErrors) {
  const std::string dir = test::MakeTempDir("er-cli-bad");
  ASSERT_TRUE(WriteFileAtomic(dir + "/bundle.json", "{\"base\": 3}").ok());
  ExpectOneLineError(test::RunCommand(Cli("run --bundle " + dir + " hi"), true), "'base'");
  ExpectOneLineError(test::RunCommand(Cli("run --bundle " + dir + "/none hi"), true), "none");
  ExpectOneLineError(test::RunCommand(Cli("run --bundle " + BundleDir() + " --vote loud hi"), true),
                     "vote");
  ExpectOneLineError(test::RunCommand(Cli("run --bundle " + BundleDir() + " ''"), true), "empty");
  // A flag out of its range is refused by the parser, naming the flag.
  auto bad_wave = test::RunCommand(Cli("run --bundle " + BundleDir() + " --wave -1 hi"), true);
  EXPECT_NE(bad_wave.exit_code, 0);
  EXPECT_NE(bad_wave.output.find("--wave: Value -1 not in range"), std::string::npos) << bad_wave.output;
  const std::string tiny = BundleDir() + "/../tiny";
  ExpectOneLineError(test::RunCommand(Cli("run --model " + tiny + " --reasoning auto hi"), true),
                     "switcher");
  ASSERT_TRUE(WriteFileAtomic(dir + "/data.jsonl", "{\"problem\":\"p\",\"answer\":\"1\"}\n{\"problem\":\"p\"}\n").ok());
  ExpectOneLineError(test::RunCommand(Cli("eval --bundle " + BundleDir() + " --data " + dir +
                                          "/data.jsonl --out " + dir + "/o"), true),
                     "data.jsonl:2");
  ExpectOneLineError(test::RunCommand(Cli("eval --bundle " + BundleDir() + " --data " + dir +
                                          "/data.jsonl --caps 1,x --out " + dir + "/o"), true),
                     "--caps");
  // A question too long for the context is a recorded error, not a crash.
  ASSERT_TRUE(WriteFileAtomic(dir + "/long.jsonl", "{\"problem\":\"" + std::string(5000, 'x') +
                                                       "\",\"answer\":\"1\"}\n").ok());
  auto r = test::RunCommand(Cli("eval --bundle " + BundleDir() + " --ctx 512 --data " + dir +
                                "/long.jsonl --out " + dir + "/long --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["errors"], 1);
}

}  // namespace
}  // namespace edgereason
