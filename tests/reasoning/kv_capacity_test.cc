// The Reasoner sizes the KV cache for its streams: many long streams fit
// where the default capacity (4 contexts) would run out, and a capacity the
// caller chose stays the bound.
#include <gtest/gtest.h>

#include "reasoning/reasoner.h"
#include "reasoning/reasoning_test_util.h"

namespace edgereason {
namespace {

ReasonerConfig ManyLongStreams() {
  ReasonerConfig config;
  config.mode = ReasoningMode::kOn;
  config.streams = 24;
  config.budget.cap = 64;
  config.budget.answer_tokens = 8;
  config.early_stop = false;
  return config;
}

TEST(ReasonerKvCapacity, ManyLongStreamsFitPastFourContexts) {
  test::TinyParts tiny = test::LoadTiny();
  // 4 × 96 = 384 positions by default; 24 streams of up to 64 + 8 tokens need ~2,000.
  auto reasoner = Reasoner::Create({tiny.model, tiny.tokenizer, tiny.adapter, nullptr, nullptr,
                                    {.threads = 2, .context_size = 96}},
                                   ManyLongStreams());
  ASSERT_TRUE(reasoner.ok()) << reasoner.status().ToString();
  auto answer = (*reasoner)->Answer("What is 2+3?");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_GT(answer->outcome.generated_tokens, 4 * 96);

  // SetConfig raises it too: twice the streams.
  ReasonerConfig more = ManyLongStreams();
  more.streams = 48;
  ASSERT_TRUE((*reasoner)->SetConfig(more).ok());
  auto again = (*reasoner)->Answer("What is 2+3?");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
}

TEST(ReasonerKvCapacity, AnExplicitCapacityStaysTheBound) {
  test::TinyParts tiny = test::LoadTiny();
  auto reasoner = Reasoner::Create({tiny.model, tiny.tokenizer, tiny.adapter, nullptr, nullptr,
                                    {.threads = 2, .context_size = 96, .kv_capacity = 256}},
                                   ManyLongStreams());
  ASSERT_TRUE(reasoner.ok()) << reasoner.status().ToString();
  auto answer = (*reasoner)->Answer("What is 2+3?");
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.status().message().find("KV cache is full"), std::string::npos) << answer.status().ToString();
}

}  // namespace
}  // namespace edgereason
