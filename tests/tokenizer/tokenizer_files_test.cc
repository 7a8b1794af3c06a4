// Loading: tokenizer_config.json settings, chat templates, and clear errors
// (never a crash) for malformed or unsupported tokenizer files.
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "test_util.h"
#include "tiny_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_data.h"

namespace edgereason {
namespace {

using test::TinyTokenizerJson;
using test::WriteTextFile;

// Loads `dir`, expects failure, and checks the message names `file` and
// every string in `mentions`.
void ExpectLoadError(const std::string& dir, const std::string& file,
                     std::vector<std::string> mentions, StatusCode code) {
  auto loaded = Tokenizer::LoadFromDirectory(dir);
  ASSERT_FALSE(loaded.ok()) << "loaded although " << file << " is bad";
  const std::string& message = loaded.status().message();
  EXPECT_EQ(loaded.status().code(), code) << message;
  EXPECT_NE(message.find(file), std::string::npos) << message;
  for (const auto& m : mentions) EXPECT_NE(message.find(m), std::string::npos) << message;
  std::filesystem::remove_all(dir);
}

void ExpectTokenizerJsonError(const nlohmann::json& doc, std::vector<std::string> mentions,
                              StatusCode code = StatusCode::kCorruptData) {
  ExpectLoadError(test::WriteTokenizerDir(doc), "tokenizer.json", std::move(mentions), code);
}

TEST(TokenizerFilesTest, MissingOrEmptyDirectory) {
  auto missing = Tokenizer::LoadFromDirectory("/nonexistent/er-tokenizer");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  const std::string empty = test::MakeTempDir("er-tok-empty");
  ExpectLoadError(empty, empty, {"tokenizer.json", "vocab.json"}, StatusCode::kNotFound);
}

TEST(TokenizerFilesTest, BadJson) {
  const std::string dir = test::MakeTempDir("er-tok-badjson");
  WriteTextFile(dir, "tokenizer.json", "{\"model\": {\"vocab\": {\"a\": 0,}");
  ExpectLoadError(dir, "tokenizer.json", {"not valid JSON"}, StatusCode::kCorruptData);
  const std::string array_dir = test::MakeTempDir("er-tok-array");
  WriteTextFile(array_dir, "tokenizer.json", "[1, 2]");
  ExpectLoadError(array_dir, "tokenizer.json", {"expected a JSON object"},
                  StatusCode::kCorruptData);
}

TEST(TokenizerFilesTest, MissingVocabOrMerges) {
  auto doc = TinyTokenizerJson({});
  doc["model"].erase("vocab");
  ExpectTokenizerJsonError(doc, {"model.vocab", "missing"});
  doc = TinyTokenizerJson({});
  doc["model"].erase("merges");
  ExpectTokenizerJsonError(doc, {"model.merges", "missing"});
  doc = TinyTokenizerJson({});
  doc.erase("model");
  ExpectTokenizerJsonError(doc, {"model", "missing"});
  doc = TinyTokenizerJson({});
  doc["model"]["vocab"] = nlohmann::json::object();
  ExpectTokenizerJsonError(doc, {"model.vocab", "empty"});
}

TEST(TokenizerFilesTest, MergeNamingUnknownToken) {
  auto doc = TinyTokenizerJson({{"a", "b"}});
  doc["model"]["merges"].push_back("a zz");
  ExpectTokenizerJsonError(doc, {"model.merges", "entry 1", "\"zz\"", "not in"});
  doc = TinyTokenizerJson({});
  doc["model"]["merges"] = {"a b"};  // "ab" itself is not in the vocab
  ExpectTokenizerJsonError(doc, {"model.merges", "\"ab\""});
  doc = TinyTokenizerJson({});
  doc["model"]["merges"] = {"a b c"};
  ExpectTokenizerJsonError(doc, {"model.merges[0]"});
  doc["model"]["merges"] = {42};
  ExpectTokenizerJsonError(doc, {"model.merges[0]"});
}

TEST(TokenizerFilesTest, UnsupportedModelTypes) {
  for (const char* type : {"Unigram", "WordPiece", "WordLevel"}) {
    auto doc = TinyTokenizerJson({});
    doc["model"]["type"] = type;
    ExpectTokenizerJsonError(doc, {"model.type", type}, StatusCode::kUnsupported);
  }
  auto doc = TinyTokenizerJson({});
  doc["model"]["byte_fallback"] = true;
  ExpectTokenizerJsonError(doc, {"model.byte_fallback"}, StatusCode::kUnsupported);
  doc = TinyTokenizerJson({});
  doc["model"]["dropout"] = 0.1;
  ExpectTokenizerJsonError(doc, {"model.dropout"}, StatusCode::kUnsupported);
}

TEST(TokenizerFilesTest, UnsupportedComponents) {
  auto doc = TinyTokenizerJson({});
  doc["pre_tokenizer"] = {{"type", "Metaspace"}};
  ExpectTokenizerJsonError(doc, {"pre_tokenizer.type", "Metaspace"}, StatusCode::kUnsupported);
  doc = TinyTokenizerJson({});
  doc["pre_tokenizer"] = nlohmann::json::parse(
      R"({"type": "Sequence", "pretokenizers": [{"type": "Whitespace"}]})");
  ExpectTokenizerJsonError(doc, {"pretokenizers[0].type", "Whitespace"},
                           StatusCode::kUnsupported);
  doc = TinyTokenizerJson({});
  doc["pre_tokenizer"] = nlohmann::json::parse(R"({"type": "Sequence", "pretokenizers": [
      {"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Removed", "invert": false},
      {"type": "ByteLevel"}]})");
  ExpectTokenizerJsonError(doc, {"behavior", "Isolated"}, StatusCode::kUnsupported);
  doc = TinyTokenizerJson({});
  doc["pre_tokenizer"] = nlohmann::json::parse(R"({"type": "Sequence", "pretokenizers": [
      {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"},
      {"type": "ByteLevel"}]})");
  ExpectTokenizerJsonError(doc, {"pretokenizers[0].pattern", "PCRE2"}, StatusCode::kUnsupported);
  doc = TinyTokenizerJson({});
  doc["normalizer"] = {{"type", "Lowercase"}};
  ExpectTokenizerJsonError(doc, {"normalizer.type", "Lowercase"}, StatusCode::kUnsupported);
  doc = TinyTokenizerJson({});
  doc["decoder"] = {{"type", "WordPiece"}};
  ExpectTokenizerJsonError(doc, {"decoder.type", "WordPiece"}, StatusCode::kUnsupported);
  doc = TinyTokenizerJson({});
  doc["pre_tokenizer"] = nullptr;
  ExpectTokenizerJsonError(doc, {"pre_tokenizer"}, StatusCode::kUnsupported);
}

