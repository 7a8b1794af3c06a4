// Switcher and verifier heads: on synthetic separable features the fitted
// head reaches AUC > 0.9 and the runtime loads the written head and computes
// the trainer's probabilities; on a tiny random model the features are what
// the runtime computes (the Reasoner's switcher probability, a from-scratch
// prefill of rollout + verification prompt).
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "adapter/random_adapter.h"
#include "model/model.h"
#include "model/random_model.h"
#include "reasoning/reasoner.h"
#include "reasoning/stream_confidence.h"
#include "runtime/engine.h"
#include "test_util.h"
#include "tokenizer/tokenizer_writer.h"
#include "train/head_features.h"
#include "train/heads_command.h"

namespace edgereason::train {
namespace {

// Labels follow a linear rule on two dimensions, with 2% flipped; features
// sit far from zero with uneven scales, as hidden states do.
HeadData Synthetic(int64_t rows, int64_t dim, uint64_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  HeadData d;
  d.rows = rows;
  d.dim = dim;
  for (int64_t r = 0; r < rows; ++r) {
    float a = n(rng), b = n(rng);
    for (int64_t k = 0; k < dim; ++k) {
      const float v = k == 0 ? a : k == 1 ? b : n(rng);
      d.x.push_back(3.0f + v * (1.0f + 0.5f * float(k % 4)));
    }
    double y = a + 0.8 * b > 0 ? 1 : 0;
    if (u(rng) < 0.02) y = 1 - y;
    d.y.push_back(y);
  }
  return d;
}

TEST(TrainHeads, SwitcherSeparatesAndRuntimeReproducesProbabilities) {
  const std::string dir = test::MakeTempDir("train-switcher");
  const HeadData d = Synthetic(400, 16, 1);
  SwitcherOptions o;
  o.common.out_stem = dir + "/switcher";
  o.common.fit.epochs = 150;
  o.threshold = 0.4;
  o.pooling.kind = PoolingKind::kMean;
  auto r = TrainSwitcherHead(d, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::printf("switcher eval AUC %.3f\n", r->figures["eval_auc"].get<double>());
  EXPECT_GT(r->figures["eval_auc"].get<double>(), 0.9);
  EXPECT_EQ(r->figures["sweep"].size(), 19u);

  auto head = SwitcherHead::Load(o.common.out_stem);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ((*head)->threshold(), 0.4);
  EXPECT_EQ((*head)->pooling().kind, PoolingKind::kMean);
  double worst = 0;
  for (int64_t i = 0; i < d.rows; ++i) {
    const double p = (*head)->Probability({d.x.data() + i * d.dim, size_t(d.dim)});
    worst = std::max(worst, std::abs(p - r->probabilities[i]));
  }
  std::printf("switcher runtime vs trainer max |dp| %.2e\n", worst);
  EXPECT_LT(worst, 1e-5);
}

TEST(TrainHeads, VerifierSeparatesCalibratesAndRuntimeReproducesScores) {
  // Rows are [hidden | confidence features] with confidence, [hidden] without.
  for (bool confidence : {true, false}) {
    SCOPED_TRACE(confidence);
    const std::string dir = test::MakeTempDir("train-verifier");
    const HeadData d = Synthetic(400, 32, 2);
    VerifierOptions o;
    o.common.out_stem = dir + "/verifier";
    o.common.fit.epochs = 60;
    o.sampling.confidence = confidence;
    auto r = TrainVerifierHead(d, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    std::printf("verifier eval AUC %.3f ECE %.3f\n", r->figures["eval_auc"].get<double>(),
                r->figures["eval_ece"].get<double>());
    EXPECT_GT(r->figures["eval_auc"].get<double>(), 0.9);
    EXPECT_LT(r->figures["eval_ece"].get<double>(), 0.15);
    EXPECT_EQ(r->figures["calibration"]["bins"].size(), 10u);

    auto head = VerifierHead::Load(o.common.out_stem + ".json");
    ASSERT_TRUE(head.ok()) << head.status().ToString();
    EXPECT_EQ((*head)->reads_confidence(), confidence);
    const int64_t hidden = confidence ? d.dim - int64_t(kConfidenceFeatures) : d.dim;
    EXPECT_EQ((*head)->hidden_size(), hidden);
    double worst = 0;
    for (int64_t i = 0; i < d.rows; ++i) {
      const float* row = d.x.data() + i * d.dim;
      ConfidenceVector c{};
      if (confidence) std::copy_n(row + hidden, kConfidenceFeatures, c.begin());
      const double p = (*head)->Score({row, size_t(hidden)}, c);
      worst = std::max(worst, std::abs(p - r->probabilities[i]));
    }
    std::printf("verifier runtime vs trainer max |dp| %.2e\n", worst);
    EXPECT_LT(worst, 1e-5);
  }
}

TEST(TrainHeads, OneClassIsAClearError) {
  HeadData d = Synthetic(20, 4, 3);
  for (double& y : d.y) y = 1;
  VerifierOptions o;
  o.common.out_stem = test::MakeTempDir("train-heads-bad") + "/v";
  auto r = TrainVerifierHead(d, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("one class"), std::string::npos);
}

struct TinyModel {
  std::string dir, model;
  std::vector<ProblemRow> rows;
};

TinyModel MakeTiny(const std::string& name) {
  TinyModel t;
  t.dir = test::MakeTempDir(name);
  t.model = t.dir + "/model";
  auto spec = RandomModelSpecByName("tiny");
  EXPECT_TRUE(spec.ok());
  EXPECT_TRUE(WriteRandomModel(*spec, DType::kF32, 7, t.model).ok());
  EXPECT_TRUE(WriteByteLevelTokenizer(t.model).ok());
  const char* qs[] = {"what is 2+3?", "name a colour", "integrate x^2 from 0 to 1, then add seven",
                      "hi"};
  for (int i = 0; i < 4; ++i) t.rows.push_back({qs[i], std::to_string(i), double(i % 2), {}, i + 1});
  return t;
}

// The trainer's switcher probability of a prompt equals the Reasoner's.
TEST(TrainHeads, SwitcherFeaturesAreTheReasonersPooling) {
  TinyModel t = MakeTiny("train-switcher-runtime");
  RuntimeFeatureOptions ro;
  ro.model_dir = t.model;
  ro.progress = false;
  PoolingConfig pooling;
  pooling.chunk_size = 8;  // several chunks per prompt
  auto feats = SwitcherFeatures(t.rows, pooling, ro);
  ASSERT_TRUE(feats.ok()) << feats.status().ToString();
  for (const ProblemRow& r : t.rows) feats->y.push_back(*r.label);
  SwitcherOptions o;
  o.common.out_stem = t.dir + "/switcher";
  o.common.eval_fraction = 0;
  o.common.fit.epochs = 5;
  o.pooling = pooling;
  auto fit = TrainSwitcherHead(*feats, o);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();

  ReasonerParts parts;
  auto model = Model::Load(t.model);
  ASSERT_TRUE(model.ok());
  parts.model = *model;
  auto tok = Tokenizer::LoadFromDirectory(t.model);
  ASSERT_TRUE(tok.ok());
  parts.tokenizer = std::move(*tok);
  auto head = SwitcherHead::Load(o.common.out_stem);
  ASSERT_TRUE(head.ok());
  parts.switcher = *head;
  ReasonerConfig rc;
  rc.prefill_chunk = 5;  // the prefill's own chunking must not matter
  auto reasoner = Reasoner::Create(parts, rc);
  ASSERT_TRUE(reasoner.ok()) << reasoner.status().ToString();
  for (size_t i = 0; i < t.rows.size(); ++i) {
    auto prompt = (*reasoner)->EncodePrompt(t.rows[i].problem);
    ASSERT_TRUE(prompt.ok());
    ASSERT_TRUE(prompt->switcher_probability.has_value());
    EXPECT_NEAR(*prompt->switcher_probability, fit->probabilities[i], 1e-5) << i;
    (*reasoner)->Release(*prompt);
  }
}

// Each verifier feature is the final hidden state of prompt + preamble +
// rollout + verification prompt, as a from-scratch prefill computes it.
TEST(TrainHeads, VerifierFeaturesAreTheFinalHiddenAfterTheVerificationPrompt) {
  TinyModel t = MakeTiny("train-verifier-runtime");
  auto model = Model::Load(t.model);
  ASSERT_TRUE(model.ok());
  RandomAdapterSpec as;
  as.rank = 4;
  ASSERT_TRUE(WriteRandomAdapter(as, (*model)->adapter_shape(), 3, t.dir + "/adapter").ok());
  RuntimeFeatureOptions ro;
  ro.model_dir = t.model;
  ro.progress = false;
  VerifierSampleOptions so;
  so.adapter_dir = t.dir + "/adapter";
  so.samples = 3;
  so.max_new_tokens = 12;
  so.budget.cap = 12;
  std::vector<ProblemRow> rows(t.rows.begin(), t.rows.begin() + 2);
  auto s = VerifierFeatures(rows, so, ro);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const int64_t h = (*model)->config().hidden_size;
  const int64_t dim = h + static_cast<int64_t>(kConfidenceFeatures);
  ASSERT_EQ(s->data.rows, 6);
  ASSERT_EQ(s->data.dim, dim);
  for (double y : s->data.y) EXPECT_TRUE(y == 0 || y == 1);
  EXPECT_GT(s->mean_generated, 0);

  // Re-run the first problem's rollouts by hand and prefill each from scratch.
  TextCodec codec = *TextCodec::Load(t.model);
  std::vector<int32_t> prompt = *codec.Encode(*codec.PromptText({{"user", rows[0].problem}}));
  const int64_t prompt_len = static_cast<int64_t>(prompt.size());
  auto pre = codec.tokenizer->Encode(RenderPreamble(so.budget), true);
  prompt.insert(prompt.end(), pre->begin(), pre->end());
  auto engine = Engine::Create(*model, {});
  ASSERT_TRUE(engine.ok());
  auto adapter = LoraAdapter::Load(so.adapter_dir, (*model)->adapter_shape());
  ASSERT_TRUE(adapter.ok());
  const int16_t id = *(*engine)->AddAdapter(*adapter);
  GenerateOptions g;
  g.max_new_tokens = so.max_new_tokens;
  g.adapter = id;
  g.activation_start = prompt_len;
  g.sampling = SamplingParams{.greedy = false, .temperature = so.temperature, .seed = so.seed};
  g.stop_token_ids = (*model)->generation_config().eos_token_ids;
  g.logprobs = true;
  if (auto eos = codec.tokenizer->TokenToId("<|im_end|>")) g.stop_token_ids.push_back(*eos);
  auto rollouts = GenerateParallel(**engine, prompt, g, so.samples);
  ASSERT_TRUE(rollouts.ok());
  auto verification = codec.tokenizer->Encode(so.verification_prompt, true);
  for (int k = 0; k < so.samples; ++k) {
    std::vector<int32_t> all = prompt;
    all.insert(all.end(), (*rollouts)[k].tokens.begin(), (*rollouts)[k].tokens.end());
    all.insert(all.end(), verification->begin(), verification->end());
    const int32_t seq = (*engine)->AddSequence();
    ASSERT_TRUE((*engine)->SetAdapter(seq, id, prompt_len).ok());
    ForwardOutput out;
    ASSERT_TRUE((*engine)->Prefill(seq, all, false, &out).ok());
    double worst = 0;
    for (int64_t j = 0; j < h; ++j) {
      worst = std::max(worst, std::abs(double(out.final_hidden[out.final_hidden.size() - h + j]) -
                                       s->data.x[k * dim + j]));
    }
    EXPECT_LT(worst, 1e-4) << k;
    // Then the rollout's confidence features, over every token it sampled.
    ASSERT_EQ((*rollouts)[k].logprobs.size(), (*rollouts)[k].tokens.size());
    const ConfidenceVector c = ConfidenceFeatures((*rollouts)[k].logprobs);
    for (size_t j = 0; j < kConfidenceFeatures; ++j) {
      EXPECT_NEAR(s->data.x[k * dim + h + j], c[j], 1e-4) << k << " feature " << j;
    }
    ASSERT_TRUE((*engine)->FreeSequence(seq).ok());
  }
}

}  // namespace
}  // namespace edgereason::train
