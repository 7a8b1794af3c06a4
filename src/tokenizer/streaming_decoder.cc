#include "tokenizer/streaming_decoder.h"

#include "tokenizer/unicode_text.h"

namespace edgereason {

StreamingDecoder::StreamingDecoder(const Tokenizer& tokenizer, bool skip_special)
    : tokenizer_(tokenizer), skip_special_(skip_special) {}

Result<std::string> StreamingDecoder::Push(int32_t id) {
  std::optional<std::string_view> bytes = tokenizer_.TokenBytes(id);
  if (!bytes) {
    return OutOfRange("StreamingDecoder: id " + std::to_string(id) +
                      " has no token (vocabulary size " +
                      std::to_string(tokenizer_.vocab_size()) + ").");
  }
  if (skip_special_ && tokenizer_.IsSpecial(id)) return std::string();
  pending_.append(*bytes);
  // Emit everything up to a trailing sequence that more bytes could still
  // complete; ill-formed bytes before it are final and become U+FFFD now.
  const size_t ready = CompletedUtf8Length(pending_);
  std::string out;
  AppendUtf8Lossy(std::string_view(pending_).substr(0, ready), out);
  pending_.erase(0, ready);
  return out;
}

std::string StreamingDecoder::Flush() {
  std::string out;
  AppendUtf8Lossy(pending_, out);
  pending_.clear();
  return out;
}

}  // namespace edgereason
