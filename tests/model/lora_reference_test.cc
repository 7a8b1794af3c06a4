// LoRA / rsLoRA adapters, applied at every position and from an activation
// start k (masked LoRA), against transformers + PEFT outputs for every fixture.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "io/safetensors.h"
#include "model/forward.h"
#include "model/model.h"
#include "test_util.h"

namespace edgereason {
namespace {





// Runs the prompt with the adapter active from `start` on (0: everywhere),
// compares every position's logits, then decodes greedily with the adapter
// on and compares the tokens and their logits.
void CheckAdapterRun(const Model& model, const LoraAdapter& adapter, const SafetensorsFile& ref,
                     const std::vector<int32_t>& ids, int64_t start, const std::string& logits_name,
                     const std::string& tokens_name, const std::string& gen_logits_name) {
  const ModelConfig& c = model.config();
  ThreadPool pool(2);
  ForwardPass pass(std::shared_ptr<const Model>(&model, [](const Model*) {}));
  KvCache kv({c.num_layers, c.num_kv_heads, c.head_dim}, 1024);
  const int32_t seq = kv.AddSequence();
  const LoraAdapter* adapters[] = {&adapter};
  std::vector<TokenRow> rows;
  for (size_t p = 0; p < ids.size(); ++p) {
    rows.push_back({seq, static_cast<int32_t>(p), ids[p], true,
                    static_cast<int16_t>(static_cast<int64_t>(p) >= start ? 0 : -1)});
  }
  ForwardOutput out;
  ASSERT_TRUE(pass.Run(rows, kv, pool, {}, &out, adapters).ok());
  const auto want = test::F32Values(*ref.Find(logits_name));
  ASSERT_EQ(want.size(), out.logits.size()) << logits_name;
  EXPECT_LT(test::MaxAbsDiff(out.logits.data(), want.data(), want.size()), 1e-4f) << logits_name;

  const auto want_tokens = test::TokenIds(*ref.Find(tokens_name));
  const auto want_gen = test::F32Values(*ref.Find(gen_logits_name));
  std::vector<float> step(out.logits.end() - c.vocab_size, out.logits.end());
  for (size_t t = 0; t < want_tokens.size(); ++t) {
    EXPECT_LT(test::MaxAbsDiff(step.data(), want_gen.data() + t * c.vocab_size, c.vocab_size), 1e-4f)
        << gen_logits_name << " step " << t;
    const int32_t next = static_cast<int32_t>(std::max_element(step.begin(), step.end()) - step.begin());
    ASSERT_EQ(next, want_tokens[t]) << tokens_name << " token " << t;
    TokenRow row{seq, static_cast<int32_t>(ids.size() + t), next, true, 0};
    ASSERT_TRUE(pass.Run({&row, 1}, kv, pool, {}, &out, adapters).ok());
    step = out.logits;
  }
}

class LoraReferenceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LoraReferenceTest, FullAndMaskedAdapterRunsMatchPeft) {
  const std::string dir = GetParam();
  auto model = Model::Load(dir + "/model");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto ref = SafetensorsFile::Open(dir + "/reference.safetensors");
  ASSERT_TRUE(ref.ok());
  int masked_runs = 0;
  for (const std::string variant : {"lora", "rslora"}) {
    SCOPED_TRACE(variant);
    auto adapter = LoraAdapter::Load(dir + "/adapter_" + variant, (*model)->adapter_shape());
    ASSERT_TRUE(adapter.ok()) << adapter.status().ToString();
    for (int i = 0; ref->Find("input_ids." + std::to_string(i)) != nullptr; ++i) {
      const std::string s = std::to_string(i);
      const auto ids = test::TokenIds(*ref->Find("input_ids." + s));
      CheckAdapterRun(**model, **adapter, *ref, ids, 0, variant + ".logits." + s,
                      variant + ".gen_tokens." + s, variant + ".gen_logits." + s);
      for (int64_t k = 1; k < static_cast<int64_t>(ids.size()); ++k) {
        const std::string suffix = "." + s + ".k" + std::to_string(k);
        if (ref->Find(variant + ".masked_logits" + suffix) == nullptr) continue;
        SCOPED_TRACE("k=" + std::to_string(k));
        CheckAdapterRun(**model, **adapter, *ref, ids, k, variant + ".masked_logits" + suffix,
                        variant + ".masked_gen_tokens" + suffix,
                        variant + ".masked_gen_logits" + suffix);
        ++masked_runs;
      }
    }
  }
  EXPECT_GE(masked_runs, 2);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LoraReferenceTest, ::testing::ValuesIn(test::HfFixtureDirs()),
                         [](const auto& info) { return test::FixtureTestName(info.param); });

}  // namespace
}  // namespace edgereason

