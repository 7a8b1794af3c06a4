// The f32 forward pass against Hugging Face transformers' own outputs for
// every fixture in shared/fixtures/hf-reference (whatever their shapes).
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





class HfReferenceTest : public ::testing::TestWithParam<std::string> {};

TEST(HfReferenceFixtures, AreFound) { EXPECT_GE(test::HfFixtureDirs().size(), 4u); }

TEST_P(HfReferenceTest, BaseLogitsHiddenStatesAndGreedyTokens) {
  const std::string dir = GetParam();
  auto model = Model::Load(dir + "/model");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto ref = SafetensorsFile::Open(dir + "/reference.safetensors");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  const ModelConfig& c = (*model)->config();
  ThreadPool pool(2);
  ForwardPass pass(*model);

  int inputs = 0;
  for (int i = 0; ref->Find("input_ids." + std::to_string(i)) != nullptr; ++i, ++inputs) {
    SCOPED_TRACE("input " + std::to_string(i));
    const std::string s = std::to_string(i);
    const std::vector<int32_t> ids = test::TokenIds(*ref->Find("input_ids." + s));
    const int64_t L = static_cast<int64_t>(ids.size());

    KvCache kv({c.num_layers, c.num_kv_heads, c.head_dim}, 4096);
    const int32_t seq = kv.AddSequence();
    std::vector<TokenRow> rows;
    for (int64_t p = 0; p < L; ++p) rows.push_back({seq, static_cast<int32_t>(p), ids[p], true});
    ForwardOutput out;
    ASSERT_TRUE(pass.Run(rows, kv, pool, {.logits = true, .hidden_states = true}, &out).ok());

    const auto want_logits = test::F32Values(*ref->Find("base.logits." + s));
    ASSERT_EQ(out.logits.size(), want_logits.size());
    EXPECT_LT(test::MaxAbsDiff(out.logits.data(), want_logits.data(), want_logits.size()), 1e-4f);

    const auto want_final = test::F32Values(*ref->Find("base.final_hidden." + s));
    EXPECT_LT(test::MaxAbsDiff(out.final_hidden.data() + (L - 1) * c.hidden_size, want_final.data(),
                         want_final.size()), 1e-4f);

    const auto want_hidden = test::F32Values(*ref->Find("base.hidden_states." + s));
    ASSERT_EQ(out.hidden_states.size(), want_hidden.size());
    float max_abs = 0;
    for (float v : want_hidden) max_abs = std::max(max_abs, std::fabs(v));
    EXPECT_LT(test::MaxAbsDiff(out.hidden_states.data(), want_hidden.data(), want_hidden.size()),
              1e-4f + 1e-5f * max_abs);

    // Greedy decoding on the cache, EOS ignored.
    const auto want_tokens = test::TokenIds(*ref->Find("base.gen_tokens." + s));
    const auto want_gen_logits = test::F32Values(*ref->Find("base.gen_logits." + s));
    std::vector<float> step_logits(out.logits.end() - c.vocab_size, out.logits.end());
    for (size_t t = 0; t < want_tokens.size(); ++t) {
      EXPECT_LT(test::MaxAbsDiff(step_logits.data(), want_gen_logits.data() + t * c.vocab_size,
                           c.vocab_size), 1e-4f) << "step " << t;
      const int32_t next = static_cast<int32_t>(
          std::max_element(step_logits.begin(), step_logits.end()) - step_logits.begin());
      ASSERT_EQ(next, want_tokens[t]) << "greedy token " << t;
      TokenRow row{seq, static_cast<int32_t>(L + t), next, true};
      ASSERT_TRUE(pass.Run({&row, 1}, kv, pool, {}, &out).ok());
      step_logits = out.logits;
    }
  }
  EXPECT_GE(inputs, 1);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, HfReferenceTest, ::testing::ValuesIn(test::HfFixtureDirs()),
                         [](const auto& info) { return test::FixtureTestName(info.param); });

}  // namespace
}  // namespace edgereason
