// Added tokens in text, decoding options and the accessors, on Qwen2.5.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "tokenizer_test_data.h"

namespace edgereason {
namespace {

using test::QwenFromTokenizerJson;
using test::QwenFromVocabAndMerges;

constexpr int32_t kImStart = 151644;
constexpr int32_t kImEnd = 151645;
constexpr int32_t kNewline = 198;

TEST(TokenizerSpecialTest, ChatMarkersBecomeSpecialIdsWhenParsed) {
  for (const Tokenizer* t : {&QwenFromTokenizerJson(), &QwenFromVocabAndMerges()}) {
    auto ids = t->Encode("<|im_start|>user\nHi<|im_end|>\n", /*parse_special=*/true);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    ASSERT_GE(ids->size(), 4u);
    EXPECT_EQ(ids->front(), kImStart);
    EXPECT_EQ((*ids)[ids->size() - 2], kImEnd);
    EXPECT_EQ(ids->back(), kNewline);
    // "user", "\n", "Hi" in between.
    auto middle = t->Encode("user\nHi", false);
    ASSERT_TRUE(middle.ok());
    EXPECT_EQ(std::vector<int32_t>(ids->begin() + 1, ids->end() - 2), *middle);
  }
}

TEST(TokenizerSpecialTest, ChatMarkersAreTextWhenNotParsed) {
  const Tokenizer& t = QwenFromTokenizerJson();
  const std::string text = "<|im_start|>user\nHi<|im_end|>\n";
  auto ids = t.Encode(text, /*parse_special=*/false);
  ASSERT_TRUE(ids.ok());
  for (int32_t id : *ids) EXPECT_FALSE(t.IsAddedToken(id)) << id;
  EXPECT_GT(ids->size(), 6u);
  auto back = t.Decode(*ids);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, text);
}

TEST(TokenizerSpecialTest, NonSpecialAddedTokensAlwaysMatch) {
  const Tokenizer& t = QwenFromTokenizerJson();
  auto tool_call = t.TokenToId("<tool_call>");
  ASSERT_TRUE(tool_call.has_value());
  EXPECT_EQ(*tool_call, 151657);
  EXPECT_FALSE(t.IsSpecial(*tool_call));
  EXPECT_TRUE(t.IsAddedToken(*tool_call));
  for (bool parse_special : {false, true}) {
    auto ids = t.Encode("a<tool_call>b", parse_special);
    ASSERT_TRUE(ids.ok());
    ASSERT_EQ(ids->size(), 3u);
    EXPECT_EQ((*ids)[1], *tool_call);
  }
}

TEST(TokenizerSpecialTest, DecodeSkipsSpecialTokensOnRequest) {
  const Tokenizer& t = QwenFromTokenizerJson();
  auto ids = t.Encode("<|im_start|>assistant\nOK<|im_end|><tool_call>", true);
  ASSERT_TRUE(ids.ok());
  auto full = t.Decode(*ids);
  auto skipped = t.Decode(*ids, /*skip_special=*/true);
  ASSERT_TRUE(full.ok() && skipped.ok());
  EXPECT_EQ(*full, "<|im_start|>assistant\nOK<|im_end|><tool_call>");
  EXPECT_EQ(*skipped, "assistant\nOK<tool_call>");  // non-special tokens stay
}

TEST(TokenizerSpecialTest, DecodeRejectsIdsWithoutToken) {
  const Tokenizer& t = QwenFromTokenizerJson();
  for (int32_t bad : {-1, t.vocab_size(), 1 << 30}) {
    std::vector<int32_t> ids = {9707, bad};
    auto text = t.Decode(ids);
    ASSERT_FALSE(text.ok()) << bad;
    EXPECT_EQ(text.status().code(), StatusCode::kOutOfRange);
    EXPECT_NE(text.status().message().find(std::to_string(bad)), std::string::npos);
  }
}

TEST(TokenizerSpecialTest, AccessorsAgree) {
  const Tokenizer& t = QwenFromTokenizerJson();
  EXPECT_EQ(t.vocab_size(), 151665);
  EXPECT_EQ(t.TokenToId("Hello"), 9707);
  EXPECT_EQ(t.TokenToId("Ġworld"), 1879);
  EXPECT_EQ(t.TokenToId("<|im_end|>"), kImEnd);
  EXPECT_FALSE(t.TokenToId("no such token at all").has_value());
  EXPECT_EQ(t.IdToToken(1879), "Ġworld");
  EXPECT_EQ(t.TokenBytes(1879), " world");
  EXPECT_EQ(t.IdToToken(kImStart), "<|im_start|>");
  EXPECT_FALSE(t.IdToToken(-5).has_value());
  EXPECT_FALSE(t.IdToToken(t.vocab_size()).has_value());
  EXPECT_TRUE(t.IsSpecial(kImStart));
  EXPECT_FALSE(t.IsSpecial(9707));
  EXPECT_FALSE(t.IsSpecial(-1));
  EXPECT_FALSE(t.IsSpecial(t.vocab_size()));
}

TEST(TokenizerSpecialTest, RejectsInvalidUtf8) {
  const Tokenizer& t = QwenFromTokenizerJson();
  for (std::string bad : {std::string("abc\xff"), std::string("\xc3"), std::string("\xed\xa0\x80"),
                          std::string("\xc0\xaf")}) {
    auto ids = t.Encode(bad, false);
    ASSERT_FALSE(ids.ok());
    EXPECT_EQ(ids.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(TokenizerSpecialTest, DecodeReplacesBrokenUtf8LikeHuggingFace) {
  const Tokenizer& t = QwenFromTokenizerJson();
  // "é" is bytes C3 A9; the byte-level tokens "Ã" (C3) and "©" (A9) split it.
  auto lead = t.TokenToId("Ã");
  auto tail = t.TokenToId("©");
  ASSERT_TRUE(lead && tail);
  std::vector<int32_t> whole = {*lead, *tail};
  EXPECT_EQ(*t.Decode(whole), "é");
  std::vector<int32_t> lone = {*lead};
  EXPECT_EQ(*t.Decode(lone), "\xEF\xBF\xBD");
  std::vector<int32_t> interrupted = {*lead, 9707};
  EXPECT_EQ(*t.Decode(interrupted), "\xEF\xBF\xBDHello");
}

TEST(TokenizerSpecialTest, ConcurrentEncodeMatchesSerial) {
  const Tokenizer& t = QwenFromTokenizerJson();
  const std::vector<std::string> texts = {
      "The quick brown fox jumps over the lazy dog.", "Let $x^2 + y^2 = 1$. Find \\frac{a}{b}.",
      "🚀 emoji and 中文 and Ελληνικά", "<|im_start|>user\nSolve 3x = 12<|im_end|>\n"};
  std::vector<std::vector<int32_t>> expected;
  for (const auto& text : texts) expected.push_back(*t.Encode(text, true));
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int round = 0; round < 200; ++round) {
        const size_t i = static_cast<size_t>(round + w) % texts.size();
        auto ids = t.Encode(texts[i], true);
        if (!ids.ok() || *ids != expected[i]) ++failures[w];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace edgereason
