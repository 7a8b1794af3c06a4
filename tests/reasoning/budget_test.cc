// Budget forcing: the preamble states the bucket, the cap yields exactly cap +
// forced tokens through the ordinary decode path, multi-token tags are never
// doubled, and generations split into thinking and answer.
#include "reasoning/budget.h"

#include <gtest/gtest.h>
#include <set>

#include "reasoning/parallel_streams.h"
#include "reasoning/stream_confidence.h"
#include "reasoning_test_util.h"

namespace edgereason {
namespace {

std::vector<int32_t> Bytes(const Tokenizer& tok, const std::string& text) {
  return *tok.Encode(text, /*parse_special=*/false);
}

TEST(BudgetTest, PreambleStatesTheBucketThatHoldsTheCap) {
  BudgetConfig c;
  c.preamble_template = "budget {budget}; again {budget}.";
  c.cap = 2500;
  EXPECT_EQ(RenderPreamble(c), "budget 3000; again 3000.");
  c.cap = 1000;
  EXPECT_EQ(BudgetBucket(c, c.cap), 1000);
  c.cap = 99999;
  EXPECT_EQ(BudgetBucket(c, c.cap), 6000);  // the largest when none holds it
  c.buckets.clear();
  EXPECT_EQ(BudgetBucket(c, 77), 77);
}

TEST(BudgetTest, SplitsThinkingFromTheAnswer) {
  BudgetConfig c;
  auto s = SplitThinking("<think>\nLet me see. 2+3=5\n</think>\n\nFinal answer: \\boxed{5}", c);
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.thinking, "Let me see. 2+3=5");
  EXPECT_EQ(s.answer, "Final answer: \\boxed{5}");
  s = SplitThinking("still thinking about 7", c);
  EXPECT_FALSE(s.closed);
  EXPECT_EQ(s.answer, "");
  // A forced "\boxed{" left open by a short answer budget still yields the answer.
  EXPECT_EQ(ReasoningAnswer("hmm\n</think>\n\nFinal answer: \\boxed{\\frac{1}{2}", c), "\\frac{1}{2}");
  EXPECT_EQ(ReasoningAnswer("so the answer is \\boxed{12}", c), "12");
  EXPECT_EQ(ReasoningAnswer("", c), "");
  EXPECT_EQ(ReasoningAnswer("</think>", c), "");
  EXPECT_EQ(ReasoningAnswer(std::string(200000, '{'), c), "");  // bounded, no crash
}

TEST(BudgetTest, TrackerForcesOnlyTheUnwrittenRestOfAMultiTokenTag) {
  test::TinyParts tiny = test::LoadTiny();
  BudgetConfig c;
  const std::string written = "abc\n</th";  // the stream began the tag itself
  c.cap = static_cast<int64_t>(written.size());
  c.answer_tokens = 2;
  BudgetTracker t(c, tiny.tokenizer.get(), /*thinking=*/true);
  for (int32_t id : Bytes(*tiny.tokenizer, written)) ASSERT_TRUE(t.Push(id).ok());
  ASSERT_EQ(t.phase(), BudgetTracker::Phase::kForcing);
  std::string forced;
  while (t.phase() == BudgetTracker::Phase::kForcing) {
    const int32_t id = t.NextForced();
    forced += *tiny.tokenizer->Decode(std::vector<int32_t>{id});
    ASSERT_TRUE(t.Push(id).ok());
  }
  EXPECT_EQ(forced, "ink>\n\nFinal answer: \\boxed{");
  EXPECT_TRUE(t.forced_cap());
  ASSERT_EQ(t.phase(), BudgetTracker::Phase::kAnswer);
  ASSERT_TRUE(t.Push('4').ok());
  ASSERT_TRUE(t.Push('}').ok());
  EXPECT_EQ(t.phase(), BudgetTracker::Phase::kDone);

  // A stream that closes its thinking itself is never forced, even when the
  // tag arrives one byte per token.
  BudgetTracker natural(c, tiny.tokenizer.get(), true);
  c.cap = 100;
  for (int32_t id : Bytes(*tiny.tokenizer, "ok</think>")) ASSERT_TRUE(natural.Push(id).ok());
  EXPECT_EQ(natural.phase(), BudgetTracker::Phase::kAnswer);
  EXPECT_FALSE(natural.forced_cap());

  // Multi-byte characters: the forced text starts on a fresh byte.
  c.cap = 1;
  BudgetTracker utf8(c, tiny.tokenizer.get(), true);
  ASSERT_TRUE(utf8.Push(Bytes(*tiny.tokenizer, "é")[0]).ok());  // half of a character
  EXPECT_EQ(utf8.phase(), BudgetTracker::Phase::kForcing);
  EXPECT_EQ(utf8.NextForced(), Bytes(*tiny.tokenizer, "\n")[0]);
}

TEST(BudgetTest, BadConfigsAreRejected) {
  BudgetConfig c;
  c.cap = 0;
  EXPECT_FALSE(ValidateBudgetConfig(c).ok());
  c.cap = 10;
  c.forced_text = "Final answer:";  // no end tag
  EXPECT_FALSE(ValidateBudgetConfig(c).ok());
  c.forced_text = "</think>";
  c.answer_tokens = -1;
  EXPECT_FALSE(ValidateBudgetConfig(c).ok());
}

// Streams decoded from the tiny model's prompt with no stop tokens: each
// produces exactly cap + forced (+ answer) tokens.
class StreamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tiny_ = test::LoadTiny();
    engine_ = *Engine::Create(tiny_.model, {.threads = 2});
    adapter_ = *engine_->AddAdapter(tiny_.adapter);
    prompt_ = Bytes(*tiny_.tokenizer, "<|im_start|>user\nWhat is 2+3?<|im_end|>\n");
    root_ = engine_->AddSequence();
    ASSERT_TRUE(engine_->SetAdapter(root_, adapter_, 0).ok());
    ForwardOutput out;
    ASSERT_TRUE(engine_->Prefill(root_, prompt_, false, &out).ok());
    logits_ = out.logits;
  }
  Result<std::vector<StreamResult>> Run(const ParallelStreamsConfig& c,
                                        const StreamFinishedCallback& cb = nullptr) {
    return DecodeParallelStreams(*engine_, tiny_.tokenizer.get(), root_, logits_, prompt_, c, cb,
                                 &stats_);
  }
  test::TinyParts tiny_;
  std::unique_ptr<Engine> engine_;
  int16_t adapter_ = -1;
  std::vector<int32_t> prompt_;
  int32_t root_ = -1;
  std::vector<float> logits_;
  ParallelStreamsStats stats_;
};