TEST(TokenizerFilesTest, VocabIdsOutOfRangeOrDuplicated) {
  for (int64_t bad : {int64_t{-1}, int64_t{1} << 31, int64_t{1} << 40}) {
    auto doc = TinyTokenizerJson({});
    doc["model"]["vocab"]["extra"] = bad;
    ExpectTokenizerJsonError(doc, {"model.vocab", "extra", std::to_string(bad)});
  }
  auto doc = TinyTokenizerJson({});
  doc["model"]["vocab"]["extra"] = 5;
  ExpectTokenizerJsonError(doc, {"model.vocab", "id 5"});
  doc = TinyTokenizerJson({});
  doc["model"]["vocab"]["extra"] = "7";
  ExpectTokenizerJsonError(doc, {"model.vocab", "extra"});
}

TEST(TokenizerFilesTest, BadAddedTokens) {
  auto doc = TinyTokenizerJson({});
  doc["added_tokens"] = {{{"id", 300}, {"special", true}}};
  ExpectTokenizerJsonError(doc, {"added_tokens[0].content"});
  doc["added_tokens"] = {{{"id", -4}, {"content", "<x>"}}};
  ExpectTokenizerJsonError(doc, {"added_tokens[0].id"});
  doc["added_tokens"] = {{{"id", 300}, {"content", "<x>"}}, {{"id", 300}, {"content", "<y>"}}};
  ExpectTokenizerJsonError(doc, {"added_tokens", "300"});
  doc["added_tokens"] = {{{"id", 3}, {"content", "<x>"}}};  // id 3 is a byte token
  ExpectTokenizerJsonError(doc, {"added_tokens", "<x>"});
  doc["added_tokens"] = {{{"id", 300}, {"content", "<x>"}, {"special", "yes"}}};
  ExpectTokenizerJsonError(doc, {"added_tokens[0].special"});
}

