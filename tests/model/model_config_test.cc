#include "model/model_config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "base/file.h"
#include "io/safetensors.h"
#include "model/model.h"
#include "model/random_model.h"
#include "test_util.h"

namespace edgereason {
namespace {

TEST(ModelConfigTest, ParsesEveryFixtureConfig) {
  for (const char* name : {"qwen2-tied", "qwen2-untied", "llama-untied", "llama3rope-tied"}) {
    auto c = LoadModelConfig(test::SharedPath(std::string("fixtures/hf-reference/") + name + "/model"));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->head_dim, 16);
    EXPECT_EQ(c->num_kv_heads, 2);
  }
  auto llama3 = LoadModelConfig(test::SharedPath("fixtures/hf-reference/llama3rope-tied/model"));
  EXPECT_EQ(llama3->rope_scaling.kind, RopeScaling::Kind::kLlama3);
  EXPECT_EQ(llama3->rope_scaling.original_max_position_embeddings, 256);
  EXPECT_TRUE(llama3->tie_word_embeddings);
}

TEST(ModelConfigTest, Qwen3HasExplicitHeadDimAndQkNorm) {
  auto c = ParseModelConfig(R"({"architectures": ["Qwen3ForCausalLM"], "vocab_size": 100,
      "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
      "num_attention_heads": 4, "num_key_value_heads": 1, "head_dim": 32,
      "eos_token_id": [5, 6]})", "config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->architecture, Architecture::kQwen3);
  EXPECT_EQ(c->head_dim, 32);
  EXPECT_EQ(c->q_dim(), 128);
  EXPECT_TRUE(c->qk_norm);
  EXPECT_FALSE(c->qkv_bias);
  EXPECT_EQ(c->eos_token_ids, (std::vector<int32_t>{5, 6}));
}

TEST(ModelConfigTest, LinearAndLlama3RopeScaling) {
  ModelConfig c;
  c.head_dim = 8;
  c.rope_theta = 10000;
  const auto plain = RopeInverseFrequencies(c);
  c.rope_scaling.kind = RopeScaling::Kind::kLinear;
  c.rope_scaling.factor = 4;
  const auto linear = RopeInverseFrequencies(c);
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_FLOAT_EQ(linear[i], plain[i] / 4);
  c.rope_scaling.kind = RopeScaling::Kind::kLlama3;
  c.rope_scaling.factor = 8;
  c.rope_scaling.low_freq_factor = 1;
  c.rope_scaling.high_freq_factor = 4;
  c.rope_scaling.original_max_position_embeddings = 64;
  const auto llama3 = RopeInverseFrequencies(c);
  EXPECT_FLOAT_EQ(llama3[0], plain[0]);      // high frequency kept
  EXPECT_FLOAT_EQ(llama3[3], plain[3] / 8);  // wavelength 2π·1000^0.75 > 64: divided
}

struct BadConfig {
  const char* json;
  const char* must_mention;
};

TEST(ModelConfigTest, RejectsBadConfigsNamingTheField) {
  const std::string base = R"("vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
      "num_hidden_layers": 2, "num_attention_heads": 4)";
  const BadConfig cases[] = {
      {R"({"architectures": ["GPT2LMHeadModel"], )", "GPT2LMHeadModel"},
      {R"({"architectures": ["Qwen2ForCausalLM"], "num_key_value_heads": 3, )", "num_key_value_heads"},
      {R"({"architectures": ["Qwen2ForCausalLM"], "hidden_act": "gelu", )", "gelu"},
      {R"({"architectures": ["LlamaForCausalLM"], "rope_scaling": {"rope_type": "yarn", "factor": 4}, )", "yarn"},
      {R"({"architectures": ["Qwen2ForCausalLM"], "use_sliding_window": true, )", "sliding"},
      {R"({"architectures": ["Qwen2ForCausalLM"], "rms_norm_eps": "small", )", "rms_norm_eps"},
      {R"({"architectures": ["Qwen2ForCausalLM"], "max_position_embeddings": -5, )", "max_position_embeddings"},
  };
  for (const auto& bad : cases) {
    auto c = ParseModelConfig(std::string(bad.json) + base + "}", "config.json");
    ASSERT_FALSE(c.ok()) << bad.json;
    EXPECT_NE(c.status().message().find(bad.must_mention), std::string::npos)
        << c.status().message();
    EXPECT_NE(c.status().message().find("config.json"), std::string::npos);
  }
  EXPECT_FALSE(ParseModelConfig("{\"architectures\": [\"Qwen2ForCausalLM\"]}", "c.json").ok());
  EXPECT_FALSE(ParseModelConfig("[1, 2]", "c.json").ok());
  EXPECT_FALSE(ParseModelConfig("{trunc", "c.json").ok());
}

