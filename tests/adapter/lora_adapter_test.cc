#include "adapter/lora_adapter.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "test_util.h"

namespace edgereason {
namespace {

// The fixtures' base: hidden 64, intermediate 160, 4 heads × 16, 2 KV heads, 3 layers.
AdapterBaseShape FixtureShape(int64_t hidden = 64) {
  AdapterBaseShape s;
  s.num_layers = 3;
  s.linear = {{{hidden, hidden}, {32, hidden}, {32, hidden}, {hidden, hidden},
               {160, hidden}, {160, hidden}, {hidden, 160}}};
  return s;
}

// A writable copy of a fixture adapter whose config a test may change.
std::string CopyAdapter(const std::string& variant = "adapter_lora") {
  std::string dir = test::MakeTempDir("er-adapter");
  std::filesystem::copy(test::SharedPath("fixtures/hf-reference/qwen2-tied/" + variant), dir,
                        std::filesystem::copy_options::recursive);
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    std::filesystem::permissions(e.path(), std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
  }
  return dir;
}

void EditConfig(const std::string& dir, const std::function<void(nlohmann::json&)>& edit) {
  auto j = nlohmann::json::parse(*ReadFile(dir + "/adapter_config.json"));
  edit(j);
  ASSERT_TRUE(WriteFileAtomic(dir + "/adapter_config.json", j.dump()).ok());
}

TEST(LoraAdapterTest, LoadsFixtureWithScales) {
  auto lora = LoraAdapter::Load(CopyAdapter(), FixtureShape());
  ASSERT_TRUE(lora.ok()) << lora.status().ToString();
  const LoraLinear* q = (*lora)->Find(0, LinearSlot::kQ);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->rank(), 8);
  EXPECT_FLOAT_EQ(q->scale, 2.0f);
  auto rslora = LoraAdapter::Load(CopyAdapter("adapter_rslora"), FixtureShape());
  ASSERT_TRUE(rslora.ok());
  EXPECT_NEAR((*rslora)->Find(2, LinearSlot::kDown)->scale, 16.0 / std::sqrt(8.0), 1e-6);
  EXPECT_EQ((*lora)->NumParameters(), 3 * 8 * (64 + 64 + 64 + 32 + 64 + 32 + 64 + 64 + 64 + 160 + 64 + 160 + 160 + 64));
}

TEST(LoraAdapterTest, AlphaPatternOverridesTheScale) {
  std::string dir = CopyAdapter();
  EditConfig(dir, [](nlohmann::json& j) { j["alpha_pattern"] = {{"q_proj", 32}}; });
  auto a = LoraAdapter::Load(dir, FixtureShape());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_FLOAT_EQ((*a)->Find(1, LinearSlot::kQ)->scale, 4.0f);
  EXPECT_FLOAT_EQ((*a)->Find(1, LinearSlot::kK)->scale, 2.0f);
}

TEST(LoraAdapterTest, RejectsWhatItCannotApply) {
  struct Case {
    std::function<void(nlohmann::json&)> edit;
    const char* mention;
  };
  const Case cases[] = {
      {[](auto& j) { j["r"] = 0; }, "'r'"},
      {[](auto& j) { j["use_dora"] = true; }, "use_dora"},
      {[](auto& j) { j["modules_to_save"] = {"lm_head"}; }, "modules_to_save"},
      {[](auto& j) { j["bias"] = "all"; }, "bias"},
      {[](auto& j) { j["target_modules"] = {"q_proj", "c_attn"}; }, "c_attn"},
      {[](auto& j) { j["peft_type"] = "IA3"; }, "IA3"},
      {[](auto& j) { j["target_modules"] = {"q_proj"}; }, "does not belong"},
  };
  for (const Case& c : cases) {
    std::string dir = CopyAdapter();
    EditConfig(dir, c.edit);
    auto r = LoraAdapter::Load(dir, FixtureShape());
    ASSERT_FALSE(r.ok()) << c.mention;
    EXPECT_NE(r.status().message().find(c.mention), std::string::npos) << r.status().message();
  }
}

TEST(LoraAdapterTest, RejectsAdapterOfAnotherBase) {
  auto r = LoraAdapter::Load(CopyAdapter(), FixtureShape(/*hidden=*/128));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("another base model"), std::string::npos) << r.status().message();
}

TEST(LoraAdapterTest, MissingOrCorruptFiles) {
  EXPECT_EQ(LoraAdapter::Load("/no/such/adapter", FixtureShape()).status().code(), StatusCode::kNotFound);
  std::string dir = CopyAdapter();
  auto bytes = *ReadFile(dir + "/adapter_model.safetensors");
  ASSERT_TRUE(WriteFileAtomic(dir + "/adapter_model.safetensors", bytes.substr(0, 100)).ok());
  EXPECT_FALSE(LoraAdapter::Load(dir, FixtureShape()).ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/adapter_config.json", "{\"r\": ").ok());
  EXPECT_FALSE(LoraAdapter::Load(dir, FixtureShape()).ok());
}

TEST(LoraAdapterTest, InvocationStartIsTheLastOccurrence) {
  EXPECT_EQ(FindInvocationStart({1, 5, 6, 2, 5, 6, 3}, {5, 6}), 4);
  EXPECT_EQ(FindInvocationStart({5, 6}, {5, 6}), 0);
  EXPECT_EQ(FindInvocationStart({1, 2, 3}, {5, 6}), std::nullopt);
  EXPECT_EQ(FindInvocationStart({5}, {5, 6}), std::nullopt);
  std::string dir = CopyAdapter();
  EditConfig(dir, [](auto& j) { j["alora_invocation_tokens"] = {7, 8}; });
  auto a = LoraAdapter::Load(dir, FixtureShape());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->invocation_tokens(), (std::vector<int32_t>{7, 8}));
}

}  // namespace
}  // namespace edgereason