TEST_F(StreamsTest, HardCapYieldsExactlyCapPlusForcedTokens) {
  ParallelStreamsConfig c;
  c.streams = 3;
  c.sampling = {.greedy = false, .temperature = 0.9f, .seed = 4};
  c.budget.cap = 17;
  c.budget.answer_tokens = 0;
  c.budget.forced_text = "\n</think>\n\nFinal answer: \\boxed{";
  const auto forced = Bytes(*tiny_.tokenizer, c.budget.forced_text);
  auto results = Run(c);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 3u);
  for (const StreamResult& r : *results) {
    SCOPED_TRACE(r.index);
    EXPECT_TRUE(r.forced);
    EXPECT_EQ(r.stop_reason, "length");
    // Random bytes could end in "\n", which would shorten the forced part by one.
    const size_t expected_forced = r.tokens[16] == '\n' - 0 ? forced.size() - 1 : forced.size();
    EXPECT_EQ(r.tokens.size(), 17 + expected_forced);
    EXPECT_TRUE(std::equal(forced.end() - expected_forced, forced.end(), r.tokens.end() - expected_forced));
  }
  // With an answer budget the stream writes exactly that many more.
  c.budget.answer_tokens = 5;
  auto with_answer = Run(c);
  ASSERT_TRUE(with_answer.ok());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*with_answer)[i].tokens.size(), (*results)[i].tokens.size() + 5);
    // Same seed: the first cap + forced tokens are the same stream.
    EXPECT_TRUE(std::equal((*results)[i].tokens.begin(), (*results)[i].tokens.end(),
                           (*with_answer)[i].tokens.begin()));
  }
  // Only the prompt was prefilled, once; the streams were decoded.
  EXPECT_EQ(engine_->counters().prompt_tokens_encoded, static_cast<int64_t>(prompt_.size()));
}

