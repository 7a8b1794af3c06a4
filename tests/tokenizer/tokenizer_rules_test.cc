// Rule-level behaviour on small synthetic tokenizers: merge ranks, merge
// formats, pre-tokenizer variants and the added-token matching rules of
// Hugging Face's AddedVocabulary.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "tiny_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace edgereason {
namespace {

using test::ByteLevel;
using test::TinyTokenizerJson;
using Ids = std::vector<int32_t>;

std::unique_ptr<Tokenizer> Load(const nlohmann::json& doc) {
  const std::string dir = test::WriteTokenizerDir(doc);
  auto tokenizer = Tokenizer::LoadFromDirectory(dir);
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
  return tokenizer.ok() ? std::move(tokenizer).value() : nullptr;
}

Ids Encode(const Tokenizer& t, const std::string& text, bool parse_special = true) {
  auto ids = t.Encode(text, parse_special);
  EXPECT_TRUE(ids.ok()) << ids.status().ToString();
  return ids.ok() ? *ids : Ids{};
}

int32_t Id(const Tokenizer& t, const std::string& token) {
  auto id = t.TokenToId(token);
  EXPECT_TRUE(id.has_value()) << token;
  return id.value_or(-1);
}

TEST(TokenizerRulesTest, LowestRankMergesFirst) {
  // "b c" outranks "a b": abc -> a + bc.
  auto first = Load(TinyTokenizerJson({{"b", "c"}, {"a", "b"}}));
  ASSERT_TRUE(first);
  EXPECT_EQ(Encode(*first, "abc"), (Ids{'a', Id(*first, "bc")}));
  auto second = Load(TinyTokenizerJson({{"a", "b"}, {"b", "c"}}));
  ASSERT_TRUE(second);
  EXPECT_EQ(Encode(*second, "abc"), (Ids{Id(*second, "ab"), 'c'}));
  // Equal ranks merge leftmost first: aaa -> aa + a.
  auto triple = Load(TinyTokenizerJson({{"a", "a"}}));
  ASSERT_TRUE(triple);
  EXPECT_EQ(Encode(*triple, "aaa"), (Ids{Id(*triple, "aa"), 'a'}));
  EXPECT_EQ(Encode(*triple, "aaaa"), (Ids{Id(*triple, "aa"), Id(*triple, "aa")}));
}

TEST(TokenizerRulesTest, MergesMayBePairArrays) {
  auto doc = TinyTokenizerJson({{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}});
  auto as_strings = Load(doc);
  nlohmann::json arrays = nlohmann::json::array();
  for (const auto& m : doc["model"]["merges"]) {
    const std::string s = m.get<std::string>();
    arrays.push_back({s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1)});
  }
  doc["model"]["merges"] = arrays;
  auto as_arrays = Load(doc);
  ASSERT_TRUE(as_strings && as_arrays);
  EXPECT_EQ(Encode(*as_strings, "hello"), (Ids{Id(*as_strings, "hello")}));
  EXPECT_EQ(Encode(*as_arrays, "hello"), Encode(*as_strings, "hello"));
}

TEST(TokenizerRulesTest, ByteLevelRegexKeepsMergesInsideWords) {
  // "o Ġ" would glue a word to the next space; the GPT-2 split prevents it.
  const std::string space = ByteLevel(" ");
  auto doc = TinyTokenizerJson({{"o", space}});
  auto no_split = Load(doc);
  doc["pre_tokenizer"]["use_regex"] = true;
  auto gpt2 = Load(doc);
  ASSERT_TRUE(no_split && gpt2);
  EXPECT_EQ(Encode(*no_split, "o w"), (Ids{Id(*no_split, "o" + space), 'w'}));
  EXPECT_EQ(Encode(*gpt2, "o w"), (Ids{'o', ' ', 'w'}));
}

TEST(TokenizerRulesTest, AddPrefixSpace) {
  auto doc = TinyTokenizerJson({{ByteLevel(" "), "h"}});
  doc["pre_tokenizer"]["add_prefix_space"] = true;
  auto t = Load(doc);
  ASSERT_TRUE(t);
  EXPECT_EQ(Encode(*t, "hi"), (Ids{Id(*t, ByteLevel(" h")), 'i'}));
  EXPECT_EQ(Encode(*t, " hi"), (Ids{Id(*t, ByteLevel(" h")), 'i'}));
}

TEST(TokenizerRulesTest, SequenceWithSplitAndNormalizerSequence) {
  auto doc = TinyTokenizerJson({{"a", "b"}});
  doc["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFC"}}}}};
  doc["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", "Isolated"},
         {"invert", false}},
        {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}}}};
  auto t = Load(doc);
  ASSERT_TRUE(t);
  const int32_t ab = Id(*t, "ab");
  EXPECT_EQ(Encode(*t, "ab-ab"), (Ids{ab, '-', ab}));
  // NFC composes e + U+0301 into é (C3 A9).
  EXPECT_EQ(Encode(*t, "e\xCC\x81"), (Ids{0xC3, 0xA9}));
}

