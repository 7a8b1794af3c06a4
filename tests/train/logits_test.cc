// edgereason-train's libtorch model against every Hugging Face reference
// fixture: base, LoRA, rsLoRA and masked-LoRA logits within 1e-4.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "io/safetensors.h"
#include "test_util.h"
#include "train/logits_command.h"

namespace edgereason::train {
namespace {

std::vector<float> F32(const SafetensorsTensor& t) {
  const float* p = reinterpret_cast<const float*>(t.data.data());
  return {p, p + t.NumElements()};
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 1e9;
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(double(a[i]) - b[i]));
  return m;
}

TEST(TrainLogits, MatchesEveryHfReferenceFixture) {
  const std::string root = test::SharedPath("fixtures/hf-reference");
  const std::string tmp = test::MakeTempDir("train-logits");
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    const std::string dir = entry.path().string();
    if (!std::filesystem::exists(dir + "/reference.safetensors")) continue;
    auto ref = SafetensorsFile::Open(dir + "/reference.safetensors");
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    auto meta = ReadFile(dir + "/reference.json");
    ASSERT_TRUE(meta.ok());
    const auto info = nlohmann::json::parse(*meta);
    for (int i = 0; ref->Find("input_ids." + std::to_string(i)) != nullptr; ++i) {
      const SafetensorsTensor* ids_t = ref->Find("input_ids." + std::to_string(i));
      const int64_t* p = reinterpret_cast<const int64_t*>(ids_t->data.data());
      std::vector<int32_t> ids(p, p + ids_t->NumElements());
      struct Case {
        std::string adapter, array;
        std::optional<int64_t> start;
      };
      std::vector<Case> cases = {{"", "base.logits." + std::to_string(i), std::nullopt}};
      for (const std::string a : {"lora", "rslora"}) {
        if (!std::filesystem::exists(dir + "/adapter_" + a)) continue;
        cases.push_back({a, a + ".logits." + std::to_string(i), std::nullopt});
        for (int64_t k : info["masked_ks"].value(std::to_string(i), std::vector<int64_t>{})) {
          cases.push_back({a, a + ".masked_logits." + std::to_string(i) + ".k" + std::to_string(k), k});
        }
      }
      for (const Case& c : cases) {
        const SafetensorsTensor* want = ref->Find(c.array);
        ASSERT_NE(want, nullptr) << dir << " " << c.array;
        LogitsOptions o;
        o.model_dir = dir + "/model";
        if (!c.adapter.empty()) o.lora_dir = dir + "/adapter_" + c.adapter;
        o.lora_start = c.start;
        o.ids = ids;
        o.out_path = tmp + "/out.safetensors";
        Status st = RunLogits(o);
        ASSERT_TRUE(st.ok()) << st.ToString();
        auto got = SafetensorsFile::Open(o.out_path);
        ASSERT_TRUE(got.ok());
        EXPECT_LT(MaxAbsDiff(F32(*got->Find("logits")), F32(*want)), 1e-4) << dir << " " << c.array;
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 4 * 13);
}

TEST(TrainLogits, RejectsAdapterOfAnotherShapeAndBadIds) {
  const std::string root = test::SharedPath("fixtures/hf-reference");
  LogitsOptions o;
  o.model_dir = root + "/qwen2-tied/model";
  o.ids = {3, 4};
  o.out_path = test::MakeTempDir("train-logits-bad") + "/out.safetensors";
  o.lora_dir = test::MakeTempDir("train-logits-noadapter");
  Status st = RunLogits(o);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("adapter_config.json"), std::string::npos) << st.message();
  o.lora_dir.clear();
  o.ids = {3, 100000};
  st = RunLogits(o);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("100000"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace edgereason::train
