#include "sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace edgereason {
namespace {

void ApplyRepetitionPenalty(std::span<float> logits, std::span<const int32_t> history,
                            float penalty) {
  if (penalty == 1.0f) return;
  std::vector<bool> seen(logits.size(), false);
  for (int32_t t : history) {
    if (t < 0 || static_cast<size_t>(t) >= logits.size() || seen[t]) continue;
    seen[t] = true;
    logits[t] = logits[t] < 0 ? logits[t] * penalty : logits[t] / penalty;
  }
}

}  // namespace

int32_t ArgMax(std::span<const float> values) {
  return static_cast<int32_t>(std::max_element(values.begin(), values.end()) - values.begin());
}

float TokenLogProb(std::span<const float> logits, int32_t token) {
  const double max = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max);
  return static_cast<float>(static_cast<double>(logits[token]) - max - std::log(sum));
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}

int32_t Sampler::Sample(std::span<float> logits, std::span<const int32_t> history) {
  ApplyRepetitionPenalty(logits, history, params_.repetition_penalty);
  if (params_.greedy || params_.temperature <= 0.0f) return ArgMax(logits);

  const size_t vocab = logits.size();
  for (float& l : logits) l /= params_.temperature;

  // Candidates sorted by logit, highest first; the filters only ever cut the tail.
  std::vector<int32_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  size_t keep = vocab;
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < vocab) {
    // Everything tied with the k-th logit survives, as in transformers.
    std::nth_element(order.begin(), order.begin() + params_.top_k - 1, order.end(),
                     [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
    const float kth = logits[order[params_.top_k - 1]];
    keep = std::partition(order.begin(), order.end(),
                          [&](int32_t t) { return logits[t] >= kth; }) - order.begin();
  }
  std::sort(order.begin(), order.begin() + keep, [&](int32_t a, int32_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  });

  // Probabilities of the kept candidates.
  std::vector<double> probs(keep);
  const double max_logit = logits[order[0]];
  double sum = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    probs[i] = std::exp(static_cast<double>(logits[order[i]]) - max_logit);
    sum += probs[i];
  }
  for (double& p : probs) p /= sum;

  if (params_.top_p < 1.0f) {
    // Smallest prefix whose mass reaches top_p (at least one token).
    double mass = 0.0;
    size_t n = 0;
    while (n < keep) {
      mass += probs[n++];
      if (mass >= params_.top_p) break;
    }
    keep = std::max<size_t>(1, n);
  }
  if (params_.min_p > 0.0f) {
    const double threshold = params_.min_p * probs[0];
    size_t n = 0;
    while (n < keep && probs[n] >= threshold) ++n;
    keep = std::max<size_t>(1, n);
  }

  double total = 0.0;
  for (size_t i = 0; i < keep; ++i) total += probs[i];
  std::uniform_real_distribution<double> uniform(0.0, total);
  const double r = uniform(rng_);
  double acc = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    acc += probs[i];
    if (r < acc) return order[i];
  }
  return order[keep - 1];
}

SampledToken Sampler::SampleWithLogProb(std::span<const float> logits,
                                        std::span<const int32_t> history) {
  scratch_.assign(logits.begin(), logits.end());
  const int32_t id = Sample(scratch_, history);
  return {id, TokenLogProb(logits, id)};
}

}  // namespace edgereason