nlohmann::json AddedToken(int id, const std::string& content, bool special) {
  return {{"id", id},          {"content", content}, {"single_word", false}, {"lstrip", false},
          {"rstrip", false},   {"normalized", false}, {"special", special}};
}

TEST(TokenizerRulesTest, AddedTokensLeftmostLongest) {
  auto doc = TinyTokenizerJson({});
  doc["added_tokens"] = {AddedToken(300, "<a>", true), AddedToken(301, "<a><b>", true),
                         AddedToken(302, "b>", false)};
  auto t = Load(doc);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->vocab_size(), 303);
  EXPECT_EQ(Encode(*t, "x<a><b>y"), (Ids{'x', 301, 'y'}));
  EXPECT_EQ(Encode(*t, "<a>"), (Ids{300}));
  // Unparsed special tokens stay text, and the text they cover is not
  // searched again for other tokens (so "b>" inside "<a><b>" is not found).
  EXPECT_EQ(Encode(*t, "<a><b>", false), (Ids{'<', 'a', '>', '<', 'b', '>'}));
  EXPECT_EQ(Encode(*t, "<b>", false), (Ids{'<', 302}));
}

TEST(TokenizerRulesTest, AddedTokenStripAndSingleWord) {
  auto doc = TinyTokenizerJson({});
  auto mask = AddedToken(300, "<mask>", true);
  mask["lstrip"] = true;
  auto end = AddedToken(301, "<end>", true);
  end["rstrip"] = true;
  auto word = AddedToken(302, "cat", false);
  word["single_word"] = true;
  doc["added_tokens"] = {mask, end, word};
  auto t = Load(doc);
  ASSERT_TRUE(t);
  EXPECT_EQ(Encode(*t, "a \t <mask>b"), (Ids{'a', 300, 'b'}));
  EXPECT_EQ(Encode(*t, "a<end> \n b"), (Ids{'a', 301, 'b'}));
  EXPECT_EQ(Encode(*t, "a cat b"), (Ids{'a', ' ', 302, ' ', 'b'}));
  EXPECT_EQ(Encode(*t, "cat"), (Ids{302}));
  EXPECT_EQ(Encode(*t, "cats"), (Ids{'c', 'a', 't', 's'}));
  EXPECT_EQ(Encode(*t, "_cat"), (Ids{'_', 'c', 'a', 't'}));
  // Without parse_special the stripping tokens are plain text.
  EXPECT_EQ(Encode(*t, "a <mask>", false).size(), 8u);
}

TEST(TokenizerRulesTest, NormalizedAddedTokensMatchNormalizedText) {
  auto doc = TinyTokenizerJson({});
  auto composed = AddedToken(300, "caf\xC3\xA9", false);  // "café", NFC
  composed["normalized"] = true;
  auto raw = AddedToken(301, "x\xCC\x81", false);  // x + combining acute (already NFC)
  doc["added_tokens"] = {composed, raw};
  auto t = Load(doc);
  ASSERT_TRUE(t);
  EXPECT_EQ(Encode(*t, "cafe\xCC\x81!"), (Ids{300, '!'}));  // decomposed input
  EXPECT_EQ(Encode(*t, "caf\xC3\xA9"), (Ids{300}));
  EXPECT_EQ(Encode(*t, "x\xCC\x81"), (Ids{301}));
  EXPECT_EQ(*t->Decode(Ids{300, 301}), "caf\xC3\xA9x\xCC\x81");
}

TEST(TokenizerRulesTest, IgnoreMergesUsesWholeWordTokens) {
  auto doc = TinyTokenizerJson({{"a", "b"}});
  doc["model"]["vocab"]["abc"] = 400;  // reachable only through ignore_merges
  auto plain = Load(doc);
  doc["model"]["ignore_merges"] = true;
  auto ignoring = Load(doc);
  ASSERT_TRUE(plain && ignoring);
  EXPECT_EQ(Encode(*plain, "abc"), (Ids{Id(*plain, "ab"), 'c'}));
  EXPECT_EQ(Encode(*ignoring, "abc"), (Ids{400}));
}

TEST(TokenizerRulesTest, EmptyInputGivesNoIds) {
  auto t = Load(TinyTokenizerJson({}));
  ASSERT_TRUE(t);
  EXPECT_TRUE(Encode(*t, "").empty());
  EXPECT_EQ(*t->Decode(Ids{}), "");
}

}  // namespace
}  // namespace edgereason
