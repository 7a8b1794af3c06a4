// A bounded cache from a pre-tokenized piece (raw bytes) to its BPE ids.
// Text repeats words heavily, so most pieces skip the merge loop.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <span>
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

  // Where a piece's ids lie in a batch's id buffer.
  struct Span {
    uint32_t begin = 0, end = 0;
    bool hit = false;
  };
  // A piece to add: pieces[piece] -> ids[begin, end).
  struct NewEntry {
    size_t piece;
    uint32_t begin, end;
  };

  // Looks every piece up under one shared lock (locking per piece would cost
  // more than the lookup): hits append their ids to `ids` and `spans[i]`
  // says where; misses get hit == false. `spans` is resized to match.
  void LookupAll(std::span<const std::string_view> pieces, std::vector<int32_t>& ids,
                 std::vector<Span>& spans) const;
  // Inserts `entries` (ids taken from `ids`) under one exclusive lock.
  void InsertAll(std::span<const std::string_view> pieces, std::span<const int32_t> ids,
                 std::span<const NewEntry> entries);

 private:
  size_t capacity_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::vector<int32_t>, StringViewHash, std::equal_to<>> map_;
};

}  // namespace edgereason
