// Byte-level BPE training: from word counts (pre-tokenized pieces of the
// corpus, as raw bytes) to a rank-ordered list of merges.
//
// Ids 0..255 are the bytes; merge k creates id 256 + k. Each step merges the
// most frequent adjacent pair (ties: the smaller pair of ids, so a run is
// deterministic), left to right without overlap inside every word, exactly as
// the runtime's BPE applies that merge. Training stops at the merge budget or
// when the best pair occurs fewer than `min_frequency` times.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace edgereason::train {

struct BpeMerge {
  int32_t left = 0, right = 0;  // ids being merged
  int64_t count = 0;            // occurrences when it was chosen
};

struct BpeTrainResult {
  std::vector<BpeMerge> merges;   // in rank order
  std::vector<std::string> bytes; // [256 + merges] the raw bytes of each id
};

// `words`: distinct pre-tokenized pieces (raw bytes) and their counts.
BpeTrainResult TrainBpe(const std::unordered_map<std::string, int64_t>& words, int64_t max_merges,
                        int64_t min_frequency);

}  // namespace edgereason::train
