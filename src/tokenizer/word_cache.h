// A bounded cache from a pre-tokenized piece (raw bytes) to its BPE ids.
// Text repeats words heavily, so most pieces skip the merge loop.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/bpe_model.h"

namespace edgereason {

// Thread-safety: all methods may be called concurrently (readers share a
// lock; inserts take it exclusively). Once `capacity` entries are held, new
// pieces are simply not cached, so memory stays bounded and hits stay cheap.
class WordCache {
 public:
  explicit WordCache(size_t capacity) : capacity_(capacity) {}

  // Pieces longer than this are never cached (they are rare and large).
  static constexpr size_t kMaxPieceBytes = 64;

  // Appends the cached ids of `piece` to `out` and returns true on a hit.
  bool Lookup(std::string_view piece, std::vector<int32_t>& out) const;
  void Insert(std::string_view piece, const int32_t* ids, size_t count);

 private:
  size_t capacity_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::vector<int32_t>, StringViewHash, std::equal_to<>> map_;
};

}  // namespace edgereason
