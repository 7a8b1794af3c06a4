// Added tokens (special markers such as "<|im_start|>" and extra non-special
// tokens such as "<tool_call>") and how they are found in text before BPE.
//
// Matching follows Hugging Face's AddedVocabulary: leftmost-longest search
// over all added tokens; a match of a special token is skipped (its text stays
// ordinary text) when special tokens are not being parsed; single_word
// requires no word character on either side; lstrip/rstrip swallow the
// adjacent Unicode whitespace. Tokens with normalized=false are matched in the
// raw text, those with normalized=true in each normalized stretch between.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgereason {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool single_word = false;
};

// A stretch [begin, end) of the searched text: an added token (token_id >= 0)
// or ordinary text (token_id == -1).
struct TextSegment {
  size_t begin = 0, end = 0;
  int32_t token_id = -1;
};

// Immutable after construction; safe to use from many threads.
class AddedTokenSet {
 public:
  // Which of the two matching passes a search belongs to.
  enum class Pass { kRaw, kNormalized };

  // `tokens` must have unique ids and non-empty, unique contents (the loader
  // checks). For normalized tokens, `normalized_contents[i]` is the content as
  // the normalizer would rewrite it (same order as `tokens`; may be empty when
  // there is no normalizer).
  AddedTokenSet(std::vector<AddedToken> tokens, std::vector<std::string> normalized_contents);

  // Splits `text` into segments covering all of it (empty text gives none).
  // Special tokens are matched only when `match_special`.
  void Split(std::string_view text, Pass pass, bool match_special,
             std::vector<TextSegment>& segments) const;

  bool empty() const { return tokens_.empty(); }
  bool has_normalized_tokens() const { return !normalized_patterns_.empty(); }
  const std::vector<AddedToken>& tokens() const { return tokens_; }
  // The token with `content`, if any.
  const AddedToken* FindByContent(std::string_view content) const;

 private:
  struct Pattern {
    std::string text;  // what is searched for
    size_t token_index;
  };
  // Patterns bucketed by first byte, longest first within a bucket.
  struct PatternIndex {
    std::vector<std::vector<Pattern>> by_first_byte = std::vector<std::vector<Pattern>>(256);
    std::vector<Pattern> all;
    void Build(std::vector<Pattern> patterns);
    bool empty() const { return all.empty(); }
  };
  // The leftmost-longest match at or after `from`, or nullopt.
  std::optional<std::pair<size_t, const Pattern*>> FindNext(std::string_view text, size_t from,
                                                            const PatternIndex& index) const;

  std::vector<AddedToken> tokens_;
  PatternIndex raw_patterns_;
  PatternIndex normalized_patterns_;
};

}  // namespace edgereason
