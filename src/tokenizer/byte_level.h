// The GPT-2 byte-to-unicode map used by byte-level BPE: every byte value gets
// a printable code point (printable Latin-1 bytes map to themselves, the rest
// to U+0100..U+0143), so a token string is a sequence of such characters and
// never contains raw control bytes or spaces (a space is "Ġ", U+0120).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgereason {

// The code point that stands for each byte value.
const std::array<char32_t, 256>& ByteLevelCodePoints();

// Maps raw bytes to their byte-level token-string form (UTF-8 of the mapped
// code points), appended to `out`.
void AppendByteLevel(std::string_view bytes, std::string& out);

// The raw bytes a byte-level token string stands for, or nullopt when it holds
// a character outside the map (or is not valid UTF-8).
std::optional<std::string> ByteLevelToBytes(std::string_view token);

}  // namespace edgereason
