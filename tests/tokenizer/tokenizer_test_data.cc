#include "tokenizer_test_data.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "base/file.h"
#include "test_util.h"

namespace edgereason::test {
namespace {

const Tokenizer& LoadOrDie(const std::string& dir) {
  auto loaded = Tokenizer::LoadFromDirectory(dir);
  if (!loaded.ok()) {
    ADD_FAILURE() << loaded.status().ToString();
    std::abort();
  }
  // Intentionally leaked: shared by every test of the program.
  return *std::move(loaded).value().release();
}

}  // namespace

const Tokenizer& QwenFromTokenizerJson() {
  static const Tokenizer& tokenizer = LoadOrDie(SharedPath("data/qwen2.5-tokenizer"));
  return tokenizer;
}

const Tokenizer& QwenFromVocabAndMerges() {
  static const Tokenizer& tokenizer = [] () -> const Tokenizer& {
    const std::string dir = MakeTempDir("er-tokenizer-vocab");
    for (const char* name : {"vocab.json", "merges.txt", "tokenizer_config.json"}) {
      std::filesystem::copy_file(SharedPath(std::string("data/qwen2.5-tokenizer/") + name),
                                 JoinPath(dir, name));
    }
    const Tokenizer& loaded = LoadOrDie(dir);
    std::filesystem::remove_all(dir);
    return loaded;
  }();
  return tokenizer;
}

void WriteTextFile(const std::string& dir, const std::string& name, const std::string& content) {
  std::ofstream out(JoinPath(dir, name), std::ios::binary);
  out << content;
  ASSERT_TRUE(out.good()) << "cannot write " << JoinPath(dir, name);
}

std::vector<VocabVector> ReadQwen2VocabVectors() {
  auto inputs = ReadFile(SharedPath("data/llama-cpp-vocab/ggml-vocab-qwen2.gguf.inp"));
  auto outputs = ReadFile(SharedPath("data/llama-cpp-vocab/ggml-vocab-qwen2.gguf.out"));
  EXPECT_TRUE(inputs.ok()) << inputs.status().ToString();
  EXPECT_TRUE(outputs.ok()) << outputs.status().ToString();
  if (!inputs.ok() || !outputs.ok()) return {};
  std::vector<VocabVector> vectors;
  static const std::string kSeparator = "\n__ggml_vocab_test__\n";
  size_t pos = 0;
  while (true) {
    const size_t next = inputs->find(kSeparator, pos);
    if (next == std::string::npos) break;
    vectors.push_back({inputs->substr(pos, next - pos), {}});
    pos = next + kSeparator.size();
  }
  std::istringstream lines(*outputs);
  std::string line;
  size_t index = 0;
  while (std::getline(lines, line)) {
    if (index >= vectors.size()) {
      ADD_FAILURE() << "more expected-id lines than inputs";
      break;
    }
    std::istringstream numbers(line);
    int32_t id;
    while (numbers >> id) vectors[index].ids.push_back(id);
    ++index;
  }
  EXPECT_EQ(index, vectors.size());
  return vectors;
}

}  // namespace edgereason::test
