#include "tokenizer/bpe_model.h"

#include <algorithm>

#include "tokenizer/byte_level.h"

namespace edgereason {
namespace {

// Quotes a token for an error message, keeping it short.
std::string Quote(std::string_view token) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  out.append(token.substr(0, kMax));
  if (token.size() > kMax) out.append("...");
  out.push_back('"');
  return out;
}

// Min-heap order on (rank, pos): the lowest rank merges first, the leftmost
// among equal ranks.
bool HeapAfter(const BpeScratch::Candidate& a, const BpeScratch::Candidate& b) {
  return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
}

}  // namespace

Result<std::unique_ptr<BpeModel>> BpeModel::Create(
    std::vector<std::pair<std::string, int32_t>> vocab, const std::vector<MergeRule>& merges,
    BpeOptions options, const BpeSources& sources) {
  std::unique_ptr<BpeModel> model(new BpeModel());
  if (vocab.empty()) return CorruptData(sources.vocab + " is empty.");
  int32_t max_id = -1;
  for (const auto& [token, id] : vocab) {
    if (id < 0 || id > kMaxTokenId) {
      return CorruptData(sources.vocab + " gives token " + Quote(token) + " the id " +
                         std::to_string(id) + ", outside [0, " + std::to_string(kMaxTokenId) +
                         "].");
    }
    max_id = std::max(max_id, id);
  }
  model->id_to_token_.resize(static_cast<size_t>(max_id) + 1);
  model->id_present_.assign(static_cast<size_t>(max_id) + 1, false);
  model->token_to_id_.reserve(vocab.size());
  for (auto& [token, id] : vocab) {
    if (model->id_present_[id]) {
      return CorruptData(sources.vocab + " gives the id " + std::to_string(id) +
                         " to both " + Quote(model->id_to_token_[id]) + " and " +
                         Quote(token) + ".");
    }
    if (!model->token_to_id_.emplace(token, id).second) {
      return CorruptData(sources.vocab + " lists the token " + Quote(token) + " twice.");
    }
    model->id_present_[id] = true;
    model->id_to_token_[id] = std::move(token);
  }

  model->merges_.reserve(merges.size());
  std::string merged;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const MergeRule& rule = merges[rank];
    auto missing = [&](std::string_view token) {
      return CorruptData(sources.merges + " " + sources.merge_position_word + " " +
                         std::to_string(rule.position) + " (" + Quote(rule.left + " " + rule.right) +
                         ") names " + Quote(token) + ", which is not in " + sources.vocab + ".");
    };
    auto left = model->TokenToId(rule.left);
    if (!left) return missing(rule.left);
    auto right = model->TokenToId(rule.right);
    if (!right) return missing(rule.right);
    merged = rule.left + rule.right;
    auto result = model->TokenToId(merged);
    if (!result) return missing(merged);
    model->merges_.insert_or_assign(PairKey(*left, *right),
                                    MergeTarget{static_cast<int32_t>(rank), *result});
  }

  if (options.unk_token) {
    auto unk = model->TokenToId(*options.unk_token);
    if (!unk) {
      return CorruptData(sources.vocab + " lacks the unknown token " +
                         Quote(*options.unk_token) + " that model.unk_token names.");
    }
    model->unk_id_ = *unk;
  }
  std::string byte_level;
  for (int b = 0; b < 256; ++b) {
    byte_level.clear();
    const char byte = static_cast<char>(b);
    AppendByteLevel(std::string_view(&byte, 1), byte_level);
    model->byte_to_id_[b] = model->TokenToId(byte_level).value_or(-1);
  }
  model->options_ = std::move(options);
  return model;
}

std::optional<int32_t> BpeModel::TokenToId(std::string_view token) const {
  auto it = token_to_id_.find(token);
  if (it == token_to_id_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::IdToToken(int32_t id) const {
  if (id < 0 || id >= id_limit() || !id_present_[id]) return nullptr;
  return &id_to_token_[id];
}

const BpeModel::MergeTarget* BpeModel::FindMerge(int32_t left, int32_t right) const {
  auto it = merges_.find(PairKey(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

void BpeModel::EncodePiece(std::string_view bytes, BpeScratch& scratch,
                           std::vector<int32_t>& out) const {
  if (bytes.empty()) return;
  if (options_.ignore_merges) {
    scratch.byte_level.clear();
    AppendByteLevel(bytes, scratch.byte_level);
    if (auto id = TokenToId(scratch.byte_level)) {
      out.push_back(*id);
      return;
    }
  }

  // One symbol per byte (each byte is one byte-level character). Bytes with no
  // vocabulary entry become the unknown token, or vanish when there is none.
  auto& symbols = scratch.symbols;
  symbols.clear();
  bool last_was_unk = false;
  for (char byte : bytes) {
    int32_t id = byte_to_id_[static_cast<unsigned char>(byte)];
    if (id < 0) {
      if (!unk_id_) continue;
      if (options_.fuse_unk && last_was_unk) continue;
      id = *unk_id_;
      last_was_unk = true;
    } else {
      last_was_unk = false;
    }
    symbols.push_back({id, 0, 0, true});
  }
  const int32_t count = static_cast<int32_t>(symbols.size());
  for (int32_t i = 0; i < count; ++i) {
    symbols[i].prev = i - 1;
    symbols[i].next = i + 1 < count ? i + 1 : -1;
  }

  auto& heap = scratch.heap;
  heap.clear();
  auto push_candidate = [&](int32_t pos) {
    const int32_t next = symbols[pos].next;
    if (next < 0) return;
    if (const MergeTarget* m = FindMerge(symbols[pos].id, symbols[next].id)) {
      heap.push_back({m->rank, pos, m->new_id});
      std::push_heap(heap.begin(), heap.end(), HeapAfter);
    }
  };
  for (int32_t i = 0; i + 1 < count; ++i) push_candidate(i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), HeapAfter);
    const BpeScratch::Candidate top = heap.back();
    heap.pop_back();
    BpeScratch::Symbol& left = symbols[top.pos];
    if (!left.alive || left.next < 0) continue;
    BpeScratch::Symbol& right = symbols[left.next];
    // The pair may have changed since this candidate was queued; like Hugging
    // Face, only the merged id is compared.
    const MergeTarget* current = FindMerge(left.id, right.id);
    if (current == nullptr || current->new_id != top.new_id) continue;
    left.id = top.new_id;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.pos;
    if (left.prev >= 0) push_candidate(left.prev);
    push_candidate(top.pos);
  }
  for (const auto& symbol : symbols) {
    if (symbol.alive) out.push_back(symbol.id);
  }
}

}  // namespace edgereason
