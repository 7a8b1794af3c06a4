#include "train/bpe_trainer.h"

#include <algorithm>
#include <queue>
#include <set>
#include <tuple>

namespace edgereason::train {
namespace {

using Pair = std::pair<int32_t, int32_t>;

struct PairHash {
  size_t operator()(const Pair& p) const {
    return std::hash<uint64_t>()((uint64_t(uint32_t(p.first)) << 32) | uint32_t(p.second));
  }
};

struct Word {
  std::vector<int32_t> ids;
  int64_t count = 0;
};

// Pair statistics kept incrementally: counts, the words holding each pair,
// and a lazy max-heap (stale entries are skipped when popped).
struct PairStats {
  std::unordered_map<Pair, int64_t, PairHash> count;
  std::unordered_map<Pair, std::set<size_t>, PairHash> where;
  // (count, -left, -right): the largest count first, then the smallest pair.
  std::priority_queue<std::tuple<int64_t, int32_t, int32_t>> heap;

  void Add(const Pair& p, int64_t n, size_t word) {
    int64_t& c = count[p];
    c += n;
    if (n > 0) where[p].insert(word);
    if (c > 0) heap.emplace(c, -p.first, -p.second);
  }
};

void CountWord(const Word& w, size_t index, int64_t sign, PairStats& stats) {
  for (size_t i = 0; i + 1 < w.ids.size(); ++i) {
    stats.Add({w.ids[i], w.ids[i + 1]}, sign * w.count, index);
  }
}

// Replaces every non-overlapping occurrence of `p`, left to right.
void MergeWord(Word& w, const Pair& p, int32_t id) {
  std::vector<int32_t> out;
  out.reserve(w.ids.size());
  for (size_t i = 0; i < w.ids.size(); ++i) {
    if (i + 1 < w.ids.size() && w.ids[i] == p.first && w.ids[i + 1] == p.second) {
      out.push_back(id);
      ++i;
    } else {
      out.push_back(w.ids[i]);
    }
  }
  w.ids = std::move(out);
}

}  // namespace

BpeTrainResult TrainBpe(const std::unordered_map<std::string, int64_t>& words, int64_t max_merges,
                        int64_t min_frequency) {
  BpeTrainResult r;
  for (int b = 0; b < 256; ++b) r.bytes.emplace_back(1, static_cast<char>(b));
  // Sorted so that the word indices, and with them the run, do not depend on
  // the hash map's order.
  std::vector<std::pair<std::string, int64_t>> sorted(words.begin(), words.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<Word> ws;
  ws.reserve(sorted.size());
  for (const auto& [text, n] : sorted) {
    Word w;
    w.count = n;
    for (unsigned char c : text) w.ids.push_back(c);
    ws.push_back(std::move(w));
  }
  PairStats stats;
  for (size_t i = 0; i < ws.size(); ++i) CountWord(ws[i], i, +1, stats);

  while (static_cast<int64_t>(r.merges.size()) < max_merges && !stats.heap.empty()) {
    auto [c, nl, nr] = stats.heap.top();
    stats.heap.pop();
    const Pair p{-nl, -nr};
    auto it = stats.count.find(p);
    if (it == stats.count.end() || it->second != c) continue;  // stale entry
    if (c < std::max<int64_t>(min_frequency, 1)) break;
    const int32_t id = 256 + static_cast<int32_t>(r.merges.size());
    r.merges.push_back({p.first, p.second, c});
    r.bytes.push_back(r.bytes[p.first] + r.bytes[p.second]);
    // Only the words holding the pair change: take their pairs out, merge,
    // and count them again.
    const std::set<size_t> touched = std::move(stats.where[p]);
    stats.where.erase(p);
    for (size_t wi : touched) {
      CountWord(ws[wi], wi, -1, stats);
      MergeWord(ws[wi], p, id);
      CountWord(ws[wi], wi, +1, stats);
    }
    stats.count.erase(p);
  }
  return r;
}

}  // namespace edgereason::train
