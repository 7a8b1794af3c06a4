#include "sampling/sampler.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <vector>

#include "ops/softmax.h"

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

// The n-th largest of logits[ids] (1 <= n <= ids.size()), in one pass with a
// min-heap of n values: most logits fail its first comparison, where
// nth_element through the ids cost ~2 ms on 151,936 of them.
float NthLargestLogit(std::span<const float> logits, std::span<const int32_t> ids, size_t n) {
  std::vector<float> heap;
  heap.reserve(n);
  for (int32_t t : ids) {
    const float l = logits[t];
    if (heap.size() < n) {
      heap.push_back(l);
      std::push_heap(heap.begin(), heap.end(), std::greater<>());
    } else if (l > heap.front()) {
      std::pop_heap(heap.begin(), heap.end(), std::greater<>());
      heap.back() = l;
      std::push_heap(heap.begin(), heap.end(), std::greater<>());
    }
  }
  return heap.front();
}

// Candidate ids in the order a full sort by logit gives (highest first, the
// lower id first among equals), sorted only as far as they are read: a block
// at a time, nth_element on the rest then a sort of the block. The order is
// total, so every prefix is the full sort's. Sampling at T = 0.7 from 151,936
// logits spent ~24 ms per token sorting them all, where the draw usually ends
// within the first few dozen.
class LazySortedOrder {
 public:
  // `ids`[0, size) are the candidates; they are reordered in place.
  LazySortedOrder(std::span<const float> logits, std::vector<int32_t>& ids, size_t size)
      : logits_(logits), ids_(ids), size_(size) {}

  int32_t operator[](size_t i) {
    if (i >= sorted_) Extend(i + 1);
    return ids_[i];
  }

 private:
  bool Before(int32_t a, int32_t b) const {
    return logits_[a] != logits_[b] ? logits_[a] > logits_[b] : a < b;
  }
  void Extend(size_t n) {
    n = std::min(size_, std::max(n, 2 * sorted_ + 32));
    auto before = [this](int32_t a, int32_t b) { return Before(a, b); };
    if (sorted_ == 0 && n * 8 < size_) {
      // First block: the n-th largest logit by one pass with a min-heap of n
      // values (most logits fail the first comparison), then every candidate
      // at or above it moved to the front and sorted: a few more than n when
      // logits tie, and exactly the full sort's first ones.
      const float nth = NthLargestLogit(logits_, {ids_.data(), size_}, n);
      const auto block_end = std::partition(ids_.begin(), ids_.begin() + size_,
                                            [&](int32_t t) { return logits_[t] >= nth; });
      std::sort(ids_.begin(), block_end, before);
      sorted_ = static_cast<size_t>(block_end - ids_.begin());
      return;
    }
    const auto first = ids_.begin() + sorted_, mid = ids_.begin() + n, last = ids_.begin() + size_;
    if (mid < last) std::nth_element(first, mid, last, before);
    std::sort(first, mid, before);
    sorted_ = n;
  }

  std::span<const float> logits_;
  std::vector<int32_t>& ids_;
  size_t size_;
  size_t sorted_ = 0;
};

// The candidate at which the weights [vocab], summed in the full sort's
// order (highest logit first, the lower id first among equals), first exceed
// u times their sum (u uniform in [0, 1)); `ids` lists the candidates (empty:
// every token). The sum is taken here in f64: the vector kernel's blocked
// f32 sum is ~1e-7 off, enough to move the draw across a boundary between two
// tokens of ~1e-5 probability once in a hundred draws at Qwen's vocabulary.
// Walking the sorted order itself reaches deep into the candidates when the
// logits are flat (~6.6 ms at 151,936). Instead the candidates are binned by
// their weight's float bits (exponent and top four mantissa bits: 16 bins an
// octave, an order the logits' order never contradicts, since exp is
// monotone), the bins' masses summed in one pass, and only the bin where r
// falls is sorted and walked.
int32_t DrawInSortedOrder(std::span<const float> logits, std::span<const float> weights,
                          std::span<const int32_t> ids, double u) {
  constexpr int kShift = 19;                     // float bits kept: sign, exponent, 4 mantissa
  constexpr size_t kBins = (0x3F800000u >> kShift) + 1;  // weights lie in [0, 1]
  auto bin = [&](int32_t t) {  // a NaN weight (all logits -inf) lands in the top bin, not past it
    return std::min<size_t>(std::bit_cast<uint32_t>(weights[t]) >> kShift, kBins - 1);
  };
  const size_t n = ids.empty() ? weights.size() : ids.size();
  auto id = [&](size_t i) { return ids.empty() ? static_cast<int32_t>(i) : ids[i]; };

  std::vector<double> mass(kBins, 0.0);  // [kBins] summed weight of each bin
  for (size_t i = 0; i < n; ++i) mass[bin(id(i))] += weights[id(i)];
  const double r = u * std::accumulate(mass.begin(), mass.end(), 0.0);
  // The bin where the cumulative mass passes r, from the heaviest weights down;
  // if rounding leaves r at or past the total, the lowest bin, as the sorted
  // walk would end on its last candidate.
  double before = 0.0;
  size_t target = 0;
  for (size_t b = kBins; b-- > 0;) {
    if (r < before + mass[b]) {
      target = b;
      break;
    }
    before += mass[b];
  }
  std::vector<int32_t> members;
  for (size_t i = 0; i < n; ++i) {
    if (bin(id(i)) == target) members.push_back(id(i));
  }
  std::sort(members.begin(), members.end(), [&](int32_t a, int32_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  });
  for (int32_t t : members) {
    before += weights[t];
    if (r < before) return t;
  }
  return members.empty() ? id(n - 1) : members.back();
}

}  // namespace

