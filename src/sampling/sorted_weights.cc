#include "sampling/sorted_weights.h"

#include <cmath>

namespace edgereason {
namespace {

bool Before(std::span<const float> logits, int32_t a, int32_t b) {
  return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
}

}  // namespace

SortedWeights::SortedWeights(std::span<const float> logits, std::span<const float> weights,
                             std::span<const int32_t> ids)
    : logits_(logits), weights_(weights), ids_(ids), size_(ids.empty() ? weights.size() : ids.size()) {
  // One pass: the total in four partial sums (one would chain every add on
  // the last) and the head, written into a buffer of kHeadMax so the loop
  // holds no call (a call would spill the sums from their registers).
  head_.resize(kHeadMax);
  size_t heads = 0;
  auto visit = [&](size_t i) -> double {
    const int32_t t = Id(i);
    const float w = weights_[t];
    if (w >= kHeadWeight) {
      if (heads < kHeadMax) head_[heads] = t;
      ++heads;
    }
    return w;
  };
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= size_; i += 4) {
    s0 += visit(i);
    s1 += visit(i + 1);
    s2 += visit(i + 2);
    s3 += visit(i + 3);
  }
  for (; i < size_; ++i) s0 += visit(i);
  head_kept_ = heads <= kHeadMax;
  head_.resize(head_kept_ ? heads : 0);
  total_ = (s0 + s1) + (s2 + s3);
  if (head_kept_) {
    std::sort(head_.begin(), head_.end(), [this](int32_t a, int32_t b) { return Before(logits_, a, b); });
  }
}

void SortedWeights::CountBins() {
  if (binned_) return;
  binned_ = true;
  // Four interleaved histograms: neighbouring weights often share a bin, and
  // one histogram would chain those adds through memory.
  std::vector<double> mass(4 * kBins, 0.0);
  std::vector<uint32_t> count(4 * kBins, 0);
  for (size_t i = 0; i < size_; ++i) {
    const float w = weights_[Id(i)];
    const size_t slot = (i & 3) * kBins + BinOf(w);
    mass[slot] += w;
    ++count[slot];
  }
  mass_.assign(kBins, 0.0);
  count_.assign(kBins, 0);
  for (size_t lane = 0; lane < 4; ++lane) {
    for (size_t b = 0; b < kBins; ++b) {
      mass_[b] += mass[lane * kBins + b];
      count_[b] += count[lane * kBins + b];
    }
  }
}

const std::vector<int32_t>& SortedWeights::Members(size_t bin) {
  for (const auto& [b, members] : sorted_) {
    if (b == bin) return members;
  }
  std::vector<int32_t> members;
  members.reserve(count_[bin]);
  // Two loops rather than Id(i): the branch per candidate cost 30-60 us on
  // flat logits at 151,936 (sampler_bench, EPYC).
  if (ids_.empty()) {
    for (size_t t = 0; t < size_; ++t) {
      if (BinOf(weights_[t]) == bin) members.push_back(static_cast<int32_t>(t));
    }
  } else {
    for (int32_t t : ids_) {
      if (BinOf(weights_[t]) == bin) members.push_back(t);
    }
  }
  std::sort(members.begin(), members.end(), [this](int32_t a, int32_t b) { return Before(logits_, a, b); });
  sorted_.emplace_back(bin, std::move(members));
  return sorted_.back().second;
}

int32_t SortedWeights::At(size_t pos) {
  if (pos < HeadSize()) return head_[pos];
  pos -= HeadSize();
  CountBins();
  for (size_t b = BinsBelowHead(); b-- > 0;) {
    if (pos < count_[b]) return Members(b)[pos];
    pos -= count_[b];
  }
  return Id(size_ - 1);  // not reached for pos < size()
}

size_t SortedWeights::PrefixReaching(double mass) {
  double acc = 0.0;
  size_t n = 0;
  for (; n < HeadSize(); ) {
    acc += weights_[head_[n++]];
    if (acc >= mass) return n;
  }
  CountBins();
  for (size_t b = BinsBelowHead(); b-- > 0;) {
    if (count_[b] == 0) continue;
    if (acc + mass_[b] < mass) {
      acc += mass_[b];
      n += count_[b];
      continue;
    }
    // The prefix ends in this bin (unless its sorted sum rounds short).
    for (int32_t t : Members(b)) {
      acc += weights_[t];
      ++n;
      if (acc >= mass) return n;
    }
  }
  return size_;
}

size_t SortedWeights::PrefixAtLeast(double threshold) {
  if (!(threshold > 0.0)) return threshold <= 0.0 ? size_ : 0;  // NaN keeps none
  if (head_kept_ && threshold >= kHeadWeight) {  // every such candidate is in the head
    size_t n = 0;
    while (n < head_.size() && static_cast<double>(weights_[head_[n]]) >= threshold) ++n;
    return n;
  }
  // The float at or below the threshold: every bin above its bin is then
  // above the threshold, every bin below it below.
  float at_or_below = static_cast<float>(threshold);
  if (static_cast<double>(at_or_below) > threshold) at_or_below = std::nextafter(at_or_below, 0.0f);
  const size_t edge = BinOf(at_or_below);
  CountBins();
  size_t n = 0;
  for (size_t b = edge + 1; b < kBins; ++b) n += count_[b];
  for (size_t i = 0; i < size_; ++i) {
    const float w = weights_[Id(i)];
    n += BinOf(w) == edge && static_cast<double>(w) >= threshold;
  }
  return n;
}

float SortedWeights::TopWeight() { return size_ == 0 ? 0.0f : weights_[At(0)]; }

int32_t SortedWeights::Draw(double u, size_t limit) {
  if (size_ == 0) return 0;  // no candidates: callers never ask
  limit = std::clamp<size_t>(limit, 1, size_);
  // Weight of the first `limit` candidates: the head, whole bins, and the
  // first few of the bin the limit falls in.
  double kept = 0.0;
  size_t n = 0;
  if (limit == size_) {
    kept = total_;
  } else {
    for (; n < std::min(limit, HeadSize()); ++n) kept += weights_[head_[n]];
    if (n < limit) CountBins();
    for (size_t b = BinsBelowHead(); n < limit && b-- > 0;) {
      if (n + count_[b] <= limit) {
        kept += mass_[b];
        n += count_[b];
        continue;
      }
      const std::vector<int32_t>& members = Members(b);
      for (size_t j = 0; n < limit; ++j, ++n) kept += weights_[members[j]];
    }
  }
  const double r = u * kept;
  // The same walk, to where the running weight passes r.
  double acc = 0.0;
  for (n = 0; n < std::min(limit, HeadSize()); ++n) {
    acc += weights_[head_[n]];
    if (r < acc) return head_[n];
  }
  if (n < limit) CountBins();
  for (size_t b = BinsBelowHead(); n < limit && b-- > 0;) {
    const size_t take = std::min<size_t>(count_[b], limit - n);
    if (take == 0) continue;
    if (take == count_[b] && !(r < acc + mass_[b])) {  // the draw lies past this bin
      acc += mass_[b];
      n += take;
      continue;
    }
    const std::vector<int32_t>& members = Members(b);
    for (size_t j = 0; j < take; ++j) {
      acc += weights_[members[j]];
      if (r < acc) return members[j];
    }
    n += take;
  }
  return At(limit - 1);
}

}  // namespace edgereason
