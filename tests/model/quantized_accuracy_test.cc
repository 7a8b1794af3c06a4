// Accuracy of the fast weight formats against the f32 reference path on the
// transformers fixtures: logits max abs error and mean KL divergence per
// token, and greedy tokens for q8_0.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <numeric>

#include "io/safetensors.h"
#include "model/forward.h"
#include "model/model.h"
#include "test_util.h"

namespace edgereason {
namespace {

struct Bounds {
  WeightFormat format;
  float max_abs;  // logits, fixture scale |logit| ≤ 7
  double mean_kl;
  // Fraction of prompt positions whose argmax equals f32's (teacher-forced).
  double argmax_agreement;
};

// Measured on the public fixtures (see the printed table) with headroom.
// The fixtures are random models (weights ~ N(0, 0.2²), residual stream up to
// |x| ≈ 39, nearly flat next-token distributions), a harsh case for 4-bit
// formats; real checkpoints quantize far better. Measured maxima over the
// public fixtures: bf16 0.133 / 2.7e-4, q8_0 0.668 / 5.2e-3, q4_0 7.05 / 0.50,
// q4_pc 7.03 / 0.72.
constexpr Bounds kBounds[] = {
    {WeightFormat::kBF16, 0.25f, 1e-3, 0.95},
    {WeightFormat::kQ8_0, 1.0f, 1e-2, 0.85},
    {WeightFormat::kQ4_0, 10.0f, 0.8, 0.0},
    {WeightFormat::kQ4_PC, 10.0f, 1.2, 0.0},
};


// Logits [L, V] of a prompt and the 20 greedy tokens after it.
std::pair<std::vector<float>, std::vector<int32_t>> RunPromptAndGreedy(std::shared_ptr<const Model> model,
                                                                       const std::vector<int32_t>& ids) {
  const ModelConfig& c = model->config();
  ThreadPool pool(2);
  ForwardPass pass(model);
  KvCache kv({c.num_layers, c.num_kv_heads, c.head_dim}, 1024);
  const int32_t seq = kv.AddSequence();
  std::vector<TokenRow> rows;
  for (size_t p = 0; p < ids.size(); ++p) rows.push_back({seq, static_cast<int32_t>(p), ids[p], true});
  ForwardOutput out;
  EXPECT_TRUE(pass.Run(rows, kv, pool, {}, &out).ok());
  std::vector<float> logits = out.logits;
  std::vector<int32_t> tokens;
  std::vector<float> step(out.logits.end() - c.vocab_size, out.logits.end());
  for (int t = 0; t < 20; ++t) {
    tokens.push_back(static_cast<int32_t>(std::max_element(step.begin(), step.end()) - step.begin()));
    TokenRow row{seq, static_cast<int32_t>(ids.size() + t), tokens.back(), true};
    EXPECT_TRUE(pass.Run({&row, 1}, kv, pool, {}, &out).ok());
    step = out.logits;
  }
  return {logits, tokens};
}

double KlDivergence(const float* p_logits, const float* q_logits, int64_t n) {
  auto log_softmax = [n](const float* l) {
    std::vector<double> out(l, l + n);
    const double m = *std::max_element(out.begin(), out.end());
    double sum = 0;
    for (double v : out) sum += std::exp(v - m);
    const double lse = m + std::log(sum);
    for (double& v : out) v -= lse;
    return out;
  };
  const auto lp = log_softmax(p_logits), lq = log_softmax(q_logits);
  double kl = 0;
  for (int64_t i = 0; i < n; ++i) kl += std::exp(lp[i]) * (lp[i] - lq[i]);
  return kl;
}

TEST(QuantizedAccuracyTest, FastFormatsStayCloseToF32OnEveryFixture) {
  const std::string root = test::SharedPath("fixtures/hf-reference");
  int fixtures = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (!std::filesystem::exists(entry.path() / "model" / "config.json")) continue;
    const std::string dir = entry.path().string();
    SCOPED_TRACE(dir);
    ++fixtures;
    auto ref = SafetensorsFile::Open(dir + "/reference.safetensors");
    ASSERT_TRUE(ref.ok());
    const auto ids = test::TokenIds(*ref->Find("input_ids.2"));
    auto f32 = Model::Load(dir + "/model");
    ASSERT_TRUE(f32.ok());
    const int64_t vocab = (*f32)->config().vocab_size;
    const auto [base_logits, base_tokens] = RunPromptAndGreedy(*f32, ids);
    for (const Bounds& b : kBounds) {
      auto model = Model::Load(dir + "/model", {.weight_format = b.format});
      ASSERT_TRUE(model.ok()) << model.status().ToString();
      EXPECT_EQ((*model)->weight_format(), b.format);
      const auto [logits, tokens] = RunPromptAndGreedy(*model, ids);
      float max_abs = 0;
      double kl = 0;
      int same_argmax = 0;
      for (size_t p = 0; p < ids.size(); ++p) {
        kl += KlDivergence(base_logits.data() + p * vocab, logits.data() + p * vocab, vocab);
        same_argmax += std::max_element(base_logits.begin() + p * vocab, base_logits.begin() + (p + 1) * vocab) - base_logits.begin() ==
                       std::max_element(logits.begin() + p * vocab, logits.begin() + (p + 1) * vocab) - logits.begin();
        for (int64_t v = 0; v < vocab; ++v) {
          max_abs = std::max(max_abs, std::fabs(base_logits[p * vocab + v] - logits[p * vocab + v]));
        }
      }
      kl /= static_cast<double>(ids.size());
      const double agreement = static_cast<double>(same_argmax) / static_cast<double>(ids.size());
      std::printf("%-16s %-6s max|Δlogit| %.4f  mean KL %.2e  argmax agreement %.2f  "
                  "free-running greedy tokens equal %d/20\n",
                  entry.path().filename().c_str(), std::string(WeightFormatName(b.format)).c_str(),
                  max_abs, kl, agreement,
                  static_cast<int>(std::inner_product(tokens.begin(), tokens.end(), base_tokens.begin(), 0,
                                                      std::plus<>(), std::equal_to<>())));
      EXPECT_LT(max_abs, b.max_abs) << WeightFormatName(b.format);
      EXPECT_LT(kl, b.mean_kl) << WeightFormatName(b.format);
      EXPECT_GE(agreement, b.argmax_agreement) << WeightFormatName(b.format);
      // Free-running greedy decoding is NOT asserted equal: the fixtures'
      // top-2 margins go down to 0.004, below the error of any 8-bit weight
      // format (weight-only q8_0 with f32 activations diverges too).
    }
  }
  EXPECT_GE(fixtures, 4);
}

}  // namespace
}  // namespace edgereason