// Each sampled token's log-probability is log softmax of the raw logits a
// fresh prefill of prompt + stream computes at its position; the tokens the
// cap forced have none.
TEST_F(StreamsTest, SampledLogProbsAreTheRawDistributionAndSkipForcedTokens) {
  ParallelStreamsConfig c;
  c.streams = 2;
  c.sampling = {.greedy = false, .temperature = 0.7f, .top_k = 20, .seed = 9};
  c.logprobs = true;
  c.budget.cap = 9;
  c.budget.answer_tokens = 0;
  c.budget.forced_text = "\n</think>\n\nFinal answer: \\boxed{";
  auto results = Run(c);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  const int64_t vocab = tiny_.model->config().vocab_size;
  for (const StreamResult& r : *results) {
    SCOPED_TRACE(r.index);
    ASSERT_TRUE(r.forced);
    ASSERT_EQ(r.sampled_logprobs.size(), 9u);
    auto engine = *Engine::Create(tiny_.model, {.threads = 1});
    const int16_t a = *engine->AddAdapter(tiny_.adapter);
    const int32_t seq = engine->AddSequence();
    ASSERT_TRUE(engine->SetAdapter(seq, a, 0).ok());
    std::vector<int32_t> all = prompt_;
    all.insert(all.end(), r.tokens.begin(), r.tokens.begin() + 9);
    ForwardOutput out;
    ASSERT_TRUE(engine->Prefill(seq, all, /*all_logits=*/true, &out).ok());
    for (size_t t = 0; t < 9; ++t) {
      const size_t row = prompt_.size() - 1 + t;
      const std::span<const float> logits(out.logits.data() + row * vocab, static_cast<size_t>(vocab));
      EXPECT_NEAR(r.sampled_logprobs[t], TokenLogProb(logits, r.tokens[t]), 1e-4) << t;
    }
  }
  // Recording them changes nothing that is drawn; off, nothing is recorded.
  c.logprobs = false;
  auto plain = Run(c);
  ASSERT_TRUE(plain.ok());
  for (size_t i = 0; i < results->size(); ++i) {
    EXPECT_EQ((*plain)[i].tokens, (*results)[i].tokens) << i;
    EXPECT_TRUE((*plain)[i].sampled_logprobs.empty()) << i;
  }
}

TEST_F(StreamsTest, CappedCopiesEqualRunsWithThatCap) {
  ParallelStreamsConfig c;
  c.streams = 2;
  c.sampling = {.greedy = false, .temperature = 0.9f, .seed = 9};
  c.budget.cap = 20;
  c.budget.answer_tokens = 3;
  c.branch_caps = {6, 12};
  auto full = Run(c);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  ASSERT_EQ(full->size(), 6u);  // 2 main + 2 × 2 copies
  for (int64_t cap : {6, 12}) {
    ParallelStreamsConfig alone = c;
    alone.branch_caps.clear();
    alone.budget.cap = cap;
    auto capped = Run(alone);
    ASSERT_TRUE(capped.ok());
    for (const StreamResult& copy : *full) {
      if (copy.branch_cap != cap) continue;
      EXPECT_EQ(copy.tokens, (*capped)[copy.index].tokens) << "cap " << cap;
    }
  }
}

TEST_F(StreamsTest, VerificationScoresTheLastRowAfterTheVerificationPrompt) {
  auto verifier = test::RandomVerifier(tiny_.model->config().hidden_size, 5);
  ParallelStreamsConfig c;
  c.streams = 2;
  c.sampling = {.greedy = false, .temperature = 0.9f, .seed = 1};
  c.budget.cap = 6;
  c.budget.answer_tokens = 2;
  c.verifier = verifier.get();
  c.verification_tokens = Bytes(*tiny_.tokenizer, "\nIs this answer correct?\n");
  auto results = Run(c);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  for (const StreamResult& r : *results) {
    ASSERT_TRUE(r.score.has_value());
    // Recompute alone: prompt + stream + verification prompt, last hidden state.
    auto engine = *Engine::Create(tiny_.model, {.threads = 1});
    const int16_t a = *engine->AddAdapter(tiny_.adapter);
    const int32_t seq = engine->AddSequence();
    ASSERT_TRUE(engine->SetAdapter(seq, a, 0).ok());
    std::vector<int32_t> all = prompt_;
    all.insert(all.end(), r.tokens.begin(), r.tokens.end());
    all.insert(all.end(), c.verification_tokens.begin(), c.verification_tokens.end());
    ForwardOutput out;
    ASSERT_TRUE(engine->Prefill(seq, all, false, &out).ok());
    EXPECT_NEAR(*r.score, verifier->Score(out.final_hidden, ConfidenceFeatures(r.sampled_logprobs)),
                1e-5);
  }
  EXPECT_EQ(stats_.verification_rows, 2 * (1 + static_cast<int64_t>(c.verification_tokens.size())));
}

