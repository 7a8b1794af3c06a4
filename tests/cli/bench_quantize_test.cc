// `edgereason bench` (a smoke test: numbers are measured in bench runs, not
// here) and `edgereason quantize` checkpoints that load without converting.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "base/file.h"
#include "io/safetensors.h"
#include "test_util.h"

namespace edgereason {
namespace {

std::string Cli(const std::string& args) { return test::CliPath() + " " + args; }

TEST(BenchCliTest, ReportsTheContractFields) {
  const std::string dir = test::MakeTempDir("er-bench");
  ASSERT_EQ(test::RunCommand(Cli("make-random-model --shape tiny --out " + dir + "/m"), true).exit_code, 0);
  ASSERT_EQ(test::RunCommand(Cli("make-random-adapter --model " + dir + "/m --rank 8 --out " + dir + "/a"), true).exit_code, 0);
  auto r = test::RunCommand(Cli("bench --model " + dir + "/m --dtype q8_0 --threads 2 -p 32 -n 8 "
                                "--reps 1 --depth 16 --parallel 1,4 --lora " + dir + "/a "
                                "--roofline --bandwidth-mb 16 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["dtype"], "q8_0");
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["pp"]["tokens"], 32);
  EXPECT_GT(j["pp"]["tps"].get<double>(), 0);
  EXPECT_EQ(j["tg"]["tokens"], 8);
  EXPECT_GT(j["tg"]["tps"].get<double>(), 0);
  EXPECT_GT(j["weights_mb"].get<double>(), 0);
  EXPECT_GT(j["peak_rss_mb"].get<double>(), 0);
  EXPECT_GT(j["roofline"]["read_bandwidth_gbs"].get<double>(), 0);
  ASSERT_EQ(j["parallel"].size(), 2u);
  EXPECT_EQ(j["parallel"][1]["n"], 4);
  EXPECT_EQ(j["parallel"][1]["prompt_tokens_encoded"], 32) << "4 streams encode the prompt once";
  EXPECT_EQ(j["prompt_tokens_encoded"]["adapter_shared_kv"], 32);
  EXPECT_EQ(j["prompt_tokens_encoded"]["adapter_reencode"], 64);

  // Paired statistics: the first N is its own reference; the adapter's cost
  // comes with its bytes and their share of a token's reads.
  EXPECT_EQ(j["parallel"][0]["speedup_vs_first"], 1.0);
  EXPECT_GT(j["parallel"][1]["speedup_vs_first"].get<double>(), 0);
  EXPECT_GT(j["tg_adapter"]["adapter_mb"].get<double>(), 0);
  EXPECT_GT(j["tg_adapter"]["cost_floor"].get<double>(), 0);
  EXPECT_LT(j["tg_adapter"]["cost_floor"].get<double>(), 1);

  auto bad = test::RunCommand(Cli("bench --model " + dir + "/m --dtype q3_k"), true);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("q3_k"), std::string::npos);
  // LoRA matrices in a format they cannot be held in: one line naming it.
  for (const char* lora_dtype : {"q4_pc", "q9"}) {
    auto bad_lora = test::RunCommand(Cli("bench --model " + dir + "/m -p 4 -n 2 --reps 1 --lora " +
                                         dir + "/a --lora-dtype " + lora_dtype), true);
    EXPECT_NE(bad_lora.exit_code, 0);
    EXPECT_NE(bad_lora.output.find(lora_dtype), std::string::npos) << bad_lora.output;
    EXPECT_EQ(std::count(bad_lora.output.begin(), bad_lora.output.end(), '\n'), 1) << bad_lora.output;
  }
}

TEST(QuantizeCliTest, QuantizedCheckpointLoadsAsStoredAndGivesTheSameLogits) {
  const std::string model = test::SharedPath("fixtures/hf-reference/llama-untied/model");
  const std::string dir = test::MakeTempDir("er-quant");
  for (const char* dtype : {"q8_0", "q4_0", "q4_pc", "bf16"}) {
    SCOPED_TRACE(dtype);
    const std::string out = dir + "/" + dtype;
    auto r = test::RunCommand(Cli("quantize --model " + model + " --dtype " + dtype + " --out " + out), true);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto file = SafetensorsFile::Open(out + "/model.safetensors");
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->metadata().at("edgereason.weight_format"), dtype);
    const std::string ids = "5 77 300 12 9 410";
    // The same logits whether converted at load or read from the quantized file.
    ASSERT_EQ(test::RunCommand(Cli("logits --model " + out + " --ids '" + ids + "' --out " + out + "/stored.safetensors")).exit_code, 0);
    ASSERT_EQ(test::RunCommand(Cli("logits --model " + model + " --dtype " + dtype + " --ids '" + ids +
                                   "' --out " + out + "/direct.safetensors")).exit_code, 0);
    auto stored_logits = SafetensorsFile::Open(out + "/stored.safetensors");
    auto direct_logits = SafetensorsFile::Open(out + "/direct.safetensors");
    ASSERT_TRUE(stored_logits.ok() && direct_logits.ok());
    const auto& a = stored_logits->Find("logits")->data;
    const auto& b = direct_logits->Find("logits")->data;
    ASSERT_EQ(a.size(), b.size());
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin())) << "bitwise equal logits";
    auto direct = test::RunCommand(Cli("generate --model " + model + " --dtype " + dtype +
                                       " --ids '" + ids + "' -n 8 --greedy --ignore-eos --json"));
    auto stored = test::RunCommand(Cli("generate --model " + out + " --ids '" + ids +
                                       "' -n 8 --greedy --ignore-eos --json"));
    EXPECT_EQ(nlohmann::json::parse(direct.output)["tokens"], nlohmann::json::parse(stored.output)["tokens"]);
  }
  // A quantized checkpoint cannot be re-run in another format.
  auto mismatch = test::RunCommand(Cli("generate --model " + dir + "/q4_0 --dtype q8_0 --ids 5"), true);
  EXPECT_NE(mismatch.exit_code, 0);
  EXPECT_NE(mismatch.output.find("requantizing"), std::string::npos) << mismatch.output;
}

}  // namespace
}  // namespace edgereason
