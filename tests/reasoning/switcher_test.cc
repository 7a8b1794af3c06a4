// The switcher pools exactly the chunked EMA (or mean) it documents, over the
// same final hidden states the logits path returns, and routes by threshold;
// the chat route runs no adapter rows.
#include "reasoning/switcher.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <filesystem>
#include <random>

#include "base/file.h"
#include "reasoning/reasoner.h"
#include "reasoning_test_util.h"
#include "test_util.h"

namespace edgereason {
namespace {

std::string Fixture(const std::string& name) {
  return test::SharedPath("fixtures/hf-reference/" + name);
}

std::vector<int32_t> RandomIds(int n, int vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int32_t> ids(n);
  for (int32_t& id : ids) id = static_cast<int32_t>(rng() % vocab);
  return ids;
}

// The documented pooling, computed by hand from [rows, h] hidden states.
std::vector<double> ExpectedPooling(const std::vector<float>& hidden, int64_t rows, int64_t h,
                                    const PoolingConfig& p) {
  std::vector<double> pooled(h, 0.0);
  bool first = true;
  for (int64_t begin = 0; begin < rows; begin += p.chunk_size) {
    const int64_t end = std::min(rows, begin + p.chunk_size);
    for (int64_t j = 0; j < h; ++j) {
      double mean = 0;
      for (int64_t r = begin; r < end; ++r) mean += hidden[r * h + j];
      mean /= static_cast<double>(end - begin);
      pooled[j] = p.kind == PoolingKind::kMean ? pooled[j] + mean * (end - begin) / rows
                  : first                     ? mean
                                              : p.alpha * mean + (1 - p.alpha) * pooled[j];
    }
    first = false;
  }
  return pooled;
}

TEST(SwitcherTest, PoolsTheDocumentedEmaOverHiddenStatesOfTheLogitsPath) {
  for (const char* name : {"qwen2-tied", "llama-untied"}) {
    SCOPED_TRACE(name);
    auto model = *Model::Load(Fixture(name) + "/model");
    const int64_t h = model->config().hidden_size;
    const auto prompt = RandomIds(300, static_cast<int>(model->config().vocab_size), 5);

    // Reference: the logits path with every row's logits keeps final_hidden per row.
    auto ref_engine = *Engine::Create(model, {.threads = 2});
    const int32_t ref_seq = ref_engine->AddSequence();
    ForwardOutput ref;
    ASSERT_TRUE(ref_engine->Prefill(ref_seq, prompt, /*all_logits=*/true, &ref).ok());
    ASSERT_EQ(ref.num_outputs, 300);

    for (PoolingConfig pooling : {PoolingConfig{PoolingKind::kChunkEma, 128, 0.5},
                                  PoolingConfig{PoolingKind::kChunkEma, 64, 0.3},
                                  PoolingConfig{PoolingKind::kMean, 128, 0.5}}) {
      const auto expected = ExpectedPooling(ref.final_hidden, 300, h, pooling);
      // The prefill's own chunking (128 or 50 rows) must not matter.
      for (int64_t prefill_chunk : {128, 50}) {
        auto engine = *Engine::Create(model, {.threads = 2});
        const int32_t seq = engine->AddSequence();
        HiddenPooler pooler(h, pooling);
        std::vector<float> last_logits;
        int calls = 0;
        ASSERT_TRUE(engine->PrefillChunked(seq, prompt, prefill_chunk,
                                           [&](std::span<const float> hidden, int64_t rows) {
                                             EXPECT_LE(rows, prefill_chunk);
                                             ++calls;
                                             pooler.Add(hidden, rows);
                                             return Status::Ok();
                                           },
                                           &last_logits).ok());
        EXPECT_EQ(calls, (300 + prefill_chunk - 1) / prefill_chunk);
        EXPECT_EQ(engine->counters().prompt_tokens_encoded, 300);
        const auto pooled = pooler.Pooled();
        double worst = 0;
        for (int64_t j = 0; j < h; ++j) worst = std::max(worst, std::fabs(pooled[j] - expected[j]));
        EXPECT_LT(worst, 1e-4);
        std::cout << "[ figures  ] " << name << " pooling " << static_cast<int>(pooling.kind)
                  << " chunk " << pooling.chunk_size << " prefill chunk " << prefill_chunk
                  << ": max |pooled - expected| = " << worst << "\n";
        // The last logits equal the logits path's last row.
        const int64_t v = model->config().vocab_size;
        ASSERT_EQ(static_cast<int64_t>(last_logits.size()), v);
        double logit_diff = 0;
        for (int64_t j = 0; j < v; ++j) {
          logit_diff = std::max(logit_diff, static_cast<double>(std::fabs(
                                                last_logits[j] - ref.logits[299 * v + j])));
        }
        EXPECT_LT(logit_diff, 1e-4);
      }
    }
  }
}

TEST(SwitcherTest, HeadComputesTheMlpAndRoundTripsThroughItsFiles) {
  SwitcherWeights w;
  w.hidden_size = 3;
  w.hidden_units = 2;
  w.fc1_weight = {1, 0, 0, 0, 1, -1};
  w.fc1_bias = {0, 0.5f};
  w.fc2_weight = {2, -1};
  w.fc2_bias = {0.25f};
  w.threshold = 0.4;
  const std::string stem = test::MakeTempDir("er-switcher") + "/switcher";
  ASSERT_TRUE(WriteSwitcherHead(stem, w).ok());
  auto head = SwitcherHead::Load(stem + ".safetensors");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  // x = (1, 2, 3): z = (1, 2 - 3 + 0.5 = -0.5) -> relu (1, 0) -> 2 + 0.25.
  const std::vector<float> x = {1, 2, 3};
  EXPECT_NEAR((*head)->Probability(x), 1 / (1 + std::exp(-2.25)), 1e-12);
  EXPECT_EQ((*head)->threshold(), 0.4);
  EXPECT_TRUE(SwitcherHead::Load(stem).ok());  // the stem works too
  EXPECT_TRUE(SwitcherHead::Load(stem + ".json").ok());
}

TEST(SwitcherTest, RoutesByThresholdAndTheChatRouteRunsNoAdapterRows) {
  test::TinyParts tiny = test::LoadTiny();
  const int64_t h = tiny.model->config().hidden_size;
  auto switcher = test::RandomSwitcher(h, 0.5, 3);
  ReasonerConfig config;
  config.mode = ReasoningMode::kAuto;
  config.budget.cap = 8;
  config.budget.answer_tokens = 4;
  config.chat_max_tokens = 8;
  config.streams = 2;
  auto reasoner = *Reasoner::Create({tiny.model, tiny.tokenizer, tiny.adapter, switcher, nullptr,
                                     {.threads = 2}},
                                    config);
  // The probability the head gives this question.
  auto prompt = reasoner->EncodePrompt("What is 2+3?");
  ASSERT_TRUE(prompt.ok());
  const double p = *prompt->switcher_probability;
  reasoner->Release(*prompt);
  ASSERT_GT(p, 0.02);
  ASSERT_LT(p, 0.98);

  config.threshold = p + 0.01;  // below the threshold: chat
  ASSERT_TRUE(reasoner->SetConfig(config).ok());
  auto chat = reasoner->Answer("What is 2+3?");
  ASSERT_TRUE(chat.ok()) << chat.status().ToString();
  EXPECT_EQ(chat->route, "chat");
  EXPECT_NEAR(*chat->switcher_probability, p, 1e-12);
  EXPECT_EQ(chat->adapter_rows, 0);
  EXPECT_EQ(chat->outcome.preamble_tokens, 0);
  EXPECT_EQ(chat->prompt_tokens_encoded, chat->prompt_tokens);

  config.threshold = p - 0.01;  // above: reason, with the adapter on after the prompt
  ASSERT_TRUE(reasoner->SetConfig(config).ok());
  auto reason = reasoner->Answer("What is 2+3?");
  ASSERT_TRUE(reason.ok()) << reason.status().ToString();
  EXPECT_EQ(reason->route, "reason");
  EXPECT_GT(reason->adapter_rows, 0);
  EXPECT_EQ(reason->prompt_tokens_encoded, reason->prompt_tokens + reason->outcome.preamble_tokens);

  config.mode = ReasoningMode::kOff;  // off never reasons, on always does
  ASSERT_TRUE(reasoner->SetConfig(config).ok());
  EXPECT_EQ(reasoner->Answer("What is 2+3?")->route, "chat");
  config.mode = ReasoningMode::kOn;
  config.threshold = 1.0;
  ASSERT_TRUE(reasoner->SetConfig(config).ok());
  EXPECT_EQ(reasoner->Answer("What is 2+3?")->route, "reason");
}

TEST(SwitcherTest, BadHeadFilesGiveClearErrors) {
  const std::string dir = test::MakeTempDir("er-switcher-bad");
  EXPECT_FALSE(SwitcherHead::Load(dir + "/missing").ok());
  SwitcherWeights w;
  w.hidden_size = 4;
  w.fc1_weight.assign(32, 0.1f);
  w.fc1_bias.assign(8, 0);
  w.fc2_weight.assign(8, 1);
  w.fc2_bias = {0};
  ASSERT_TRUE(WriteSwitcherHead(dir + "/s", w).ok());
  auto check = [&](const std::string& json, const std::string& culprit) {
    ASSERT_TRUE(WriteFileAtomic(dir + "/s.json", json).ok());
    auto r = SwitcherHead::Load(dir + "/s");
    ASSERT_FALSE(r.ok()) << json;
    EXPECT_NE(r.status().message().find(culprit), std::string::npos) << r.status().message();
  };
  check("{", "s.json");
  check("[]", "object");
  check(R"({"kind":"verifier","hidden_size":4})", "kind");
  check(R"({"kind":"switcher"})", "hidden_size");
  check(R"({"kind":"switcher","hidden_size":5})", "fc1.weight");
  check(R"({"kind":"switcher","hidden_size":4,"ema_alpha":0})", "ema_alpha");
  check(R"({"kind":"switcher","hidden_size":4,"threshold":"high"})", "threshold");
  check(R"({"kind":"switcher","hidden_size":4,"pooling":"max"})", "pooling");
  check(R"({"kind":"switcher","hidden_size":1e300})", "hidden_size");
  check(R"({"kind":"switcher","hidden_size":-4})", "hidden_size");
  // Garbage safetensors bytes.
  ASSERT_TRUE(WriteFileAtomic(dir + "/s.json", R"({"kind":"switcher","hidden_size":4})").ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/s.safetensors", "\x05\x00\x00\x00\x00\x00\x00\x00{}").ok());
  EXPECT_FALSE(SwitcherHead::Load(dir + "/s").ok());
}

}  // namespace
}  // namespace edgereason
