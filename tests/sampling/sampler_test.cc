#include "sampling/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <vector>

#include "ops/softmax.h"

namespace edgereason {
namespace {

std::map<int32_t, int> Histogram(const SamplingParams& params, const std::vector<float>& logits,
                                 int draws, std::vector<int32_t> history = {}) {
  Sampler sampler(params);
  std::map<int32_t, int> counts;
  for (int i = 0; i < draws; ++i) {
    std::vector<float> l = logits;
    counts[sampler.Sample(l, history)]++;
  }
  return counts;
}

TEST(SamplerTest, GreedyPicksArgmaxAndFirstOfTies) {
  Sampler s({.greedy = true});
  std::vector<float> logits = {0.1f, 2.0f, 2.0f, -1.0f};
  EXPECT_EQ(s.Sample(logits, {}), 1);
  Sampler zero_temp({.greedy = false, .temperature = 0.0f});
  logits = {0.1f, 2.0f, 3.0f};
  EXPECT_EQ(zero_temp.Sample(logits, {}), 2);
}

TEST(SamplerTest, RepetitionPenaltyFollowsTransformersSignRule) {
  // Positive logits are divided, negative ones multiplied.
  Sampler s({.greedy = true, .repetition_penalty = 2.0f});
  std::vector<float> logits = {3.0f, 2.0f, -1.0f};
  EXPECT_EQ(s.Sample(logits, std::vector<int32_t>{0, 0, 2}), 1);
  EXPECT_FLOAT_EQ(logits[0], 1.5f);
  EXPECT_FLOAT_EQ(logits[2], -2.0f);
}

TEST(SamplerTest, TopKKeepsOnlyTheKBest) {
  auto counts = Histogram({.greedy = false, .temperature = 1.0f, .top_k = 2, .seed = 1},
                          {1.0f, 3.0f, 2.9f, 0.0f}, 2000);
  EXPECT_EQ(counts.count(0) + counts.count(3), 0u);
  EXPECT_GT(counts[1], 0);
  EXPECT_GT(counts[2], 0);
}

TEST(SamplerTest, TopPKeepsTheSmallestNucleus) {
  // probs ≈ {0.665, 0.245, 0.090}: top_p 0.8 keeps the first two only.
  const std::vector<float> logits = {2.0f, 1.0f, 0.0f};
  auto counts = Histogram({.greedy = false, .top_p = 0.8f, .seed = 3}, logits, 3000);
  EXPECT_EQ(counts.count(2), 0u);
  EXPECT_NEAR(counts[0] / 3000.0, 0.665 / 0.91, 0.03);
}

TEST(SamplerTest, MinPDropsUnlikelyTokens) {
  // p(2)/p(0) = e^-2 ≈ 0.135 < 0.2 -> dropped; p(1)/p(0) = e^-1 ≈ 0.37 kept.
  auto counts = Histogram({.greedy = false, .min_p = 0.2f, .seed = 5}, {2.0f, 1.0f, 0.0f}, 2000);
  EXPECT_EQ(counts.count(2), 0u);
  EXPECT_GT(counts[1], 0);
}

TEST(SamplerTest, TemperatureMatchesSoftmaxFrequencies) {
  const std::vector<float> logits = {1.0f, 0.0f};
  auto counts = Histogram({.greedy = false, .temperature = 0.5f, .seed = 11}, logits, 20000);
  const double p0 = 1.0 / (1.0 + std::exp(-2.0));
  EXPECT_NEAR(counts[0] / 20000.0, p0, 0.015);
}

TEST(SamplerTest, SameSeedSameTokensDifferentSeedDifferentTokens) {
  std::vector<float> logits(50);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(static_cast<float>(i));
  auto draw = [&](uint64_t seed) {
    Sampler s({.greedy = false, .temperature = 1.0f, .seed = seed});
    std::vector<int32_t> out;
    for (int i = 0; i < 32; ++i) {
      std::vector<float> l = logits;
      out.push_back(s.Sample(l, {}));
    }
    return out;
  };
  EXPECT_EQ(draw(42), draw(42));
  EXPECT_NE(draw(42), draw(43));
}

// The straightforward sampler: sort every candidate, then filter and draw.
// Sampler never sorts them all (sampling/sorted_weights.h); its draws must be
// these, seed for seed.
class FullSortSampler {
 public:
  // `f32_weights`: exp(l - max) from the runtime's f32 vector kernel, as the
  // sampler computes them, instead of f64 (for unfiltered draws over a large
  // vocabulary, where f32 rounding of ~1e-7 of the mass moves a boundary
  // between two tokens of ~1e-5 once in about a hundred draws).
  explicit FullSortSampler(const SamplingParams& p, bool f32_weights = false)
      : p_(p), f32_weights_(f32_weights), rng_(p.seed) {}
  int32_t Sample(std::vector<float> logits) {
    for (float& l : logits) l /= p_.temperature;
    std::vector<int32_t> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    size_t keep = logits.size();
    if (p_.top_k > 0 && static_cast<size_t>(p_.top_k) < keep) {
      std::vector<float> sorted = logits;
      std::sort(sorted.begin(), sorted.end(), std::greater<>());
      const float kth = sorted[p_.top_k - 1];
      keep = std::count_if(logits.begin(), logits.end(), [&](float l) { return l >= kth; });
    }
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
      return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
    });
    std::vector<double> probs(keep);
    double sum = 0;
    std::vector<float> weights(logits.size());
    if (f32_weights_) {
      const float max = MaxValue(logits.data(), static_cast<int64_t>(logits.size()));
      ExpShiftedSum(logits.data(), static_cast<int64_t>(logits.size()), max, weights.data());
    }
    for (size_t i = 0; i < keep; ++i) {
      sum += probs[i] = f32_weights_ ? weights[order[i]] : std::exp(double(logits[order[i]]) - logits[order[0]]);
    }
    for (double& q : probs) q /= sum;
    if (p_.top_p < 1.0f) {
      double mass = 0;
      size_t n = 0;
      while (n < keep && (mass += probs[n++]) < p_.top_p) {}
      keep = std::max<size_t>(1, n);
    }
    if (p_.min_p > 0.0f) {
      size_t n = 0;
      while (n < keep && probs[n] >= p_.min_p * probs[0]) ++n;
      keep = std::max<size_t>(1, n);
    }
    const double total = std::accumulate(probs.begin(), probs.begin() + keep, 0.0);
    const double r = std::uniform_real_distribution<double>(0.0, total)(rng_);
    double acc = 0;
    for (size_t i = 0; i < keep; ++i) {
      if (r < (acc += probs[i])) return order[i];
    }
    return order[keep - 1];
  }

