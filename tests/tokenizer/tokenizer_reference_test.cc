// Agreement with Hugging Face on reference data: the llama.cpp Qwen2 vectors
// (ids written by transformers) through both loading paths, and round trips
// of every MATH500 problem and solution.
#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstdlib>
#include <memory>
#include <sstream>

#include "base/file.h"
#include "io/json_file.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_data.h"

namespace edgereason {
namespace {

using test::QwenFromTokenizerJson;
using test::QwenFromVocabAndMerges;

void ExpectVectorsReproduced(const Tokenizer& tokenizer) {
  const auto vectors = test::ReadQwen2VocabVectors();
  ASSERT_EQ(vectors.size(), 46u);
  for (size_t i = 0; i < vectors.size(); ++i) {
    const auto& v = vectors[i];
    auto ids = tokenizer.Encode(v.text, /*parse_special=*/false);
    ASSERT_TRUE(ids.ok()) << "vector " << i << ": " << ids.status().ToString();
    EXPECT_EQ(*ids, v.ids) << "vector " << i << " (\"" << v.text << "\")";
    auto text = tokenizer.Decode(*ids);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    EXPECT_EQ(*text, v.text) << "vector " << i;
  }
}

TEST(TokenizerReferenceTest, LlamaCppQwen2VectorsFromTokenizerJson) {
  ExpectVectorsReproduced(QwenFromTokenizerJson());
}

TEST(TokenizerReferenceTest, LlamaCppQwen2VectorsFromVocabAndMerges) {
  ExpectVectorsReproduced(QwenFromVocabAndMerges());
}

TEST(TokenizerReferenceTest, BothLoadingPathsAgree) {
  const Tokenizer& a = QwenFromTokenizerJson();
  const Tokenizer& b = QwenFromVocabAndMerges();
  EXPECT_EQ(a.vocab_size(), 151665);
  EXPECT_EQ(a.vocab_size(), b.vocab_size());
  for (int32_t id : {0, 198, 9707, 151642, 151643, 151644, 151657, 151664}) {
    EXPECT_EQ(a.IdToToken(id), b.IdToToken(id)) << id;
    EXPECT_EQ(a.IsSpecial(id), b.IsSpecial(id)) << id;
  }
  for (const Tokenizer* t : {&a, &b}) {
    EXPECT_EQ(t->config().eos_token, "<|im_end|>");
    EXPECT_EQ(t->config().pad_token, "<|endoftext|>");
    EXPECT_EQ(t->config().bos_token, "");
    EXPECT_FALSE(t->config().add_bos_token);
    EXPECT_EQ(t->config().model_max_length, 131072);
  }
  // The config's chat template is byte-identical to llama.cpp's copy.
  auto jinja = ReadFile(test::SharedPath("data/qwen2.5-tokenizer/Qwen-Qwen2.5-7B-Instruct.jinja"));
  ASSERT_TRUE(jinja.ok());
  EXPECT_EQ(a.config().chat_template, *jinja);
  EXPECT_EQ(b.config().chat_template, *jinja);
}

std::string Nfc(const std::string& text) {
  utf8proc_uint8_t* out = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                              static_cast<utf8proc_ssize_t>(text.size()), &out,
                              static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  EXPECT_GE(n, 0);
  std::string result(reinterpret_cast<const char*>(out), n < 0 ? 0 : static_cast<size_t>(n));
  std::free(out);
  return result;
}

TEST(TokenizerReferenceTest, Math500RoundTripsToNfc) {
  auto data = ReadFile(test::SharedPath("data/math500/test.jsonl"));
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  const Tokenizer& tokenizer = QwenFromTokenizerJson();
  std::istringstream lines(*data);
  std::string line;
  size_t texts = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto row = ParseJson(line, "math500 row");
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    for (const char* field : {"problem", "solution"}) {
      const std::string text = (*row)[field].get<std::string>();
      auto ids = tokenizer.Encode(text, /*parse_special=*/false);
      ASSERT_TRUE(ids.ok()) << ids.status().ToString();
      auto decoded = tokenizer.Decode(*ids);
      ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
      EXPECT_EQ(*decoded, Nfc(text)) << field << " of row " << texts / 2;
      ++texts;
    }
  }
  EXPECT_EQ(texts, 1000u);
}

}  // namespace
}  // namespace edgereason
