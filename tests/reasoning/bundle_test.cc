// bundle.json: a random bundle loads and answers; every malformed field gives
// an error naming bundle.json and the field. The Reasoner's consensus early
// stop gives the answer of the full run.
#include "reasoning/bundle.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "reasoning/random_bundle.h"
#include "reasoning_test_util.h"
#include "test_util.h"

namespace edgereason {
namespace {

TEST(BundleTest, RandomBundleLoadsAndAnswers) {
  const std::string dir = test::MakeTempDir("er-bundle");
  ASSERT_TRUE(WriteRandomBundle(test::TinyModelDir(), dir, {}, 3).ok());
  auto bundle = LoadBundle(dir);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  EXPECT_EQ(bundle->config.mode, ReasoningMode::kAuto);
  EXPECT_EQ(bundle->config.budget.cap, 64);
  EXPECT_EQ(bundle->paths.adapter, JoinPath(dir, "adapter"));
  auto parts = LoadReasonerParts(bundle->paths, {.threads = 2});
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  auto reasoner = Reasoner::Create(std::move(*parts), bundle->config);
  ASSERT_TRUE(reasoner.ok()) << reasoner.status().ToString();
  auto answer = (*reasoner)->Answer("What is 2+3?");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_TRUE(answer->switcher_probability.has_value());
}

TEST(BundleTest, MalformedBundlesNameTheFileAndField) {
  const std::string dir = test::MakeTempDir("er-bundle-bad");
  ASSERT_TRUE(WriteRandomBundle(test::TinyModelDir(), dir, {}, 3).ok());
  const std::string base = test::TinyModelDir();
  auto check = [&](const std::string& json, const std::string& culprit) {
    ASSERT_TRUE(WriteFileAtomic(dir + "/bundle.json", json).ok());
    auto b = LoadBundle(dir);
    ASSERT_FALSE(b.ok()) << json;
    EXPECT_NE(b.status().message().find("bundle.json"), std::string::npos) << b.status().message();
    EXPECT_NE(b.status().message().find(culprit), std::string::npos) << b.status().message();
  };
  const std::string ok_base = "\"base\": \"" + base + "\"";
  check("{", "bundle.json");
  check("[]", "object");
  check("{}", "base");
  check("{\"base\": \"no/such/dir\"}", "base");
  check("{" + ok_base + ", \"adaptr\": \"x\"}", "adaptr");
  check("{" + ok_base + ", \"format\": \"edgereason.bundle.v9\"}", "format");
  check("{" + ok_base + ", \"switcher\": \"missing.safetensors\"}", "switcher");
  check("{" + ok_base + ", \"base\": 7}", "base");
  check("{" + ok_base + ", \"defaults\": {\"budget\": \"big\"}}", "defaults.budget");
  check("{" + ok_base + ", \"defaults\": {\"budget\": 0}}", "defaults.budget");
  check("{" + ok_base + ", \"defaults\": {\"budget\": 1e400}}", "bundle.json");
  check("{" + ok_base + ", \"defaults\": {\"parallel\": 0}}", "defaults.parallel");
  check("{" + ok_base + ", \"defaults\": {\"vote\": \"loudest\"}}", "defaults.vote");
  check("{" + ok_base + ", \"defaults\": {\"reasoning\": \"maybe\"}}", "defaults.reasoning");
  check("{" + ok_base + ", \"defaults\": {\"threshold\": 2}}", "defaults.threshold");
  check("{" + ok_base + ", \"defaults\": {\"buckets\": [1000, -1]}}", "defaults.buckets");
  check("{" + ok_base + ", \"defaults\": {\"seed\": -3}}", "defaults.seed");
  check("{" + ok_base + ", \"defaults\": {\"early_stop_margin\": -1}}", "defaults.early_stop_margin");
  check("{" + ok_base + ", \"defaults\": {\"early_stop_margin\": 1.5}}", "defaults.early_stop_margin");
  check("{" + ok_base + ", \"defaults\": {\"wave\": -2}}", "defaults.wave");
  check("{" + ok_base + ", \"defaults\": {\"wave\": 300}}", "defaults.wave");
  check("{" + ok_base + ", \"defaults\": []}", "defaults");
  check("{" + ok_base + ", \"templates\": {\"user\": \"no placeholder\"}}", "{question}");
  check("{" + ok_base + ", \"templates\": {\"forced_answer\": \"Answer:\"}}", "end-of-thinking");
  check("{" + ok_base + ", \"templates\": {\"preamble\": 3}}", "templates.preamble");
  check("{" + ok_base + ", \"templates\": {\"extra\": \"\"}}", "templates.extra");
  EXPECT_FALSE(LoadBundle(dir + "/nowhere").ok());
  // A huge template is fine to parse (and bounded by the context at run time).
  ASSERT_TRUE(WriteFileAtomic(dir + "/bundle.json", "{" + ok_base + ", \"templates\": {\"system\": \"" +
                                                        std::string(1 << 20, 'x') + "\"}}")
                  .ok());
  EXPECT_TRUE(LoadBundle(dir).ok());
}

TEST(BundleTest, ReasonerRefusesWhatItCannotDo) {
  test::TinyParts tiny = test::LoadTiny();
  ReasonerConfig config;  // auto without a switcher
  EXPECT_FALSE(Reasoner::Create({tiny.model, tiny.tokenizer, tiny.adapter, nullptr, nullptr, {}}, config).ok());
  config.mode = ReasoningMode::kOn;
  config.vote = VoteRule::kBest;  // best-of-N without a verifier
  EXPECT_FALSE(Reasoner::Create({tiny.model, tiny.tokenizer, tiny.adapter, nullptr, nullptr, {}}, config).ok());
  config.vote = VoteRule::kMajority;
  auto wrong_head = test::RandomVerifier(7, 1);
  EXPECT_FALSE(Reasoner::Create({tiny.model, tiny.tokenizer, tiny.adapter, nullptr, wrong_head, {}}, config).ok());
  EXPECT_FALSE(Reasoner::Create({tiny.model, nullptr, tiny.adapter, nullptr, nullptr, {}}, config).ok());
  // A question longer than the context is an error, not a crash.
  auto reasoner = Reasoner::Create({tiny.model, tiny.tokenizer, tiny.adapter, nullptr, nullptr,
                                    {.threads = 1, .context_size = 256}}, config);
  ASSERT_TRUE(reasoner.ok());
  auto huge = (*reasoner)->Answer(std::string(5000, 'x'));
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("context"), std::string::npos);
  EXPECT_FALSE((*reasoner)->Answer("").ok() && false);  // an empty question still renders a prompt
}

// With every stream forced to the same answer the vote is decided before the
// last streams end; the answer must equal the full run's.
TEST(BundleTest, ConsensusEarlyStopKeepsTheFullRunsAnswer) {
  test::TinyParts tiny = test::LoadTiny();
  for (VoteRule rule : {VoteRule::kMajority, VoteRule::kWeighted}) {
    ReasonerConfig config;
    config.mode = ReasoningMode::kOn;
    config.vote = rule;
    config.streams = 5;
    config.budget.cap = 12;
    config.budget.answer_tokens = 0;
    config.budget.forced_text = "\n</think>\n\nFinal answer: \\boxed{7}";
    std::string answers[2];
    for (int early = 0; early < 2; ++early) {
      config.early_stop = early == 1;
      auto reasoner = Reasoner::Create({tiny.model, tiny.tokenizer, tiny.adapter, nullptr,
                                        test::RandomVerifier(tiny.model->config().hidden_size, 2),
                                        {.threads = 2}}, config);
      ASSERT_TRUE(reasoner.ok());
      auto a = (*reasoner)->Answer("What is 3+4?");
      ASSERT_TRUE(a.ok()) << a.status().ToString();
      answers[early] = a->outcome.answer;
    }
    EXPECT_EQ(answers[0], "7");
    EXPECT_EQ(answers[1], answers[0]);
  }
}

}  // namespace
}  // namespace edgereason
