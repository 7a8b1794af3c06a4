// Architectures the transformers fixtures do not cover (Qwen3 q/k norm with an
// explicit head_dim, a single KV head, BF16 weights) against an independent
// float64 numpy implementation (tests/model/reference_forward.py).
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "model/forward.h"
#include "model/random_model.h"
#include "test_util.h"

namespace edgereason {
namespace {

TEST(NumpyReferenceTest, RandomModelsMatchFloat64Numpy) {
  ASSERT_EQ(test::RunCommand("/usr/bin/python3 -c 'import numpy'").exit_code, 0)
      << "/usr/bin/python3 with numpy is needed: run scripts/setup.sh";
  const std::vector<int32_t> ids = {5, 300, 17, 42, 99, 250, 3, 3, 180, 7, 64};
  std::string id_text;
  for (int32_t t : ids) id_text += std::to_string(t) + " ";
  for (const char* shape : {"qwen3-tiny", "llama-tiny", "tiny"}) {
    SCOPED_TRACE(shape);
    std::string dir = test::MakeTempDir("er-numpy");
    auto spec = RandomModelSpecByName(shape);
    ASSERT_TRUE(spec.ok());
    ASSERT_TRUE(WriteRandomModel(*spec, DType::kBF16, 11, dir).ok());
    auto model = Model::Load(dir);
    ASSERT_TRUE(model.ok()) << model.status().ToString();

    const std::string out = dir + "/reference.json";
    auto run = test::RunCommand("/usr/bin/python3 " + test::SourcePath("tests/model/reference_forward.py") +
                                " " + dir + " '" + id_text + "' " + out, true);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    auto ref = nlohmann::json::parse(*ReadFile(out));

    const ModelConfig& c = (*model)->config();
    KvCache kv({c.num_layers, c.num_kv_heads, c.head_dim}, 1024);
    ThreadPool pool(2);
    ForwardPass pass(*model);
    const int32_t seq = kv.AddSequence();
    std::vector<TokenRow> rows;
    for (size_t p = 0; p < ids.size(); ++p) rows.push_back({seq, static_cast<int32_t>(p), ids[p], true});
    ForwardOutput result;
    ASSERT_TRUE(pass.Run(rows, kv, pool, {}, &result).ok());
    float max_diff = 0, max_abs = 0;
    for (size_t p = 0; p < ids.size(); ++p) {
      for (int64_t v = 0; v < c.vocab_size; ++v) {
        const float want = ref["logits"][p][v].get<float>();
        max_abs = std::max(max_abs, std::fabs(want));
        max_diff = std::max(max_diff, std::fabs(result.logits[p * c.vocab_size + v] - want));
      }
    }
    EXPECT_GT(max_abs, 0.1f) << "logits too small to be a meaningful check";
    EXPECT_LT(max_diff, 1e-4f);
  }
}

}  // namespace
}  // namespace edgereason
