#include "tokenizer/byte_level.h"

#include "tokenizer/unicode_text.h"

namespace edgereason {
namespace {

std::array<char32_t, 256> BuildByteLevelCodePoints() {
  std::array<char32_t, 256> map{};
  std::array<bool, 256> printable{};
  // The bytes GPT-2 keeps as themselves: '!'..'~', '¡'..'¬', '®'..'ÿ'.
  for (int b = '!'; b <= '~'; ++b) printable[b] = true;
  for (int b = 0xA1; b <= 0xAC; ++b) printable[b] = true;
  for (int b = 0xAE; b <= 0xFF; ++b) printable[b] = true;
  char32_t next_free = 0x100;
  for (int b = 0; b < 256; ++b) {
    map[b] = printable[b] ? static_cast<char32_t>(b) : next_free++;
  }
  return map;
}

void AppendCodePoint(char32_t c, std::string& out) {
  // The map's code points are all below U+0800.
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// Inverse map indexed by code point (all mapped code points are < 0x144).
constexpr size_t kInverseSize = 0x144;
std::array<int16_t, kInverseSize> BuildInverse() {
  std::array<int16_t, kInverseSize> inverse;
  inverse.fill(-1);
  const auto& forward = ByteLevelCodePoints();
  for (int b = 0; b < 256; ++b) inverse[forward[b]] = static_cast<int16_t>(b);
  return inverse;
}

}  // namespace

const std::array<char32_t, 256>& ByteLevelCodePoints() {
  static const std::array<char32_t, 256> kMap = BuildByteLevelCodePoints();
  return kMap;
}

void AppendByteLevel(std::string_view bytes, std::string& out) {
  const auto& map = ByteLevelCodePoints();
  for (char byte : bytes) AppendCodePoint(map[static_cast<unsigned char>(byte)], out);
}

std::optional<std::string> ByteLevelToBytes(std::string_view token) {
  static const std::array<int16_t, kInverseSize> kInverse = BuildInverse();
  if (!IsValidUtf8(token)) return std::nullopt;
  std::string bytes;
  bytes.reserve(token.size());
  size_t pos = 0;
  while (pos < token.size()) {
    size_t length;
    const char32_t c = DecodeCodePoint(token, pos, &length);
    if (c >= kInverseSize || kInverse[c] < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(kInverse[c]));
    pos += length;
  }
  return bytes;
}

}  // namespace edgereason