namespace edgereason {
namespace {

// LoRA matrices held in bf16, int8 or 4-bit (q8_0 / q4_0 for A; B of rank 8
// falls back to bf16) over f32 and quantized bases stay close to the f32
// adapter.
TEST(LoraPrecisionTest, ReducedPrecisionAdaptersStayCloseToF32) {
  const std::string dir = test::SharedPath("fixtures/hf-reference/qwen2-tied");
  auto ref = SafetensorsFile::Open(dir + "/reference.safetensors");
  ASSERT_TRUE(ref.ok());
  const auto ids = test::TokenIds(*ref->Find("input_ids.2"));
  const auto want = test::F32Values(*ref->Find("lora.logits.2"));
  struct Case {
    WeightFormat base, lora;
    float bound;  // max |Δlogit| against the f32 PEFT reference (|logits| ≤ 7)
  };
  for (const Case& c : {Case{WeightFormat::kF32, WeightFormat::kBF16, 0.1f},
                        Case{WeightFormat::kF32, WeightFormat::kQ8_0, 0.3f},
                        Case{WeightFormat::kBF16, WeightFormat::kBF16, 0.3f},
                        Case{WeightFormat::kQ8_0, WeightFormat::kQ8_0, 1.0f},
                        // 4-bit A and B: ten times the int8 error (measured 0.61).
                        Case{WeightFormat::kF32, WeightFormat::kQ4_0, 1.0f}}) {
    SCOPED_TRACE(std::string(WeightFormatName(c.base)) + " base, " +
                 std::string(WeightFormatName(c.lora)) + " LoRA");
    auto model = Model::Load(dir + "/model", {.weight_format = c.base});
    ASSERT_TRUE(model.ok());
    auto adapter = LoraAdapter::Load(dir + "/adapter_lora", (*model)->adapter_shape(), {.format = c.lora});
    ASSERT_TRUE(adapter.ok()) << adapter.status().ToString();
    EXPECT_EQ((*adapter)->Find(0, LinearSlot::kQ)->a.format, c.lora);
    const ModelConfig& cfg = (*model)->config();
    ThreadPool pool(2);
    ForwardPass pass(*model);
    KvCache kv({cfg.num_layers, cfg.num_kv_heads, cfg.head_dim}, 1024);
    const int32_t seq = kv.AddSequence();
    const LoraAdapter* adapters[] = {adapter->get()};
    std::vector<TokenRow> rows;
    for (size_t p = 0; p < ids.size(); ++p) rows.push_back({seq, static_cast<int32_t>(p), ids[p], true, 0});
    ForwardOutput out;
    ASSERT_TRUE(pass.Run(rows, kv, pool, {}, &out, adapters).ok());
    const float diff = test::MaxAbsDiff(out.logits.data(), want.data(), want.size());
    std::printf("base %-5s LoRA %-5s max|Δlogit| vs PEFT f32 %.4f\n",
                std::string(WeightFormatName(c.base)).c_str(),
                std::string(WeightFormatName(c.lora)).c_str(), diff);
    EXPECT_LT(diff, c.bound);
  }
  EXPECT_FALSE(LoraAdapter::Load(dir + "/adapter_lora", AdapterShapeOf(*LoadModelConfig(dir + "/model")),
                                 {.format = WeightFormat::kQ4_PC}).ok());
}

}  // namespace
}  // namespace edgereason
