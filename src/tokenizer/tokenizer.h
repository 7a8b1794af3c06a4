// A byte-level BPE tokenizer that reproduces Hugging Face `tokenizers` for the
// GPT-2 / Qwen2 family: NFC normalization, a regex pre-tokenizer, the GPT-2
// byte-to-unicode map, rank-ordered BPE merges and added (special) tokens.
//
// Loading: LoadFromDirectory reads `tokenizer.json` when present, otherwise
// `vocab.json` + `merges.txt` (+ `tokenizer_config.json`'s
// `added_tokens_decoder`) with the Qwen2 pre-tokenizer regex and NFC.
// `tokenizer_config.json` and `chat_template.jinja` fill TokenizerConfig.
//
// Text is UTF-8. Encode rejects input that is not valid UTF-8 with
// kInvalidArgument (Hugging Face only ever sees Rust Strings, so there is no
// behaviour to mirror); Decode replaces invalid byte sequences with U+FFFD
// exactly as Hugging Face's lossy decode does.
//
// Thread-safety: a loaded Tokenizer is immutable apart from an internal word
// cache guarded by a mutex; Encode, Decode and every accessor may be called
// concurrently from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgereason {

// What tokenizer_config.json (and chat_template.jinja) say about how the
// tokenizer is used. Empty strings mean "not set".
struct TokenizerConfig {
  // Jinja source of the chat template; rendered elsewhere. chat_template.jinja
  // wins over tokenizer_config.json's `chat_template` (the "default" entry when
  // that field is a list of {name, template}).
  std::string chat_template;
  std::string bos_token, eos_token, pad_token, unk_token;
  // Whether callers should prepend bos_token; Encode itself never adds it.
  bool add_bos_token = false;
  // 0 when absent; clamped to INT64_MAX when the file holds a larger number.
  int64_t model_max_length = 0;
};

class AddedTokenSet;
class BpeModel;
class RegexPreTokenizer;
class WordCache;
struct EncodeScratch;

class Tokenizer {
 public:
  // Loads the tokenizer files in `dir` (see the file comment). Every
  // malformed or unsupported file yields an error naming the file and field.
  static Result<std::unique_ptr<Tokenizer>> LoadFromDirectory(const std::string& dir);

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Token ids of `text`. With parse_special, special added tokens in the text
  // become their ids; without it they are encoded as plain text. Non-special
  // added tokens are always matched (as Hugging Face does). Never adds BOS/EOS.
  Result<std::vector<int32_t>> Encode(std::string_view text, bool parse_special) const;

  // The text of `ids`: model tokens through the byte-level decoder, added
  // tokens as their content; invalid UTF-8 becomes U+FFFD. skip_special drops
  // special added tokens. An id with no token is an error.
  Result<std::string> Decode(std::span<const int32_t> ids, bool skip_special = false) const;

  // One past the largest id, added tokens included.
  int32_t vocab_size() const;
  // The id of an exact token string (byte-level form for model tokens, e.g.
  // "Ġthe"; content for added tokens).
  std::optional<int32_t> TokenToId(std::string_view token) const;
  // The token string of `id` (the inverse of TokenToId), or nullopt when no
  // token has that id.
  std::optional<std::string_view> IdToToken(int32_t id) const;
  // The raw bytes `id` decodes to (may be part of a UTF-8 character), or
  // nullopt when no token has that id.
  std::optional<std::string_view> TokenBytes(int32_t id) const;
  // True for added tokens marked special (false for unknown ids).
  bool IsSpecial(int32_t id) const;
  // True for any added token, special or not.
  bool IsAddedToken(int32_t id) const;
  const TokenizerConfig& config() const { return config_; }

 private:
  Tokenizer();

  // Encodes text between raw-matched added tokens: normalize, match the
  // normalized added tokens, then EncodeNormalizedText the rest.
  Status EncodeOrdinaryText(std::string_view text, bool parse_special, EncodeScratch& scratch,
                            std::vector<int32_t>& ids) const;
  // Pre-tokenizes normalized text and BPE-encodes each piece.
  Status EncodeNormalizedText(std::string_view text, EncodeScratch& scratch,
                              std::vector<int32_t>& ids) const;
  // BPE-encodes the pre-tokenized pieces in `scratch`, through the cache.
  void EncodeWords(EncodeScratch& scratch, std::vector<int32_t>& ids) const;

  // Per-id flags.
  static constexpr uint8_t kPresent = 1, kAdded = 2, kSpecial = 4;

  TokenizerConfig config_;
  bool nfc_ = false;
  std::unique_ptr<BpeModel> model_;
  // Split steps applied in order, each refining the pieces of the previous.
  std::vector<std::unique_ptr<RegexPreTokenizer>> splits_;
  // The ByteLevel step: optional prefix space, then the GPT-2 split when its
  // use_regex is set (null otherwise).
  bool add_prefix_space_ = false;
  std::unique_ptr<RegexPreTokenizer> byte_level_split_;
  std::unique_ptr<AddedTokenSet> added_tokens_;
  std::unique_ptr<WordCache> cache_;
  // Indexed by id, sized vocab_size(): token string, decoded bytes, flags.
  std::vector<std::string> id_to_token_;
  std::vector<std::string> id_to_bytes_;
  std::vector<uint8_t> id_flags_;
};

}  // namespace edgereason
