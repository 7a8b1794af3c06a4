// Regex pre-tokenization with PCRE2 (UTF + UCP, JIT-compiled when the platform
// allows, the interpreter otherwise): splits text into the pieces that BPE
// then encodes independently, keeping both the matches and the text between
// them (Hugging Face's Split with behavior "Isolated", invert false).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace edgereason {

// The Qwen2 split pattern (also used when only vocab.json + merges.txt exist).
inline constexpr std::string_view kQwen2SplitPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// The GPT-2 pattern that a ByteLevel pre-tokenizer with use_regex applies.
inline constexpr std::string_view kGpt2SplitPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Immutable after Create; Split is safe to call concurrently.
class RegexPreTokenizer {
 public:
  // Compiles `pattern` (a regex, or a literal string when `literal`).
  // `origin` names the pattern's file and field in errors.
  static Result<std::unique_ptr<RegexPreTokenizer>> Create(std::string_view pattern, bool literal,
                                                           const std::string& origin);
  ~RegexPreTokenizer();
  RegexPreTokenizer(const RegexPreTokenizer&) = delete;
  RegexPreTokenizer& operator=(const RegexPreTokenizer&) = delete;

  // Appends to `pieces` the non-empty matches of the pattern in `text` and the
  // non-empty stretches between them, in order; together they cover `text`.
  // The views point into `text`, which must be valid UTF-8.
  Status Split(std::string_view text, std::vector<std::string_view>& pieces) const;

  bool jit_compiled() const { return jit_; }

 private:
  RegexPreTokenizer() = default;
  struct Code;  // owns the pcre2_code
  std::unique_ptr<Code> code_;
  bool jit_ = false;
  std::string origin_;
};

}  // namespace edgereason
