#include "tokenizer/streaming_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer/unicode_text.h"
#include "tokenizer_test_data.h"

namespace edgereason {
namespace {

using test::QwenFromTokenizerJson;

// Streams `ids`, checking every chunk is whole UTF-8, and returns the text.
std::string StreamAll(const Tokenizer& t, const std::vector<int32_t>& ids, bool skip_special,
                      size_t* emitted_chunks = nullptr) {
  StreamingDecoder decoder(t, skip_special);
  std::string text;
  size_t chunks = 0;
  for (int32_t id : ids) {
    auto chunk = decoder.Push(id);
    EXPECT_TRUE(chunk.ok()) << chunk.status().ToString();
    if (!chunk.ok()) continue;
    EXPECT_TRUE(IsValidUtf8(*chunk)) << "chunk after id " << id;
    if (!chunk->empty()) ++chunks;
    text += *chunk;
  }
  const std::string rest = decoder.Flush();
  EXPECT_TRUE(IsValidUtf8(rest));
  text += rest;
  if (emitted_chunks != nullptr) *emitted_chunks = chunks;
  return text;
}

TEST(StreamingDecoderTest, EmojiSplitAcrossTokensIsNeverHalfEmitted) {
  const Tokenizer& t = QwenFromTokenizerJson();
  const std::string text = "Rocket 🚀🦙 launch! 中文字符 ok";
  auto ids = t.Encode(text, false);
  ASSERT_TRUE(ids.ok());
  // The four-byte emoji need more than one token each.
  EXPECT_GT(ids->size(), 8u);
  EXPECT_EQ(StreamAll(t, *ids, false), text);
}

TEST(StreamingDecoderTest, ByteTokensOfOneCharacterEmitOnlyAtTheEnd) {
  const Tokenizer& t = QwenFromTokenizerJson();
  // 🚀 is F0 9F 9A 80: four single-byte tokens.
  std::vector<int32_t> ids;
  for (const char* byte_token : {"ð", "Ł", "ļ", "Ģ"}) {
    auto id = t.TokenToId(byte_token);
    ASSERT_TRUE(id.has_value()) << byte_token;
    ids.push_back(*id);
  }
  auto full = t.Decode(ids);
  ASSERT_TRUE(full.ok());
  StreamingDecoder decoder(t);
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto chunk = decoder.Push(ids[i]);
    ASSERT_TRUE(chunk.ok());
    if (i + 1 < ids.size()) {
      EXPECT_EQ(*chunk, "") << i;
    }
    out += *chunk;
  }
  out += decoder.Flush();
  EXPECT_EQ(out, *full);
}

TEST(StreamingDecoderTest, MatchesFullDecodeOnEveryVector) {
  const Tokenizer& t = QwenFromTokenizerJson();
  for (const auto& v : test::ReadQwen2VocabVectors()) {
    EXPECT_EQ(StreamAll(t, v.ids, false), *t.Decode(v.ids)) << v.text;
  }
}

TEST(StreamingDecoderTest, InvalidSequencesBecomeReplacementLikeDecode) {
  const Tokenizer& t = QwenFromTokenizerJson();
  auto lead4 = t.TokenToId("ð");   // F0: lead of a 4-byte sequence
  auto lead2 = t.TokenToId("Ã");   // C3
  auto cont = t.TokenToId("©");    // A9
  ASSERT_TRUE(lead4 && lead2 && cont);
  const std::vector<std::vector<int32_t>> cases = {
      {*lead4, 9707},                 // broken by ASCII
      {*lead4, *lead2, *cont},        // broken by a new character
      {*cont, *cont, 9707},           // stray continuations
      {*lead4},                       // cut off at the end: flushed as U+FFFD
      {*lead2, 151645, *cont},        // interrupted by a special token
  };
  for (const auto& ids : cases) {
    EXPECT_EQ(StreamAll(t, ids, false), *t.Decode(ids));
    EXPECT_EQ(StreamAll(t, ids, true), *t.Decode(ids, true));
  }
}

TEST(StreamingDecoderTest, SkipsSpecialAndRejectsUnknownIds) {
  const Tokenizer& t = QwenFromTokenizerJson();
  StreamingDecoder decoder(t, /*skip_special=*/true);
  EXPECT_EQ(*decoder.Push(151644), "");
  EXPECT_EQ(*decoder.Push(9707), "Hello");
  auto bad = decoder.Push(t.vocab_size());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kOutOfRange);
  EXPECT_FALSE(decoder.Push(-3).ok());
  EXPECT_EQ(*decoder.Push(1879), " world");
  EXPECT_EQ(decoder.Flush(), "");
}

}  // namespace
}  // namespace edgereason
