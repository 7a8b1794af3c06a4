#include "tokenizer/word_cache.h"

#include <mutex>

namespace edgereason {

void WordCache::LookupAll(std::span<const std::string_view> pieces, std::vector<int32_t>& ids,
                          std::vector<Span>& spans) const {
  spans.assign(pieces.size(), Span{});
  std::shared_lock lock(mutex_);
  if (map_.empty()) return;
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].size() > kMaxPieceBytes) continue;
    auto it = map_.find(pieces[i]);
    if (it == map_.end()) continue;
    spans[i].begin = static_cast<uint32_t>(ids.size());
    ids.insert(ids.end(), it->second.begin(), it->second.end());
    spans[i].end = static_cast<uint32_t>(ids.size());
    spans[i].hit = true;
  }
}

void WordCache::InsertAll(std::span<const std::string_view> pieces, std::span<const int32_t> ids,
                          std::span<const NewEntry> entries) {
  if (entries.empty()) return;
  std::unique_lock lock(mutex_);
  for (const NewEntry& entry : entries) {
    if (map_.size() >= capacity_) return;
    const std::string_view piece = pieces[entry.piece];
    if (piece.size() > kMaxPieceBytes) continue;
    map_.try_emplace(std::string(piece), ids.begin() + entry.begin, ids.begin() + entry.end);
  }
}

}  // namespace edgereason