TEST(TokenizerFilesTest, VocabAndMergesErrors) {
  // vocab.json without merges.txt.
  std::string dir = test::MakeTempDir("er-tok-vm");
  WriteTextFile(dir, "vocab.json", "{\"a\": 0}");
  ExpectLoadError(dir, "merges.txt", {"no such file"}, StatusCode::kNotFound);
  // A merge line with one token.
  dir = test::MakeTempDir("er-tok-vm");
  WriteTextFile(dir, "vocab.json", "{\"a\": 0, \"b\": 1, \"ab\": 2}");
  WriteTextFile(dir, "merges.txt", "#version: 0.2\na b\nab\n");
  ExpectLoadError(dir, "merges.txt", {"line 3"}, StatusCode::kCorruptData);
  // A merge naming an unknown token reports its line.
  dir = test::MakeTempDir("er-tok-vm");
  WriteTextFile(dir, "vocab.json", "{\"a\": 0, \"b\": 1, \"ab\": 2}");
  WriteTextFile(dir, "merges.txt", "#version: 0.2\na b\nab c\n");
  ExpectLoadError(dir, "merges.txt", {"line 3", "\"c\""}, StatusCode::kCorruptData);
  // Bad added_tokens_decoder in tokenizer_config.json.
  dir = test::MakeTempDir("er-tok-vm");
  WriteTextFile(dir, "vocab.json", "{\"a\": 0}");
  WriteTextFile(dir, "merges.txt", "#version: 0.2\n");
  WriteTextFile(dir, "tokenizer_config.json",
                "{\"added_tokens_decoder\": {\"x1\": {\"content\": \"<s>\"}}}");
  ExpectLoadError(dir, "tokenizer_config.json", {"added_tokens_decoder", "x1"},
                  StatusCode::kCorruptData);
}

TEST(TokenizerFilesTest, BadTokenizerConfig) {
  const nlohmann::json doc = TinyTokenizerJson({});
  std::string dir = test::WriteTokenizerDir(doc);
  WriteTextFile(dir, "tokenizer_config.json", "{\"eos_token\": 5}");
  ExpectLoadError(dir, "tokenizer_config.json", {"eos_token"}, StatusCode::kCorruptData);
  dir = test::WriteTokenizerDir(doc);
  WriteTextFile(dir, "tokenizer_config.json", "{\"add_bos_token\": \"yes\"}");
  ExpectLoadError(dir, "tokenizer_config.json", {"add_bos_token"}, StatusCode::kCorruptData);
  dir = test::WriteTokenizerDir(doc);
  WriteTextFile(dir, "tokenizer_config.json", "{\"chat_template\": 3}");
  ExpectLoadError(dir, "tokenizer_config.json", {"chat_template"}, StatusCode::kCorruptData);
  dir = test::WriteTokenizerDir(doc);
  WriteTextFile(dir, "tokenizer_config.json", "{\"model_max_length\": -2}");
  ExpectLoadError(dir, "tokenizer_config.json", {"model_max_length"}, StatusCode::kCorruptData);
  dir = test::WriteTokenizerDir(doc);
  WriteTextFile(dir, "tokenizer_config.json", "{oops");
  ExpectLoadError(dir, "tokenizer_config.json", {"not valid JSON"}, StatusCode::kCorruptData);
}

TEST(TokenizerFilesTest, ConfigFieldsInAllTheirForms) {
  const std::string dir = test::WriteTokenizerDir(TinyTokenizerJson({}));
  WriteTextFile(dir, "tokenizer_config.json", R"({
    "bos_token": {"__type": "AddedToken", "content": "<s>", "special": true},
    "eos_token": "</s>", "pad_token": null, "unk_token": {"content": "<unk>"},
    "add_bos_token": true, "model_max_length": 1000000000000000019884624838656,
    "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]
  })");
  auto t = Tokenizer::LoadFromDirectory(dir);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const TokenizerConfig& c = (*t)->config();
  EXPECT_EQ(c.bos_token, "<s>");
  EXPECT_EQ(c.eos_token, "</s>");
  EXPECT_EQ(c.pad_token, "");
  EXPECT_EQ(c.unk_token, "<unk>");
  EXPECT_TRUE(c.add_bos_token);
  EXPECT_EQ(c.model_max_length, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(c.chat_template, "D");
  // chat_template.jinja wins over the config's template.
  WriteTextFile(dir, "chat_template.jinja", "{{ messages }}");
  auto with_jinja = Tokenizer::LoadFromDirectory(dir);
  ASSERT_TRUE(with_jinja.ok()) << with_jinja.status().ToString();
  EXPECT_EQ((*with_jinja)->config().chat_template, "{{ messages }}");
  std::filesystem::remove_all(dir);
}

TEST(TokenizerFilesTest, ModelTypeMayBeOmitted) {
  auto doc = TinyTokenizerJson({{"a", "b"}});
  doc["model"].erase("type");
  const std::string dir = test::WriteTokenizerDir(doc);
  auto t = Tokenizer::LoadFromDirectory(dir);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*(*t)->Encode("ab", false), (std::vector<int32_t>{256}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace edgereason
