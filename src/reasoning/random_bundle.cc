#include "reasoning/random_bundle.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "adapter/random_adapter.h"
#include "base/file.h"
#include "model/model.h"
#include "reasoning/switcher.h"
#include "reasoning/verifier.h"

namespace edgereason {

Status WriteRandomBundle(const std::string& model_dir, const std::string& out_dir,
                         const RandomBundleSpec& spec, uint64_t seed) {
  ER_ASSIGN_OR_RETURN(ModelConfig config, LoadModelConfig(model_dir));
  std::error_code ec;
  ER_RETURN_IF_ERROR(CreateDirectories(out_dir));
  const std::string base = std::filesystem::absolute(model_dir, ec).string();
  if (ec) return IoError(model_dir + ": cannot resolve the path (" + ec.message() + ")");

  RandomAdapterSpec adapter;
  adapter.rank = spec.adapter_rank;
  adapter.alpha = 2.0 * static_cast<double>(spec.adapter_rank);
  ER_RETURN_IF_ERROR(
      WriteRandomAdapter(adapter, AdapterShapeOf(config), seed, JoinPath(out_dir, "adapter")));

  std::mt19937_64 rng(seed + 1);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  const int64_t h = config.hidden_size;
  nlohmann::ordered_json bundle = {{"format", "edgereason.bundle.v1"},
                                   {"base", base},
                                   {"adapter", "adapter"}};
  if (spec.with_switcher) {
    SwitcherWeights w;
    w.hidden_size = h;
    w.threshold = spec.threshold;
    for (int64_t i = 0; i < w.hidden_units * h; ++i) w.fc1_weight.push_back(normal(rng));
    for (int64_t i = 0; i < w.hidden_units; ++i) w.fc1_bias.push_back(normal(rng));
    for (int64_t i = 0; i < w.hidden_units; ++i) w.fc2_weight.push_back(normal(rng));
    w.fc2_bias = {0.0f};
    ER_RETURN_IF_ERROR(WriteSwitcherHead(JoinPath(out_dir, "switcher"), w));
    bundle["switcher"] = "switcher.safetensors";
  }
  if (spec.with_verifier) {
    VerifierWeights w;
    w.hidden_size = h;
    for (int64_t i = 0; i < h; ++i) w.weight.push_back(normal(rng));
    ER_RETURN_IF_ERROR(WriteVerifierHead(JoinPath(out_dir, "verifier"), w));
    bundle["verifier"] = "verifier.safetensors";
  }
  bundle["templates"] = {{"user", "{question}\nPut the final answer in \\boxed{}."},
                         {"preamble", "<think>\nThinking budget: {budget} tokens.\n"},
                         {"verification", "\nIs this answer correct? Answer yes or no.\n"},
                         {"forced_answer", "\n</think>\n\nFinal answer: \\boxed{"}};
  bundle["defaults"] = {{"reasoning", spec.with_switcher ? "auto" : "on"},
                        {"budget", spec.budget},
                        {"answer_tokens", spec.answer_tokens},
                        {"parallel", spec.parallel},
                        {"vote", spec.with_verifier ? "weighted" : "majority"},
                        {"temperature", 0.7},
                        {"chat_max_tokens", spec.budget}};
  return WriteFileAtomic(JoinPath(out_dir, "bundle.json"), bundle.dump(2) + "\n");
}

}  // namespace edgereason
