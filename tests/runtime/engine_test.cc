// The engine: adapters chosen per sequence and mixed in one batch, prompts
// shared by forked streams, and switching to the adapter without re-encoding.
#include "runtime/engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "io/safetensors.h"
#include "adapter/random_adapter.h"
#include "model/random_model.h"
#include "test_util.h"

namespace edgereason {
namespace {

std::string Fixture(const std::string& path) {
  return test::SharedPath("fixtures/hf-reference/qwen2-tied/" + path);
}

std::vector<int32_t> ReferenceIds(const std::string& name) {
  auto ref = SafetensorsFile::Open(Fixture("reference.safetensors"));
  const SafetensorsTensor* t = ref->Find(name);
  std::vector<int32_t> v(t->NumElements());
  for (size_t i = 0; i < v.size(); ++i) {
    int64_t x;
    std::memcpy(&x, t->data.data() + 8 * i, 8);
    v[i] = static_cast<int32_t>(x);
  }
  return v;
}

struct Loaded {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Engine> engine;
  int16_t lora = -1, rslora = -1;
};

Loaded Load(int threads = 2) {
  Loaded l;
  l.model = *Model::Load(Fixture("model"));
  l.engine = std::move(*Engine::Create(l.model, {.threads = threads}));
  l.lora = *l.engine->AddAdapter(*LoraAdapter::Load(Fixture("adapter_lora"), l.model->adapter_shape()));
  l.rslora = *l.engine->AddAdapter(*LoraAdapter::Load(Fixture("adapter_rslora"), l.model->adapter_shape()));
  return l;
}

// Logits of the next token after `prompt` + `next` for one sequence alone.
std::vector<float> AloneLogits(int16_t adapter, const std::vector<int32_t>& prompt, int32_t next) {
  Loaded l = Load();
  const int32_t seq = l.engine->AddSequence();
  EXPECT_TRUE(l.engine->SetAdapter(seq, adapter == -1 ? -1 : (adapter == 0 ? l.lora : l.rslora), 0).ok());
  ForwardOutput out;
  EXPECT_TRUE(l.engine->Prefill(seq, prompt, false, &out).ok());
  TokenRow row{seq, static_cast<int32_t>(prompt.size()), next, true};
  EXPECT_TRUE(l.engine->Decode({&row, 1}, &out).ok());
  return out.logits;
}

TEST(EngineTest, MixedBatchOfBaseAndTwoAdaptersMatchesEachRowAlone) {
  const auto prompt = ReferenceIds("input_ids.1");
  Loaded l = Load();
  const int16_t choice[] = {-1, 0, 1, 0, -1, 1};
  std::vector<int32_t> seqs;
  ForwardOutput out;
  for (int16_t c : choice) {
    const int32_t seq = l.engine->AddSequence();
    ASSERT_TRUE(l.engine->SetAdapter(seq, c == -1 ? -1 : (c == 0 ? l.lora : l.rslora), 0).ok());
    ASSERT_TRUE(l.engine->Prefill(seq, prompt, false, &out).ok());
    seqs.push_back(seq);
  }
  std::vector<TokenRow> rows;
  for (size_t i = 0; i < seqs.size(); ++i) {
    rows.push_back({seqs[i], static_cast<int32_t>(prompt.size()), static_cast<int32_t>(10 + i), true});
  }
  ASSERT_TRUE(l.engine->Decode(rows, &out).ok());
  const int64_t vocab = l.model->config().vocab_size;
  for (size_t i = 0; i < seqs.size(); ++i) {
    const auto alone = AloneLogits(choice[i], prompt, static_cast<int32_t>(10 + i));
    float diff = 0;
    for (int64_t v = 0; v < vocab; ++v) diff = std::max(diff, std::fabs(alone[v] - out.logits[i * vocab + v]));
    EXPECT_LE(diff, 1e-5f) << "row " << i;
  }
}

TEST(EngineTest, ForkedGreedyStreamsShareThePromptAndEqualASingleRun) {
  const auto prompt = ReferenceIds("input_ids.2");  // 33 tokens: 2 full blocks + 1 partial
  GenerateOptions options;
  options.max_new_tokens = 20;
  options.sampling.greedy = true;
  options.ignore_eos = true;
  options.adapter = 0;
  Loaded single = Load();
  auto one = Generate(*single.engine, prompt, options);
  ASSERT_TRUE(one.ok());

  Loaded l = Load();
  const int64_t block_bytes = 3 * 2 * 16 * 32 * 4;  // layers × (K,V) × block × kv_dim × f32
  // Peak KV: measured through a callback-free run by checking the cache after prefill+fork.
  auto streams = GenerateParallel(*l.engine, prompt, options, 8);
  ASSERT_TRUE(streams.ok()) << streams.status().ToString();
  EXPECT_EQ(l.engine->counters().prompt_tokens_encoded, static_cast<int64_t>(prompt.size()));
  for (const auto& s : *streams) EXPECT_EQ(s.tokens, one->tokens);
  EXPECT_EQ(l.engine->kv_cache().BytesInUse(), 0) << "streams free their blocks";

  // KV accounting: prompt blocks once, plus each stream's own blocks.
  const int32_t root = l.engine->AddSequence();
  ForwardOutput out;
  ASSERT_TRUE(l.engine->Prefill(root, prompt, false, &out).ok());
  EXPECT_EQ(l.engine->kv_cache().BytesInUse(), 3 * block_bytes);
  auto children = l.engine->Fork(root, 8);
  ASSERT_TRUE(children.ok());
  EXPECT_EQ(l.engine->kv_cache().BytesInUse(), 3 * block_bytes);
  std::vector<TokenRow> rows;
  for (int32_t c : *children) rows.push_back({c, 33, 5, true});
  ASSERT_TRUE(l.engine->Decode(rows, &out).ok());
  // Each stream wrote position 33 into the shared partial block: 8 private copies.
  EXPECT_EQ(l.engine->kv_cache().BytesInUse(), (3 + 8) * block_bytes);
}

TEST(EngineTest, SwitchingToTheAdapterReencodesNothing) {
  auto spec = RandomModelSpecByName("tiny");
  const std::string dir = test::MakeTempDir("er-switch");
  ASSERT_TRUE(WriteRandomModel(*spec, DType::kF32, 5, dir).ok());
  auto model = *Model::Load(dir);
  auto engine = std::move(*Engine::Create(model, {.threads = 2}));
  std::vector<int32_t> prompt(512);
  for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = static_cast<int32_t>((i * 37) % 250);
  const int32_t seq = engine->AddSequence();
  ForwardOutput out;
  ASSERT_TRUE(engine->Prefill(seq, prompt, false, &out).ok());  // base prefill
  EXPECT_EQ(engine->counters().prompt_tokens_encoded, 512);
  EXPECT_EQ(engine->SetAdapter(seq, 3, 512).code(), StatusCode::kInvalidArgument);

  const std::string adapter_dir = dir + "/adapter";
  RandomAdapterSpec adapter_spec;
  adapter_spec.rank = 8;
  ASSERT_TRUE(WriteRandomAdapter(adapter_spec, model->adapter_shape(), 9, adapter_dir).ok());
  const int16_t adapter = *engine->AddAdapter(*LoraAdapter::Load(adapter_dir, model->adapter_shape()));
  ASSERT_TRUE(engine->SetAdapter(seq, adapter, 512).ok());  // reasoning mode from here on
  int32_t token = ArgMax(std::span<const float>(out.logits.end() - model->config().vocab_size, out.logits.end()));
  for (int step = 0; step < 8; ++step) {
    TokenRow row{seq, static_cast<int32_t>(512 + step), token, true};
    ASSERT_TRUE(engine->Decode({&row, 1}, &out).ok());
    token = ArgMax(out.logits);
  }
  EXPECT_EQ(engine->counters().prompt_tokens_encoded, 512) << "no prompt token re-encoded";
  EXPECT_EQ(engine->counters().tokens_decoded, 8);
}

TEST(EngineTest, MaskedGenerationMatchesPeftAndBadStartsAreRejected) {
  const auto prompt = ReferenceIds("input_ids.2");
  Loaded l = Load();
  GenerateOptions options;
  options.max_new_tokens = 20;
  options.sampling.greedy = true;
  options.ignore_eos = true;
  options.adapter = l.rslora;
  options.activation_start = 16;
  auto r = Generate(*l.engine, prompt, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tokens, ReferenceIds("rslora.masked_gen_tokens.2.k16"));
  options.activation_start = 34;
  auto bad = Generate(*l.engine, prompt, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("beyond the prompt"), std::string::npos);
}

TEST(EngineTest, ReducedPrecisionKvCachesStayCloseToF32) {
  const auto prompt = ReferenceIds("input_ids.2");
  auto model = *Model::Load(Fixture("model"));
  std::vector<float> f32_logits;
  for (KvDType dtype : {KvDType::kF32, KvDType::kF16, KvDType::kBF16, KvDType::kInt8}) {
    SCOPED_TRACE(KvDTypeName(dtype));
    auto engine = std::move(*Engine::Create(model, {.threads = 2, .kv_dtype = dtype}));
    const int32_t seq = engine->AddSequence();
    ForwardOutput out;
    ASSERT_TRUE(engine->Prefill(seq, prompt, /*all_logits=*/true, &out).ok());
    if (dtype == KvDType::kF32) {
      f32_logits = out.logits;
      continue;
    }
    float diff = 0;
    for (size_t i = 0; i < out.logits.size(); ++i) diff = std::max(diff, std::fabs(out.logits[i] - f32_logits[i]));
    std::printf("KV %-5s max|Δlogit| vs f32 KV %.4f\n", KvDTypeName(dtype), diff);
    // Fixture logits span ±7; int8 keys move scores by up to ~1%.
    EXPECT_LT(diff, dtype == KvDType::kInt8 ? 0.5f : dtype == KvDType::kBF16 ? 0.2f : 0.02f);
    EXPECT_LT(engine->kv_cache().BytesInUse(), 3 * 2 * 16 * 32 * 4 * 3);
  }
}

// Prefill in chunks of rows (bounded activation memory) gives the logits and
// final hidden states of one call over the whole prompt, with the adapter
// switched on mid-prompt, and counts every prompt row once.
TEST(EngineTest, ChunkedPrefillEqualsOneCall) {
  const auto model = *Model::Load(Fixture("model"));
  const auto adapter = *LoraAdapter::Load(Fixture("adapter_lora"), model->adapter_shape());
  const std::vector<int32_t> prompt = ReferenceIds("input_ids.2");
  ASSERT_GE(prompt.size(), 5u);
  auto run = [&](int64_t chunk, bool all_logits) {
    auto engine = std::move(*Engine::Create(model, {.threads = 2, .prefill_chunk = chunk}));
    const int16_t id = *engine->AddAdapter(adapter);
    const int32_t seq = engine->AddSequence();
    EXPECT_TRUE(engine->SetAdapter(seq, id, 2).ok());
    ForwardOutput out;
    EXPECT_TRUE(engine->Prefill(seq, prompt, all_logits, &out).ok());
    EXPECT_EQ(engine->counters().prompt_tokens_encoded, static_cast<int64_t>(prompt.size()));
    return out;
  };
  for (bool all_logits : {false, true}) {
    const ForwardOutput whole = run(1024, all_logits);
    for (int64_t chunk : {1, 2, 3}) {
      SCOPED_TRACE("chunk " + std::to_string(chunk) + (all_logits ? " all logits" : " last logits"));
      const ForwardOutput chunked = run(chunk, all_logits);
      EXPECT_EQ(chunked.num_outputs, whole.num_outputs);
      ASSERT_EQ(chunked.logits.size(), whole.logits.size());
      for (size_t i = 0; i < whole.logits.size(); ++i) ASSERT_NEAR(chunked.logits[i], whole.logits[i], 1e-5f);
      ASSERT_EQ(chunked.final_hidden.size(), whole.final_hidden.size());
    }
  }
  EXPECT_FALSE(Engine::Create(model, {.threads = 1, .prefill_chunk = 0}).ok());
}

}  // namespace
}  // namespace edgereason
