// UTF-8 validation, lossy decoding, NFC normalization and the two Unicode
// character classes added-token matching needs (White_Space and word
// characters), on raw std::string_view bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace edgereason {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code
// points above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// Appends `bytes` to `out`, replacing every ill-formed sequence with U+FFFD
// using the "maximal subpart" rule (one U+FFFD per maximal prefix of a valid
// sequence, at least one byte), which is what Rust's String::from_utf8_lossy
// and therefore Hugging Face's decode produce.
void AppendUtf8Lossy(std::string_view bytes, std::string& out);

// The length of the longest prefix of `bytes` that can be emitted now: it ends
// before a trailing sequence that is a valid-so-far prefix of a multi-byte
// character and could still be completed by more bytes. Ill-formed bytes count
// as emittable (they will become U+FFFD whatever follows).
size_t CompletedUtf8Length(std::string_view bytes);

// NFC of valid UTF-8 `text`. Fails only on invalid input or allocation failure.
Result<std::string> NfcNormalize(std::string_view text);

// Decodes the code point starting at `text[pos]` of valid UTF-8 and returns
// its byte length through `length`.
char32_t DecodeCodePoint(std::string_view text, size_t pos, size_t* length);
// The code point that ends at `text[end - 1]` of valid UTF-8; `start` receives
// its first byte offset.
char32_t DecodeCodePointBefore(std::string_view text, size_t end, size_t* start);

// Unicode White_Space (what Rust's char::is_whitespace and regex \s match).
bool IsUnicodeWhitespace(char32_t c);
// Unicode word character as Rust's regex \w: letters, marks, decimal digits,
// letter numbers, connector punctuation and the zero-width joiners.
bool IsUnicodeWordChar(char32_t c);

}  // namespace edgereason