TEST(ModelConfigTest, GenerationConfig) {
  auto g = ParseGenerationConfig(R"({"eos_token_id": [151645, 151643], "do_sample": true,
      "temperature": 0.7, "top_p": 0.8, "top_k": 20, "repetition_penalty": 1.05})", "g.json");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->eos_token_ids, (std::vector<int32_t>{151645, 151643}));
  EXPECT_TRUE(g->do_sample);
  EXPECT_EQ(g->top_k, 20);
  EXPECT_FALSE(ParseGenerationConfig(R"({"top_p": 3})", "g.json").ok());
}

// Copies a fixture model into a temp dir so a test can break it.
std::string CopyFixtureModel(const char* fixture) {
  std::string dir = test::MakeTempDir("er-model");
  std::filesystem::copy(test::SharedPath(std::string("fixtures/hf-reference/") + fixture + "/model"),
                        dir, std::filesystem::copy_options::recursive);
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    std::filesystem::permissions(e.path(), std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
  }
  return dir;
}

TEST(ModelLoadTest, BadCheckpointsGiveClearErrors) {
  // Missing directory.
  auto missing = Model::Load("/nonexistent/model");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/model"), std::string::npos);

  // Config says a different width than the tensors have.
  std::string dir = CopyFixtureModel("qwen2-tied");
  auto text = ReadFile(dir + "/config.json");
  std::string changed = *text;
  changed.replace(changed.find("\"intermediate_size\": 160"), 24, "\"intermediate_size\": 128");
  ASSERT_TRUE(WriteFileAtomic(dir + "/config.json", changed).ok());
  auto mismatch = Model::Load(dir);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("gate_proj"), std::string::npos)
      << mismatch.status().message();
  ASSERT_TRUE(WriteFileAtomic(dir + "/config.json", *text).ok());

  // Truncated weights.
  auto weights = ReadFile(dir + "/model.safetensors");
  ASSERT_TRUE(WriteFileAtomic(dir + "/model.safetensors", weights->substr(0, weights->size() / 2)).ok());
  auto truncated = Model::Load(dir);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("model.safetensors"), std::string::npos);

  // Header bytes corrupted.
  std::string corrupt = *weights;
  corrupt[12] = '\xff';
  ASSERT_TRUE(WriteFileAtomic(dir + "/model.safetensors", corrupt).ok());
  EXPECT_FALSE(Model::Load(dir).ok());

  // Untied model without lm_head.
  std::string untied = CopyFixtureModel("qwen2-untied");
  auto file = SafetensorsFile::Open(untied + "/model.safetensors");
  ASSERT_TRUE(file.ok());
  std::vector<TensorToWrite> keep;
  for (const auto& t : file->tensors()) {
    if (t.name != "lm_head.weight") keep.push_back({t.name, t.dtype, t.shape, t.data});
  }
  std::string bytes = SerializeSafetensors(keep);
  ASSERT_TRUE(WriteFileAtomic(untied + "/model.safetensors", bytes).ok());
  auto no_head = Model::Load(untied);
  ASSERT_FALSE(no_head.ok());
  EXPECT_NE(no_head.status().message().find("lm_head.weight"), std::string::npos);
}

TEST(ModelLoadTest, RandomModelsOfEveryArchitectureLoad) {
  for (const char* shape : {"tiny", "llama-tiny", "qwen3-tiny"}) {
    auto spec = RandomModelSpecByName(shape);
    ASSERT_TRUE(spec.ok());
    std::string dir = test::MakeTempDir("er-random");
    ASSERT_TRUE(WriteRandomModel(*spec, DType::kBF16, 3, dir).ok());
    auto model = Model::Load(dir);
    ASSERT_TRUE(model.ok()) << shape << ": " << model.status().ToString();
    EXPECT_EQ((*model)->config().architecture, spec->config.architecture);
    EXPECT_EQ((*model)->config().head_dim, spec->config.head_dim);
  }
}

}  // namespace
}  // namespace edgereason
