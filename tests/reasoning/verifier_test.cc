// The verifier head computes its documented score from the hidden state and
// the stream's confidence features, round-trips through its files (with and
// without confidence weights), and rejects bad files with a clear error.
#include "reasoning/verifier.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "base/file.h"
#include "reasoning/stream_confidence.h"
#include "test_util.h"

namespace edgereason {
namespace {

TEST(StreamConfidenceTest, FeaturesAreTheDocumentedStatistics) {
  // 20 tokens: 17 at log 0.9, one at log 0.4, one at log 0.2, one at log 0.01.
  std::vector<float> lp(17, std::log(0.9f));
  lp.insert(lp.begin() + 3, std::log(0.4f));
  lp.push_back(std::log(0.2f));
  lp.insert(lp.begin() + 9, std::log(0.01f));
  const ConfidenceVector f = ConfidenceFeatures(lp);
  double sum = 0;
  for (float v : lp) sum += v;
  EXPECT_NEAR(f[0], sum / 20, 1e-6);                                        // mean
  EXPECT_FLOAT_EQ(f[1], std::log(0.01f));                                   // min
  EXPECT_NEAR(f[2], (std::log(0.01) + std::log(0.2)) / 2, 1e-6);            // lowest 10% = 2
  EXPECT_EQ(f[3], 3.0f);                                                    // below log 0.5
  EXPECT_EQ(f[4], 2.0f);                                                    // below log 0.25
  // Fewer than ten tokens: the tail is the single lowest one.
  const ConfidenceVector g = ConfidenceFeatures(std::vector<float>{-0.1f, -3.0f, -0.2f});
  EXPECT_FLOAT_EQ(g[2], -3.0f);
  EXPECT_EQ(ConfidenceFeatures({}), ConfidenceVector{});
}

TEST(VerifierTest, ScoreReadsHiddenStateAndConfidenceAndRoundTrips) {
  VerifierWeights w;
  w.hidden_size = 3;
  w.weight = {1.0f, -2.0f, 0.5f};
  w.bias = 0.25f;
  const std::string stem = test::MakeTempDir("er-verifier") + "/verifier";
  const std::vector<float> h = {0.5f, 0.25f, 2.0f};
  const ConfidenceVector c = {-0.5f, -2.0f, -1.5f, 3.0f, 1.0f};
  // Hidden state only: 0.5 - 0.5 + 1 + 0.25 = 1.25; confidence is ignored.
  ASSERT_TRUE(WriteVerifierHead(stem, w).ok());
  auto plain = VerifierHead::Load(stem);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_FALSE((*plain)->reads_confidence());
  EXPECT_NEAR((*plain)->Score(h, c), 1 / (1 + std::exp(-1.25)), 1e-12);

  // With confidence weights: + (0.1·-0.5 + 0.2·-2 + 0.3·-1.5 - 0.4·3 + 0.5·1) = -1.6.
  w.confidence_weight = {0.1f, 0.2f, 0.3f, -0.4f, 0.5f};
  ASSERT_TRUE(WriteVerifierHead(stem, w).ok());
  auto both = VerifierHead::Load(stem + ".json");
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_TRUE((*both)->reads_confidence());
  EXPECT_NEAR((*both)->Score(h, c), 1 / (1 + std::exp(-(1.25 - 1.6))), 1e-6);
}

TEST(VerifierTest, BadFilesGiveClearErrors) {
  const std::string dir = test::MakeTempDir("er-verifier-bad");
  VerifierWeights w;
  w.hidden_size = 4;
  w.weight.assign(4, 0.1f);
  w.confidence_weight.assign(kConfidenceFeatures, 0.2f);
  ASSERT_TRUE(WriteVerifierHead(dir + "/v", w).ok());
  ASSERT_TRUE(VerifierHead::Load(dir + "/v").ok());
  auto check = [&](const std::string& json, const std::string& culprit) {
    ASSERT_TRUE(WriteFileAtomic(dir + "/v.json", json).ok());
    auto r = VerifierHead::Load(dir + "/v");
    ASSERT_FALSE(r.ok()) << json;
    EXPECT_NE(r.status().message().find(culprit), std::string::npos) << r.status().message();
  };
  check(R"({"kind":"verifier","hidden_size":4,"confidence_features":["mean_logprob"]})",
        "confidence_features");
  check(R"({"kind":"verifier","hidden_size":4,"confidence_features":"all"})", "confidence_features");
  check(R"({"kind":"verifier","hidden_size":5})", "linear.weight");
  // Names listed but no confidence tensor in the file.
  VerifierWeights plain = w;
  plain.confidence_weight.clear();
  ASSERT_TRUE(WriteVerifierHead(dir + "/p", plain).ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/p.json",
                              R"({"kind":"verifier","hidden_size":4,"confidence_features":)"
                              R"(["mean_logprob","min_logprob","tail_logprob","tokens_below_p50",)"
                              R"("tokens_below_p25"]})").ok());
  auto r = VerifierHead::Load(dir + "/p");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("confidence.weight"), std::string::npos) << r.status().message();
  // Weights of the wrong length are refused before any file is written.
  w.confidence_weight.assign(3, 0.0f);
  EXPECT_FALSE(VerifierHead::FromWeights(w, "test").ok());
}

}  // namespace
}  // namespace edgereason
