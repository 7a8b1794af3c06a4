// The edgereason CLI end to end: the contract in DESIGN.md, fixtures through
// the command line, and bad input giving one-line errors with non-zero exits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "io/safetensors.h"
#include "test_util.h"

namespace edgereason {
namespace {

std::string Cli(const std::string& args) { return test::CliPath() + " " + args; }
std::string Fixture(const std::string& name) {
  return test::SharedPath("fixtures/hf-reference/" + name);
}

std::string IdsText(const SafetensorsTensor& t) {
  std::string s;
  for (int64_t i = 0; i < t.NumElements(); ++i) {
    int64_t v;
    std::memcpy(&v, t.data.data() + 8 * i, 8);
    s += (i ? " " : "") + std::to_string(v);
  }
  return s;
}

std::vector<int64_t> I64(const SafetensorsTensor& t) {
  std::vector<int64_t> v(t.NumElements());
  std::memcpy(v.data(), t.data.data(), v.size() * 8);
  return v;
}

float MaxAbsDiff(const SafetensorsTensor& a, const SafetensorsTensor& b) {
  EXPECT_EQ(a.data.size(), b.data.size());
  float m = 0;
  for (size_t i = 0; i * 4 < std::min(a.data.size(), b.data.size()); ++i) {
    float x, y;
    std::memcpy(&x, a.data.data() + 4 * i, 4);
    std::memcpy(&y, b.data.data() + 4 * i, 4);
    m = std::max(m, std::fabs(x - y));
  }
  return m;
}

// Asserts a failed command printed exactly one line naming `culprit`.
void ExpectOneLineError(const test::CommandResult& r, const std::string& culprit) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(culprit), std::string::npos) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
}

TEST(CliTest, LogitsAndGreedyGenerationMatchTransformersOnEveryFixture) {
  for (const char* name : {"qwen2-tied", "qwen2-untied", "llama-untied", "llama3rope-tied"}) {
    SCOPED_TRACE(name);
    auto ref = SafetensorsFile::Open(Fixture(name) + "/reference.safetensors");
    ASSERT_TRUE(ref.ok());
    const std::string ids = IdsText(*ref->Find("input_ids.2"));
    const std::string out = test::MakeTempDir("er-cli") + "/logits.safetensors";
    auto r = test::RunCommand(Cli("logits --model " + Fixture(name) + "/model --ids '" + ids +
                                  "' --out " + out), true);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto got = SafetensorsFile::Open(out);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->Find("logits")->shape, ref->Find("base.logits.2")->shape);
    EXPECT_LT(MaxAbsDiff(*got->Find("logits"), *ref->Find("base.logits.2")), 1e-4f);
    EXPECT_LT(MaxAbsDiff(*got->Find("final_hidden"), *ref->Find("base.final_hidden.2")), 1e-4f);

    // Eight streams forked from the prompt: each stream's logits are the
    // reference's last row, and the prompt is encoded once.
    const std::string forked = test::MakeTempDir("er-cli") + "/forked.safetensors";
    r = test::RunCommand(Cli("logits --model " + Fixture(name) + "/model --ids '" + ids +
                             "' --parallel 8 --out " + forked));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const int64_t length = ref->Find("input_ids.2")->shape.back();
    EXPECT_NE(r.output.find("prompt tokens encoded: " + std::to_string(length - 1) + ","),
              std::string::npos) << r.output;
    auto streams = SafetensorsFile::Open(forked);
    ASSERT_TRUE(streams.ok());
    EXPECT_LT(MaxAbsDiff(*streams->Find("logits"), *ref->Find("base.logits.2")), 1e-4f);
    const SafetensorsTensor* each = streams->Find("stream_logits");
    ASSERT_NE(each, nullptr);
    ASSERT_EQ(each->shape[0], 8);
    const int64_t vocab = each->shape[1];
    std::vector<float> row0(vocab), row(vocab);
    std::memcpy(row0.data(), each->data.data(), vocab * 4);
    for (int64_t s = 1; s < 8; ++s) {
      std::memcpy(row.data(), each->data.data() + s * vocab * 4, vocab * 4);
      EXPECT_EQ(row, row0) << "stream " << s;
    }

    r = test::RunCommand(Cli("generate --model " + Fixture(name) + "/model --ids '" + ids +
                             "' -n 20 --greedy --ignore-eos --json"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["tokens"].get<std::vector<int64_t>>(), I64(*ref->Find("base.gen_tokens.2")));
  }
}