 private:
  SamplingParams p_;
  bool f32_weights_;
  std::mt19937_64 rng_;
};

TEST(SamplerTest, DrawsEqualAFullSortOfTheCandidates) {
  // Peaked and flat distributions over a large vocabulary, with ties, under
  // each filter; the draws of the lazily sorting sampler are the same tokens.
  std::mt19937 gen(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (const float spread : {0.3f, 3.0f, 12.0f}) {
    std::vector<float> logits(5000);
    for (float& l : logits) l = std::round(normal(gen) * spread * 4) / 4;  // quarter steps: ties
    for (const SamplingParams& p :
         {SamplingParams{.greedy = false, .temperature = 0.7f, .seed = 1},
          SamplingParams{.greedy = false, .temperature = 1.0f, .top_k = 40, .seed = 2},
          SamplingParams{.greedy = false, .temperature = 0.6f, .top_p = 0.9f, .seed = 3},
          SamplingParams{.greedy = false, .temperature = 1.3f, .min_p = 0.05f, .seed = 4},
          SamplingParams{.greedy = false, .temperature = 0.8f, .top_k = 300, .top_p = 0.95f,
                         .min_p = 0.01f, .seed = 5}}) {
      Sampler binned(p);
      FullSortSampler full(p);
      int differ = 0;
      for (int draw = 0; draw < 300; ++draw) {
        std::vector<float> l = logits;
        differ += binned.Sample(l, {}) != full.Sample(logits);
      }
      EXPECT_EQ(differ, 0) << "spread " << spread << " seed " << p.seed;
    }
  }
}

int DrawsDifferingFromAFullSort(const SamplingParams& p, const std::vector<float>& logits, int draws) {
  Sampler binned(p);
  FullSortSampler full(p, /*f32_weights=*/true);
  int differ = 0;
  for (int draw = 0; draw < draws; ++draw) {
    std::vector<float> l = logits;
    differ += binned.Sample(l, {}) != full.Sample(logits);
  }
  return differ;
}

TEST(SamplerTest, DrawsEqualAFullSortAtQwensVocabulary) {
  // The candidates are binned by weight instead of sorted: at 151,936
  // logits, flat and peaked, with many ties (1/64 steps), -inf entries
  // (weight 0) and all-equal logits (one bin), the draws are still the full
  // sort's tokens from the same f32 weights; and with top-p and min-p on
  // flat logits, where the kept prefix ends deep among the candidates.
  std::mt19937 gen(9);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  std::vector<float> flat(151936), peaked(151936), equal(151936, 0.25f);
  for (size_t i = 0; i < flat.size(); ++i) {
    flat[i] = i % 5 == 0 ? -INFINITY : std::round(normal(gen) * 64) / 64;
    peaked[i] = flat[i];
  }
  for (int k = 0; k < 5; ++k) peaked[1000 * k + 7] = 12.0f - static_cast<float>(k);
  for (const auto* logits : {&flat, &peaked, &equal}) {
    for (const float t : {0.7f, 1.3f}) {
      EXPECT_EQ(DrawsDifferingFromAFullSort({.greedy = false, .temperature = t, .seed = 17}, *logits, 60), 0)
          << "T " << t;
    }
  }
  EXPECT_EQ(DrawsDifferingFromAFullSort({.greedy = false, .temperature = 0.6f, .top_p = 0.95f, .seed = 18}, flat, 40), 0);
  EXPECT_EQ(DrawsDifferingFromAFullSort({.greedy = false, .temperature = 1.3f, .min_p = 0.01f, .seed = 19}, flat, 40), 0);
  EXPECT_EQ(DrawsDifferingFromAFullSort({.greedy = false, .temperature = 0.8f, .top_k = 3000, .top_p = 0.9f,
                                         .min_p = 0.05f, .seed = 20}, flat, 40), 0);
}

TEST(SamplerTest, TokenLogProbIsLogSoftmax) {
  // log softmax([2, 1, 0])[1] = 1 - log(e^2 + e + 1), and shifting every
  // logit by a constant leaves it unchanged (the max is subtracted first).
  const double expected = 1.0 - std::log(std::exp(2.0) + std::exp(1.0) + 1.0);
  EXPECT_NEAR(TokenLogProb(std::vector<float>{2.0f, 1.0f, 0.0f}, 1), expected, 1e-6);
  EXPECT_NEAR(TokenLogProb(std::vector<float>{1002.0f, 1001.0f, 1000.0f}, 1), expected, 1e-5);
  EXPECT_NEAR(TokenLogProb(std::vector<float>{0.0f, -INFINITY}, 0), 0.0, 1e-7);
}

TEST(SamplerTest, SampleWithLogProbDrawsAsSampleAndReportsTheRawDistribution) {
  // The log-probability is under the raw logits, not the tempered,
  // penalised or filtered ones the token was drawn from; the logits stay.
  std::vector<float> logits(20);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::cos(static_cast<float>(i));
  const std::vector<float> original = logits;
  const SamplingParams params{.greedy = false, .temperature = 0.7f, .top_k = 5,
                              .repetition_penalty = 1.3f, .seed = 5};
  Sampler with(params), plain(params);
  const std::vector<int32_t> history = {0, 3};
  for (int i = 0; i < 64; ++i) {
    const SampledToken t = with.SampleWithLogProb(logits, history);
    std::vector<float> copy = original;
    EXPECT_EQ(t.id, plain.Sample(copy, history));
    EXPECT_FLOAT_EQ(t.logprob, TokenLogProb(original, t.id));
  }
  EXPECT_EQ(logits, original);
}

}  // namespace
}  // namespace edgereason