TEST_F(StreamsTest, EarlyStopEndsTheOthersWithoutChangingWhatTheyWrote) {
  ParallelStreamsConfig c;
  c.streams = 5;
  c.sampling = {.greedy = false, .temperature = 1.0f, .seed = 21};
  c.budget.cap = 40;
  c.budget.answer_tokens = 0;
  for (int32_t id = 0; id < 60; ++id) c.stop_token_ids.push_back(id);  // streams end at varied steps
  auto full = Run(c);
  ASSERT_TRUE(full.ok());
  int calls = 0;
  auto stopped = Run(c, [&](const StreamResult&) { return ++calls == 1; });
  ASSERT_TRUE(stopped.ok());
  int early = 0;
  for (size_t i = 0; i < 5; ++i) {
    const auto& a = (*full)[i].tokens;
    const auto& b = (*stopped)[i].tokens;
    ASSERT_LE(b.size(), a.size());
    EXPECT_TRUE(std::equal(b.begin(), b.end(), a.begin()));  // a prefix of the full stream
    early += (*stopped)[i].stop_reason == "early_stop";
  }
  EXPECT_GT(early, 0);
}

// Waves start streams a few at a time from the same root: with no stop every
// stream is the one an all-at-once run writes (same seed, same prompt KV);
// a stop after the first wave leaves the later waves unstarted, so they cost
// no tokens, and no more than one wave of sequences is ever forked at once.
TEST_F(StreamsTest, WavesWriteTheSameStreamsAndAStopSkipsTheLaterWaves) {
  ParallelStreamsConfig c;
  c.streams = 5;
  c.sampling = {.greedy = false, .temperature = 1.0f, .seed = 33};
  c.budget.cap = 30;
  c.budget.answer_tokens = 0;
  for (int32_t id = 0; id < 60; ++id) c.stop_token_ids.push_back(id);
  auto all = Run(c);
  ASSERT_TRUE(all.ok());
  const int64_t kv_before = engine_->kv_cache().BytesInUse();
  c.wave = 2;
  std::vector<int> finished_order;
  auto waves = Run(c, [&](const StreamResult& r) {
    finished_order.push_back(r.index);
    return false;
  });
  ASSERT_TRUE(waves.ok()) << waves.status().ToString();
  ASSERT_EQ(waves->size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ((*waves)[i].tokens, (*all)[i].tokens) << i;
  // Streams 0-1 finish before 2-3 start, and those before 4.
  ASSERT_EQ(finished_order.size(), 5u);
  EXPECT_EQ(std::set<int>(finished_order.begin(), finished_order.begin() + 2), (std::set<int>{0, 1}));
  EXPECT_EQ(std::set<int>(finished_order.begin() + 2, finished_order.begin() + 4), (std::set<int>{2, 3}));
  EXPECT_EQ(finished_order[4], 4);
  EXPECT_EQ(engine_->kv_cache().BytesInUse(), kv_before);  // every fork freed

  int calls = 0;
  auto stopped = Run(c, [&](const StreamResult&) { return ++calls == 2; });  // decided after wave 1
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(calls, 2);
  for (size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    if (i < 2) {
      EXPECT_EQ((*stopped)[i].tokens, (*all)[i].tokens);
    } else {
      EXPECT_EQ((*stopped)[i].stop_reason, "early_stop");
      EXPECT_TRUE((*stopped)[i].tokens.empty());
    }
  }
  c.wave = -1;
  EXPECT_FALSE(Run(c).ok());
}

}  // namespace
}  // namespace edgereason
