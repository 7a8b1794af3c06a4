#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <deque>
#include <exception>
#include <new>
#include <unordered_map>

#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer_definition.h"
#include "tokenizer/unicode_text.h"
#include "tokenizer/word_cache.h"

namespace edgereason {
namespace {

constexpr size_t kWordCacheCapacity = 1 << 17;

}  // namespace

// Buffers reused across the segments of one Encode call.
struct EncodeScratch {
  BpeScratch bpe;
  std::vector<std::string_view> pieces, refined, words;
  std::deque<std::string> prefixed;  // storage for pieces given a prefix space
  std::vector<int32_t> cached_ids;
  std::vector<WordCache::Span> spans;
  std::vector<WordCache::NewEntry> new_entries;
};

namespace {

// Checks the added tokens against each other and the model: ids and contents
// unique (exact repeats are dropped), and a content that is also a model token
// must keep the model's id, as must an id the model already uses.
Result<std::vector<AddedToken>> CheckAddedTokens(std::vector<AddedToken> tokens,
                                                 const BpeModel& model,
                                                 const std::string& origin) {
  std::vector<AddedToken> unique;
  std::unordered_map<int32_t, size_t> by_id;
  std::unordered_map<std::string, size_t> by_content;
  for (AddedToken& token : tokens) {
    const std::string quoted = "\"" + token.content + "\"";
    if (auto it = by_id.find(token.id); it != by_id.end()) {
      if (unique[it->second].content == token.content) continue;
      return CorruptData(origin + " gives the id " + std::to_string(token.id) + " to both \"" +
                         unique[it->second].content + "\" and " + quoted + ".");
    }
    if (by_content.count(token.content) != 0) {
      return CorruptData(origin + " lists " + quoted + " under two ids.");
    }
    if (auto model_id = model.TokenToId(token.content); model_id && *model_id != token.id) {
      return CorruptData(origin + " gives " + quoted + " the id " + std::to_string(token.id) +
                         " but the vocabulary has it as " + std::to_string(*model_id) + ".");
    }
    if (const std::string* other = model.IdToToken(token.id);
        other != nullptr && *other != token.content) {
      return CorruptData(origin + " gives " + quoted + " the id " + std::to_string(token.id) +
                         ", which the vocabulary uses for \"" + *other + "\".");
    }
    by_id.emplace(token.id, unique.size());
    by_content.emplace(token.content, unique.size());
    unique.push_back(std::move(token));
  }
  return unique;
}

Result<std::unique_ptr<RegexPreTokenizer>> CompileSplit(const SplitStep& step) {
  return RegexPreTokenizer::Create(step.pattern, step.literal, step.origin);
}

}  // namespace

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::LoadFromDirectory(const std::string& dir) {
  // nlohmann::json and the standard containers can throw (allocation, or
  // an unforeseen type error); none of that may escape.
  try {
    ER_ASSIGN_OR_RETURN(TokenizerDefinition def, ReadTokenizerDirectory(dir));
    std::unique_ptr<Tokenizer> tokenizer(new Tokenizer());
    tokenizer->config_ = std::move(def.config);
    tokenizer->nfc_ = def.nfc;
    ER_ASSIGN_OR_RETURN(tokenizer->model_, BpeModel::Create(std::move(def.vocab), def.merges,
                                                            def.bpe_options, def.sources));
    for (const SplitStep& step : def.splits) {
      ER_ASSIGN_OR_RETURN(auto split, CompileSplit(step));
      tokenizer->splits_.push_back(std::move(split));
    }
    tokenizer->add_prefix_space_ = def.byte_level_add_prefix_space;
    if (def.byte_level_use_regex) {
      ER_ASSIGN_OR_RETURN(tokenizer->byte_level_split_,
                          CompileSplit({std::string(kGpt2SplitPattern), false,
                                        "the ByteLevel pre-tokenizer's GPT-2 pattern"}));
    }

    ER_ASSIGN_OR_RETURN(std::vector<AddedToken> added,
                        CheckAddedTokens(std::move(def.added_tokens), *tokenizer->model_,
                                         def.added_tokens_origin));
    std::vector<std::string> normalized_contents(added.size());
    for (size_t i = 0; i < added.size(); ++i) {
      if (!IsValidUtf8(added[i].content)) {
        return CorruptData(def.added_tokens_origin + " has a token with invalid UTF-8.");
      }
      if (added[i].normalized && tokenizer->nfc_) {
        ER_ASSIGN_OR_RETURN(normalized_contents[i], NfcNormalize(added[i].content));
      }
    }

    // Id-indexed tables: model tokens first, added tokens over them.
    int32_t limit = tokenizer->model_->id_limit();
    for (const AddedToken& token : added) limit = std::max(limit, token.id + 1);
    tokenizer->id_to_token_.resize(limit);
    tokenizer->id_to_bytes_.resize(limit);
    tokenizer->id_flags_.assign(limit, 0);
    for (int32_t id = 0; id < tokenizer->model_->id_limit(); ++id) {
      const std::string* token = tokenizer->model_->IdToToken(id);
      if (token == nullptr) continue;
      tokenizer->id_to_token_[id] = *token;
      // Like the ByteLevel decoder: a token with characters outside the byte
      // map decodes to its own UTF-8 bytes.
      std::optional<std::string> bytes = ByteLevelToBytes(*token);
      tokenizer->id_to_bytes_[id] = bytes ? std::move(*bytes) : *token;
      tokenizer->id_flags_[id] = kPresent;
    }
    for (const AddedToken& token : added) {
      tokenizer->id_to_token_[token.id] = token.content;
      tokenizer->id_to_bytes_[token.id] = token.content;
      tokenizer->id_flags_[token.id] = kPresent | kAdded | (token.special ? kSpecial : 0);
    }
    tokenizer->added_tokens_ =
        std::make_unique<AddedTokenSet>(std::move(added), std::move(normalized_contents));
    tokenizer->cache_ = std::make_unique<WordCache>(kWordCacheCapacity);
    return tokenizer;
  } catch (const std::bad_alloc&) {
    return Internal(dir + ": out of memory while loading the tokenizer.");
  } catch (const std::exception& e) {
    return Internal(dir + ": unexpected error while loading the tokenizer (" + e.what() + ").");
  }
}

Result<std::vector<int32_t>> Tokenizer::Encode(std::string_view text, bool parse_special) const {
  if (!IsValidUtf8(text)) {
    return InvalidArgument("Encode input is not valid UTF-8 (" + std::to_string(text.size()) +
                           " bytes).");
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 1);
  EncodeScratch scratch;
  std::vector<TextSegment> segments;
  added_tokens_->Split(text, AddedTokenSet::Pass::kRaw, parse_special, segments);
  for (const TextSegment& segment : segments) {
    if (segment.token_id >= 0) {
      ids.push_back(segment.token_id);
      continue;
    }
    ER_RETURN_IF_ERROR(EncodeOrdinaryText(text.substr(segment.begin, segment.end - segment.begin),
                                          parse_special, scratch, ids));
  }
  return ids;
}

Status Tokenizer::EncodeOrdinaryText(std::string_view text, bool parse_special,
                                     EncodeScratch& scratch, std::vector<int32_t>& ids) const {
  std::string normalized_storage;
  std::string_view normalized = text;
  if (nfc_) {
    ER_ASSIGN_OR_RETURN(normalized_storage, NfcNormalize(text));
    normalized = normalized_storage;
  }
  if (!added_tokens_->has_normalized_tokens()) {
    return EncodeNormalizedText(normalized, scratch, ids);
  }
  std::vector<TextSegment> segments;
  added_tokens_->Split(normalized, AddedTokenSet::Pass::kNormalized, parse_special, segments);
  for (const TextSegment& segment : segments) {
    if (segment.token_id >= 0) {
      ids.push_back(segment.token_id);
      continue;
    }
    ER_RETURN_IF_ERROR(EncodeNormalizedText(
        normalized.substr(segment.begin, segment.end - segment.begin), scratch, ids));
  }
  return Status::Ok();
}

Status Tokenizer::EncodeNormalizedText(std::string_view text, EncodeScratch& scratch,
                                       std::vector<int32_t>& ids) const {
  auto& pieces = scratch.pieces;
  auto& refined = scratch.refined;
  pieces.assign(1, text);
  for (const auto& split : splits_) {
    refined.clear();
    for (std::string_view piece : pieces) ER_RETURN_IF_ERROR(split->Split(piece, refined));
    pieces.swap(refined);
  }
  auto& words = scratch.words;
  words.clear();
  scratch.prefixed.clear();
  for (std::string_view piece : pieces) {
    if (add_prefix_space_ && !piece.starts_with(' ')) {
      piece = scratch.prefixed.emplace_back(" " + std::string(piece));
    }
    if (byte_level_split_ == nullptr) {
      words.push_back(piece);
    } else {
      ER_RETURN_IF_ERROR(byte_level_split_->Split(piece, words));
    }
  }
  EncodeWords(scratch, ids);
  return Status::Ok();
}

void Tokenizer::EncodeWords(EncodeScratch& scratch, std::vector<int32_t>& ids) const {
  scratch.cached_ids.clear();
  scratch.new_entries.clear();
  cache_->LookupAll(scratch.words, scratch.cached_ids, scratch.spans);
  for (size_t i = 0; i < scratch.words.size(); ++i) {
    const WordCache::Span& span = scratch.spans[i];
    if (span.hit) {
      ids.insert(ids.end(), scratch.cached_ids.begin() + span.begin,
                 scratch.cached_ids.begin() + span.end);
      continue;
    }
    const size_t first = ids.size();
    model_->EncodePiece(scratch.words[i], scratch.bpe, ids);
    scratch.new_entries.push_back(
        {i, static_cast<uint32_t>(first), static_cast<uint32_t>(ids.size())});
  }
  cache_->InsertAll(scratch.words, ids, scratch.new_entries);
}

Result<std::string> Tokenizer::Decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string bytes;
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (id < 0 || id >= vocab_size() || (id_flags_[id] & kPresent) == 0) {
      return OutOfRange("Decode: id " + std::to_string(id) + " at position " + std::to_string(i) +
                        " has no token (vocabulary size " + std::to_string(vocab_size()) + ").");
    }
    if (skip_special && (id_flags_[id] & kSpecial) != 0) continue;
    bytes.append(id_to_bytes_[id]);
  }
  std::string text;
  text.reserve(bytes.size());
  AppendUtf8Lossy(bytes, text);
  return text;
}

int32_t Tokenizer::vocab_size() const { return static_cast<int32_t>(id_flags_.size()); }

std::optional<int32_t> Tokenizer::TokenToId(std::string_view token) const {
  // Added tokens first, as Hugging Face looks them up.
  if (const AddedToken* added = added_tokens_->FindByContent(token)) return added->id;
  return model_->TokenToId(token);
}

std::optional<std::string_view> Tokenizer::IdToToken(int32_t id) const {
  if (id < 0 || id >= vocab_size() || (id_flags_[id] & kPresent) == 0) return std::nullopt;
  return id_to_token_[id];
}

std::optional<std::string_view> Tokenizer::TokenBytes(int32_t id) const {
  if (id < 0 || id >= vocab_size() || (id_flags_[id] & kPresent) == 0) return std::nullopt;
  return id_to_bytes_[id];
}

bool Tokenizer::IsSpecial(int32_t id) const {
  return id >= 0 && id < vocab_size() && (id_flags_[id] & kSpecial) != 0;
}

bool Tokenizer::IsAddedToken(int32_t id) const {
  return id >= 0 && id < vocab_size() && (id_flags_[id] & kAdded) != 0;
}

}  // namespace edgereason
