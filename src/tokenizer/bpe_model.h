// The BPE model: a vocabulary of byte-level token strings and ranked merge
// rules, applied to one pre-tokenized piece at a time exactly as Hugging Face
// `tokenizers` does (lowest rank first, leftmost first among equal ranks).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"

namespace edgereason {

// Largest id accepted in a vocabulary; guards against a file that names id
// 2^31-1 and would otherwise make id-indexed tables enormous.
inline constexpr int32_t kMaxTokenId = (1 << 24) - 1;

struct BpeOptions {
  std::optional<std::string> unk_token;  // emitted for bytes missing from the vocab
  bool fuse_unk = false;                 // consecutive unknowns become one unk
  bool ignore_merges = false;            // a piece already in the vocab skips merging
};

// One merge rule as written in the file; `position` is its line (merges.txt)
// or array index (tokenizer.json) for error messages.
struct MergeRule {
  std::string left, right;
  size_t position = 0;
};

// Where the vocabulary and merges came from, for error messages, e.g.
// {"/m/tokenizer.json field model.vocab", "/m/tokenizer.json field model.merges", "entry"}.
struct BpeSources {
  std::string vocab;
  std::string merges;
  std::string merge_position_word = "entry";
};

// Heterogeneous-lookup hash so maps keyed by std::string accept string_view.
struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TokenIdMap = std::unordered_map<std::string, int32_t, StringViewHash, std::equal_to<>>;

// Reusable buffers for EncodePiece so that encoding allocates little.
struct BpeScratch {
  struct Symbol {
    int32_t id;
    int32_t prev, next;  // neighbour indexes, -1 at the ends
    bool alive;
  };
  struct Candidate {
    int32_t rank, pos, new_id;
  };
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;
  std::string byte_level;
};

// Immutable after Create; EncodePiece is safe to call concurrently (each
// caller brings its own scratch).
class BpeModel {
 public:
  // Validates and indexes the vocabulary and merges: ids must be in
  // [0, kMaxTokenId] and unique, and every merge's two parts and their
  // concatenation must be in the vocabulary. A repeated merge keeps the rank
  // of its last occurrence, as Hugging Face does.
  static Result<std::unique_ptr<BpeModel>> Create(
      std::vector<std::pair<std::string, int32_t>> vocab, const std::vector<MergeRule>& merges,
      BpeOptions options, const BpeSources& sources);

  // Appends the ids of one piece of raw (not byte-mapped) bytes.
  void EncodePiece(std::string_view bytes, BpeScratch& scratch, std::vector<int32_t>& out) const;

  // One past the largest vocabulary id.
  int32_t id_limit() const { return static_cast<int32_t>(id_to_token_.size()); }
  std::optional<int32_t> TokenToId(std::string_view token) const;
  // The token string of `id`, or nullptr for an id with no token.
  const std::string* IdToToken(int32_t id) const;

 private:
  BpeModel() = default;
  struct MergeTarget {
    int32_t rank;
    int32_t new_id;
  };
  static uint64_t PairKey(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  const MergeTarget* FindMerge(int32_t left, int32_t right) const;

  BpeOptions options_;
  std::optional<int32_t> unk_id_;
  TokenIdMap token_to_id_;
  std::vector<std::string> id_to_token_;
  std::vector<bool> id_present_;
  std::array<int32_t, 256> byte_to_id_{};  // -1 when the byte's character is absent
  std::unordered_map<uint64_t, MergeTarget> merges_;
};

}  // namespace edgereason
