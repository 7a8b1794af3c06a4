// BPE training: the runtime loads the written tokenizer, decode(encode(x))
// round-trips (unseen text, special tokens, non-ASCII), merges compress, and
// bad inputs are clear errors.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "test_util.h"
#include "tokenizer/tokenizer.h"
#include "train/bpe_command.h"

namespace edgereason::train {
namespace {

std::string WriteCorpus(const std::string& dir) {
  const std::string path = dir + "/corpus.jsonl";
  std::ofstream out(path);
  std::mt19937 rng(3);
  const char* words[] = {"the", "answer", "is", "reasoning", "think", "step", "first", "then",
                         "number", "équation", "平方", "we", "add", "multiply", "so"};
  for (int i = 0; i < 300; ++i) {
    std::string text;
    for (int k = 0; k < 12; ++k) text += std::string(k ? " " : "") + words[rng() % 15];
    text += ", " + std::to_string(rng() % 1000) + ".\\n";
    out << R"({"text": ")" << text << R"(", "id": )" << i << "}\n";
  }
  out << R"({"messages": [{"role": "user", "content": "what is 2+2?"}, {"role": "assistant", "content": "<think>add</think> 4"}]})" << "\n";
  return path;
}

TEST(TrainBpe, RuntimeLoadsRoundTripsAndMergesCompress) {
  const std::string dir = test::MakeTempDir("train-bpe");
  BpeOptions o;
  o.inputs = {WriteCorpus(dir)};
  o.fields = {"text", "messages"};
  o.vocab_size = 400;
  o.out_dir = dir + "/tok";
  BpeReport rep;
  testing::internal::CaptureStdout();
  const Status st = RunBpe(o, &rep);
  testing::internal::GetCapturedStdout();
  ASSERT_TRUE(st.ok()) << st.ToString();
  // The corpus runs out of pairs seen twice before the budget: vocab = what was found.
  EXPECT_GT(rep.merges, 50);
  EXPECT_LE(rep.merges, 400 - 256 - 5);
  EXPECT_EQ(rep.vocab_size, 256 + rep.merges + 5);
  std::printf("bpe: %lld bytes -> %lld tokens (%.2f bytes/token)\n", (long long)rep.corpus_bytes,
              (long long)rep.corpus_tokens, double(rep.corpus_bytes) / rep.corpus_tokens);
  EXPECT_LT(rep.corpus_tokens * 2.5, rep.corpus_bytes);

  auto tok = Tokenizer::LoadFromDirectory(o.out_dir);
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  EXPECT_EQ((*tok)->config().eos_token, "<|im_end|>");
  EXPECT_FALSE((*tok)->config().chat_template.empty());
  for (const char* name : {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"}) {
    auto id = (*tok)->TokenToId(name);
    ASSERT_TRUE(id.has_value()) << name;
    EXPECT_TRUE((*tok)->IsSpecial(*id)) << name;
  }
  const std::string texts[] = {
      "the answer is 42.", "<|im_start|>user\nthink first, then multiply<|im_end|>\n",
      "<think>\nstep one: équation 平方 ∑ 🙂\n</think> so 7", "  unseen   wörds\t\r\nzzz ",
      "it's we'll THE Answer"};
  for (const std::string& x : texts) {
    auto ids = (*tok)->Encode(x, /*parse_special=*/true);
    ASSERT_TRUE(ids.ok());
    auto back = (*tok)->Decode(*ids);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, x);
  }
  // Trained words take one token each; special tokens stay whole.
  auto ids = (*tok)->Encode(" reasoning", true);
  EXPECT_EQ(ids->size(), 1u);
  ids = (*tok)->Encode("<think>the", true);
  EXPECT_EQ(ids->size(), 2u);
}

TEST(TrainBpe, BadInputsAreClearErrors) {
  const std::string dir = test::MakeTempDir("train-bpe-bad");
  BpeOptions o;
  o.out_dir = dir + "/tok";
  EXPECT_FALSE(RunBpe(o).ok());  // no inputs
  o.inputs = {WriteCorpus(dir)};
  o.vocab_size = 100;
  Status st = RunBpe(o);
  EXPECT_NE(st.message().find("--vocab-size"), std::string::npos) << st.ToString();
  o.vocab_size = 300;
  o.fields = {"nothing"};
  st = RunBpe(o);
  EXPECT_NE(st.message().find("no text"), std::string::npos) << st.ToString();
  std::ofstream(dir + "/bad.jsonl") << "{\"text\": \"ok\"}\nnot json\n";
  o.inputs = {dir + "/bad.jsonl"};
  o.fields = {"text"};
  st = RunBpe(o);
  EXPECT_NE(st.message().find("bad.jsonl:2"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace edgereason::train