TEST(CliTest, TinyModelChatsEndToEnd) {
  const std::string dir = test::MakeTempDir("er-tiny");
  auto r = test::RunCommand(Cli("make-random-model --shape tiny --out " + dir), true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::RunCommand(Cli("generate --model " + dir + " --chat 'What is 2+3?' -n 12 --seed 3 "
                           "--temp 0.8 --ignore-eos --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["tokens"].size(), 12u);
  EXPECT_TRUE(j["text"].is_string());
  EXPECT_GT(j["prompt_tokens"].get<int>(), 10);
  // Same seed, same tokens.
  auto again = test::RunCommand(Cli("generate --model " + dir + " --chat 'What is 2+3?' -n 12 "
                                    "--seed 3 --temp 0.8 --ignore-eos --json"));
  EXPECT_EQ(nlohmann::json::parse(again.output)["tokens"], j["tokens"]);
  // Plain text streaming mode prints the text and a stats line on stderr.
  r = test::RunCommand(Cli("generate --model " + dir + " --prompt 'hello' -n 4 --greedy"), true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("prompt tokens"), std::string::npos);
}

TEST(CliTest, DemoBundleAnswersAndRepliesEndBeforeTheStopToken) {
  // The built-in default (models/demo, the README's first command): a chat
  // question goes to the base, an arithmetic one to the reasoning streams, and
  // neither reply carries the "<|im_end|>" that ended it.
  const std::string bundle = test::SourcePath("models/demo");
  auto r = test::RunCommand(Cli("run --bundle " + bundle + " --threads 1 --json 'Copy this number: 52871'"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["route"], "chat");
  EXPECT_EQ(j["answer"], "52871");
  EXPECT_EQ(j["reply"], "\\boxed{52871}");

  r = test::RunCommand(Cli("run --bundle " + bundle + " --threads 1 --json 'Compute (23 - 9) × 4.'"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["route"], "reason");
  EXPECT_EQ(j["answer"], "56");
  for (const auto& stream : j["streams"]) {
    EXPECT_EQ(stream["reply"].get<std::string>().find("<|im_end|>"), std::string::npos) << stream;
  }
}

TEST(CliTest, TokenizePrintsIdsAndReadsFilesByteForByte) {
  const std::string tok = test::SharedPath("data/qwen2.5-tokenizer");
  auto r = test::RunCommand(Cli("tokenize --model " + tok + " 'Hello world'"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "9707 1879\n");
  const std::string file = test::MakeTempDir("er-tok") + "/text.txt";
  ASSERT_TRUE(WriteFileAtomic(file, " Hello world\n\n").ok());
  r = test::RunCommand(Cli("tokenize --model " + tok + " --file " + file));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "21927 1879 271\n");
  r = test::RunCommand(Cli("tokenize --model " + tok + " --special '<|im_start|>user'"));
  EXPECT_EQ(r.output, "151644 872\n");
}

TEST(CliTest, MalformedTokenizerOrTemplateGivesOneLineErrors) {
  const std::string dir = test::MakeTempDir("er-badtok");
  ASSERT_EQ(test::RunCommand(Cli("make-random-model --shape tiny --out " + dir), true).exit_code, 0);
  auto config = nlohmann::json::parse(*ReadFile(dir + "/tokenizer_config.json"));
  config["chat_template"] = "{% for m in messages %}{{ m.content ";
  ASSERT_TRUE(WriteFileAtomic(dir + "/tokenizer_config.json", config.dump()).ok());
  ExpectOneLineError(test::RunCommand(Cli("generate --model " + dir + " --chat hi -n 2"), true),
                     "chat_template");
  config["chat_template"] = "{{ raise_exception('roles must alternate') }}";
  ASSERT_TRUE(WriteFileAtomic(dir + "/tokenizer_config.json", config.dump()).ok());
  ExpectOneLineError(test::RunCommand(Cli("generate --model " + dir + " --chat hi -n 2"), true),
                     "roles must alternate");
  ASSERT_TRUE(WriteFileAtomic(dir + "/tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": 5}}").ok());
  ExpectOneLineError(test::RunCommand(Cli("tokenize --model " + dir + " hi"), true), "tokenizer.json");
}

TEST(CliTest, BadInputGivesOneLineErrorsNamingTheCulprit) {
  const std::string model = Fixture("qwen2-tied") + "/model";
  ExpectOneLineError(test::RunCommand(Cli("generate --model /no/such/dir --ids '1 2'"), true),
                     "/no/such/dir");
  ExpectOneLineError(test::RunCommand(Cli("generate --model " + model + " --ids '1 99999'"), true),
                     "99999");
  ExpectOneLineError(test::RunCommand(Cli("generate --model " + model + " --ids '1 x2'"), true),
                     "x2");
  ExpectOneLineError(test::RunCommand(Cli("generate --model " + model +
                                          " --ids '1 2 3 4 5 6 7' --ctx 4"), true),
                     "context");
  ExpectOneLineError(test::RunCommand(Cli("generate --model " + model + " --prompt hi"), true),
                     "tokenizer");
  ExpectOneLineError(test::RunCommand(Cli("tokenize --model /no/such/tok hi"), true), "/no/such/tok");
  // Forked streams need a prompt to share and a token to decode.
  ExpectOneLineError(test::RunCommand(Cli("logits --model " + model + " --ids 1 --parallel 4 --out " +
                                          test::MakeTempDir("er-bad") + "/o.safetensors"), true),
                     "--parallel needs at least two prompt ids");

  const std::string dir = test::MakeTempDir("er-bad");
  std::filesystem::copy(model, dir, std::filesystem::copy_options::recursive);
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    std::filesystem::permissions(e.path(), std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
  }
  auto config = *ReadFile(dir + "/config.json");
  std::string bad = config;
  bad.replace(bad.find("Qwen2ForCausalLM"), 16, "MambaForCausalLM");
  ASSERT_TRUE(WriteFileAtomic(dir + "/config.json", bad).ok());
  ExpectOneLineError(test::RunCommand(Cli("logits --model " + dir + " --ids 1 --out " + dir + "/o"), true),
                     "MambaForCausalLM");
  ASSERT_TRUE(WriteFileAtomic(dir + "/config.json", config).ok());

  std::filesystem::rename(dir + "/model.safetensors", dir + "/model-00001-of-00002.safetensors");
  ASSERT_TRUE(WriteFileAtomic(dir + "/model.safetensors.index.json",
      R"({"weight_map": {"model.embed_tokens.weight": "model-00001-of-00002.safetensors",
                         "model.norm.weight": "model-00002-of-00002.safetensors"}})").ok());
  ExpectOneLineError(test::RunCommand(Cli("logits --model " + dir + " --ids 1 --out " + dir + "/o"), true),
                     "model-00002-of-00002.safetensors");
  EXPECT_FALSE(FileExists(dir + "/o"));
}

}  // namespace
}  // namespace edgereason