int32_t ArgMax(std::span<const float> values) {
  return static_cast<int32_t>(std::max_element(values.begin(), values.end()) - values.begin());
}

float TokenLogProb(std::span<const float> logits, int32_t token) {
  const double normaliser = LogSumExp(logits.data(), static_cast<int64_t>(logits.size()));
  return static_cast<float>(static_cast<double>(logits[token]) - normaliser);
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}

int32_t Sampler::Sample(std::span<float> logits, std::span<const int32_t> history) {
  ApplyRepetitionPenalty(logits, history, params_.repetition_penalty);
  if (params_.greedy || params_.temperature <= 0.0f) return ArgMax(logits);

  const size_t vocab = logits.size();
  for (float& l : logits) l /= params_.temperature;
  weights_.resize(vocab);  // [vocab] exp(l_t - max), filled for the kept t

  if (params_.top_k <= 0 && params_.top_p >= 1.0f && params_.min_p <= 0.0f) {
    // No filter (reasoning streams at T = 0.7): one vector pass for the
    // weights, the draw by bins; no candidate list, no normalisation.
    const float max_logit = MaxValue(logits.data(), static_cast<int64_t>(vocab));
    ExpShiftedSum(logits.data(), static_cast<int64_t>(vocab), max_logit, weights_.data());
    return DrawInSortedOrder(logits, weights_, {}, std::uniform_real_distribution<double>(0.0, 1.0)(rng_));
  }

  // Candidates, highest logit first; the filters only ever cut the tail.
  std::vector<int32_t> ids(vocab);
  std::iota(ids.begin(), ids.end(), 0);
  size_t keep = vocab;
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < vocab) {
    // Everything tied with the k-th logit survives, as in transformers.
    const float kth = NthLargestLogit(logits, ids, static_cast<size_t>(params_.top_k));
    keep = std::partition(ids.begin(), ids.end(),
                          [&](int32_t t) { return logits[t] >= kth; }) - ids.begin();
  }

  // Probabilities of the kept candidates: p(t) = exp(l_t - max) / sum.
  double sum = 0.0;
  if (keep == vocab) {
    // Top-k cut nothing: one vector pass over the whole vocabulary, whose
    // ids are still 0..vocab-1.
    const float max_logit = MaxValue(logits.data(), static_cast<int64_t>(vocab));
    sum = ExpShiftedSum(logits.data(), static_cast<int64_t>(vocab), max_logit, weights_.data());
  } else {
    float max_logit = -std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < keep; ++i) max_logit = std::max(max_logit, logits[ids[i]]);
    for (size_t i = 0; i < keep; ++i) {
      sum += weights_[ids[i]] = std::exp(logits[ids[i]] - max_logit);
    }
  }
  auto prob = [&](int32_t t) { return static_cast<double>(weights_[t]) / sum; };
  LazySortedOrder order(logits, ids, keep);

  size_t limit = keep;
  if (params_.top_p < 1.0f) {
    // Smallest prefix whose mass reaches top_p (at least one token).
    double mass = 0.0;
    size_t n = 0;
    while (n < limit) {
      mass += prob(order[n++]);
      if (mass >= params_.top_p) break;
    }
    limit = std::max<size_t>(1, n);
  }
  if (params_.min_p > 0.0f) {
    const double threshold = params_.min_p * prob(order[0]);
    size_t n = 0;
    while (n < limit && prob(order[n]) >= threshold) ++n;
    limit = std::max<size_t>(1, n);
  }

  double total = 0.0;
  if (limit == keep) {
    for (size_t i = 0; i < keep; ++i) total += prob(ids[i]);  // any order: nothing was cut
  } else {
    for (size_t i = 0; i < limit; ++i) total += prob(order[i]);
  }
  // Inverse CDF in order of probability: usually done within the first few
  // dozen candidates, so only those get sorted.
  std::uniform_real_distribution<double> uniform(0.0, total);
  const double r = uniform(rng_);
  double acc = 0.0;
  for (size_t i = 0; i < limit; ++i) {
    acc += prob(order[i]);
    if (r < acc) return order[i];
  }
  return order[limit - 1];
}

SampledToken Sampler::SampleWithLogProb(std::span<const float> logits,
                                        std::span<const int32_t> history) {
  scratch_.assign(logits.begin(), logits.end());
  const int32_t id = Sample(scratch_, history);
  return {id, TokenLogProb(logits, id)};
}

}  // namespace edgereason
