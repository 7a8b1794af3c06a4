// The demo bundle's rebuild, scaled down to seconds (scripts/build_demo.sh
// --tiny): every stage runs through edgereason-train, the bundle it writes
// loads, and `edgereason run` and `edgereason eval` go through it end to end.
// The full-size rebuild and its measured results are in models/demo/.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/file.h"
#include "test_util.h"

namespace edgereason {
namespace {

TEST(DemoPipeline, TinyRebuildTrainsEveryStageAndTheBundleRuns) {
  const std::string dir = test::MakeTempDir("demo-tiny");
  const std::string bundle = dir + "/bundle";
  auto r = test::RunCommand("EDGEREASON_TRAIN=" + std::string(EDGEREASON_TRAIN_PATH) + " bash " +
                                test::SourcePath("scripts/build_demo.sh") + " " + bundle + " --tiny 2>&1",
                            true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"bundle.json", "base/config.json", "base/model.safetensors", "base/tokenizer.json",
                        "adapter_sft/adapter_config.json", "adapter/adapter_model.safetensors",
                        "switcher.json", "switcher.safetensors", "work/build.json"}) {
    EXPECT_TRUE(std::filesystem::exists(bundle + "/" + f)) << f;
  }
  // Every stage left its figures; the default (staged) recipe's two further
  // SFT phases and GRPO logged one line per step.
  for (const auto& [log, steps] : {std::pair{"sft2", 6}, {"sft3", 6}, {"grpo", 3}}) {
    auto text = ReadFile(bundle + "/work/" + log + ".log.jsonl");
    ASSERT_TRUE(text.ok()) << log;
    EXPECT_EQ(std::count(text->begin(), text->end(), '\n'), steps) << log;
  }
  auto timings = ReadFile(bundle + "/work/build.json");
  ASSERT_TRUE(timings.ok());
  EXPECT_TRUE(nlohmann::json::parse(*timings).contains("grpo_seconds"));

  // A rerun finds every stage done and only rewrites bundle.json.
  r = test::RunCommand("EDGEREASON_TRAIN=" + std::string(EDGEREASON_TRAIN_PATH) + " bash " +
                           test::SourcePath("scripts/build_demo.sh") + " " + bundle + " --tiny 2>&1",
                       true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("step 1/"), std::string::npos) << r.output;

  r = test::RunCommand(test::CliPath() + " run --bundle " + bundle + " --json 'What is 12 + 30?'", false);
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // eval on a held-out split: one record per problem, none failed.
  r = test::RunCommand(std::string(EDGEREASON_TRAIN_PATH) + " world --seed 7 --count 2 --out " + dir +
                       "/test.jsonl");
  ASSERT_EQ(r.exit_code, 0);
  r = test::RunCommand(test::CliPath() + " eval --bundle " + bundle + " --data " + dir + "/test.jsonl --out " +
                           dir + "/eval --parallel 2 --caps 16,32 --json 2>&1",
                       true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto results = ReadFile(dir + "/eval/results.jsonl");
  ASSERT_TRUE(results.ok());
  std::istringstream in(*results);
  int records = 0;
  for (std::string line; std::getline(in, line); ++records) {
    const auto rec = nlohmann::json::parse(line);
    EXPECT_FALSE(rec.contains("error")) << line;
    EXPECT_TRUE(rec.contains("difficulty")) << line;
  }
  EXPECT_EQ(records, 14);
}

}  // namespace
}  // namespace edgereason
