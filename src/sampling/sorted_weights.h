// Sampling candidates in the order a full sort gives them (highest logit
// first, the lower id first among equals), with their weights exp(l − max),
// without sorting them all.
//
// The head, every candidate of weight >= 2^-6 (an LLM's peaked next-token
// distribution puts most of its mass on a handful of them), is listed in the
// first pass and sorted: it is exactly the start of the sorted order. Past it,
// the candidates are binned by their weight's float bits (exponent and the top
// four mantissa bits: 16 bins an octave); exp is monotone, so a higher bin
// never holds a lower logit and the bins are the sorted order in coarse steps.
// The bins' counts and masses (f64) take one more pass, made only when a
// question reaches past the head, and a bin is sorted only when a question
// ends inside it (one more pass to collect it). Top-p, min-p and the draw each
// end inside at most one bin, so a draw costs a few passes over the candidates
// however deep it lands, where walking a sorted order cost 6–11 ms a token on
// flat logits at Qwen's 151,936.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace edgereason {

class SortedWeights {
 public:
  // `logits` and `weights` [vocab], weights in [0, 1]; `ids` the candidates
  // (empty: every token). All three are borrowed and must outlive this.
  SortedWeights(std::span<const float> logits, std::span<const float> weights,
                std::span<const int32_t> ids);

  size_t size() const { return size_; }
  double total() const { return total_; }  // Σ weights of every candidate

  // Length of the shortest prefix whose weights sum to at least `mass`;
  // size() when none does (top-p).
  size_t PrefixReaching(double mass);
  // Length of the prefix whose weights are all at least `threshold` (min-p).
  size_t PrefixAtLeast(double threshold);
  // Weight of the first candidate (0 when there is none).
  float TopWeight();
  // The candidate among the first `limit` (1..size()) at which the running
  // weight first exceeds u times those candidates' weight, u uniform in
  // [0, 1): a draw from them. The prefix's last when rounding leaves none.
  int32_t Draw(double u, size_t limit);

 private:
  static constexpr int kShift = 19;                              // keeps sign, exponent, 4 mantissa bits
  static constexpr size_t kBins = (0x3F800000u >> kShift) + 1;   // bins of the floats in [0, 1]
  static constexpr float kHeadWeight = 1.0f / 64;                // a power of two: a bin edge
  static constexpr size_t kHeadMax = 4096;                       // a longer head is not kept

  // Defined here to be inlined into the per-candidate loops (-fPIC keeps an
  // out-of-line member from inlining). A NaN weight (every logit -inf) lands
  // in the top bin rather than past it.
  static size_t BinOf(float weight) {
    return std::min<size_t>(std::bit_cast<uint32_t>(weight) >> kShift, kBins - 1);
  }
  int32_t Id(size_t i) const { return ids_.empty() ? static_cast<int32_t>(i) : ids_[i]; }
  // The head's length when it was kept (0 otherwise), and the bins after it.
  size_t HeadSize() const { return head_kept_ ? head_.size() : 0; }
  size_t BinsBelowHead() const { return head_kept_ ? BinOf(kHeadWeight) : kBins; }
  void CountBins();
  // A bin's candidates in sorted order, collected on first use.
  const std::vector<int32_t>& Members(size_t bin);
  // The candidate at position `pos` (0-based) of the sorted order.
  int32_t At(size_t pos);

  std::span<const float> logits_, weights_;
  std::span<const int32_t> ids_;
  size_t size_;
  double total_ = 0.0;
  std::vector<int32_t> head_;  // candidates of weight >= kHeadWeight, sorted
  bool head_kept_ = true;      // false: more than kHeadMax of them; the bins start at the top
  bool binned_ = false;
  std::vector<double> mass_;     // [kBins] Σ weights of each bin, once binned_
  std::vector<uint32_t> count_;  // [kBins] candidates in each bin, once binned_
  std::vector<std::pair<size_t, std::vector<int32_t>>> sorted_;  // bins collected so far
};

}  // namespace edgereason
