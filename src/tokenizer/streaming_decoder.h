// Incremental detokenization for generation: feed ids one at a time and get
// back only whole UTF-8 characters.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "tokenizer/tokenizer.h"

namespace edgereason {

// Holds back an incomplete multi-byte UTF-8 sequence until a later token
// completes it; bytes that can never become valid are emitted as U+FFFD at
// once. The concatenation of every Push result and the final Flush equals
// Tokenizer::Decode of the same ids.
// Lifetime: borrows `tokenizer`, which must outlive the decoder.
// Thread-safety: one decoder per stream; not safe to share without locking.
class StreamingDecoder {
 public:
  explicit StreamingDecoder(const Tokenizer& tokenizer, bool skip_special = false);

  // The complete characters that `id` finishes (possibly empty). An id with no
  // token is an error and leaves the decoder unchanged.
  Result<std::string> Push(int32_t id);
  // Emits whatever is still held back (an incomplete sequence becomes U+FFFD)
  // and resets the decoder for a new stream.
  std::string Flush();

 private:
  const Tokenizer& tokenizer_;
  bool skip_special_;
  std::string pending_;  // bytes of an incomplete trailing UTF-8 sequence
};

}  // namespace edgereason
