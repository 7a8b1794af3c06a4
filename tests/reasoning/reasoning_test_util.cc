#include "reasoning_test_util.h"

#include <random>

#include "adapter/random_adapter.h"
#include "model/random_model.h"
#include "test_util.h"
#include "tokenizer/tokenizer_writer.h"

namespace edgereason::test {

const std::string& TinyModelDir() {
  static const std::string dir = [] {
    std::string d = MakeTempDir("er-reasoning-tiny");
    auto spec = RandomModelSpecByName("tiny");
    if (!spec.ok() || !WriteRandomModel(*spec, DType::kF32, 7, d).ok() ||
        !WriteByteLevelTokenizer(d).ok()) {
      return std::string();
    }
    return d;
  }();
  return dir;
}

const std::string& TinyAdapterDir() {
  static const std::string dir = [] {
    std::string d = MakeTempDir("er-reasoning-adapter");
    auto spec = RandomModelSpecByName("tiny");
    RandomAdapterSpec a;
    a.rank = 4;
    a.alpha = 8;
    if (!spec.ok() || !WriteRandomAdapter(a, AdapterShapeOf(spec->config), 11, d).ok()) {
      return std::string();
    }
    return d;
  }();
  return dir;
}

TinyParts LoadTiny() {
  TinyParts p;
  p.model = *Model::Load(TinyModelDir());
  p.tokenizer = std::shared_ptr<const Tokenizer>(*Tokenizer::LoadFromDirectory(TinyModelDir()));
  p.adapter = *LoraAdapter::Load(TinyAdapterDir(), p.model->adapter_shape());
  return p;
}

std::shared_ptr<const SwitcherHead> RandomSwitcher(int64_t hidden, double threshold, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  SwitcherWeights w;
  w.hidden_size = hidden;
  w.threshold = threshold;
  w.fc1_weight.resize(w.hidden_units * hidden);
  w.fc1_bias.resize(w.hidden_units);
  w.fc2_weight.resize(w.hidden_units);
  w.fc2_bias = {0.1f};
  for (float& v : w.fc1_weight) v = normal(rng);
  for (float& v : w.fc1_bias) v = normal(rng);
  for (float& v : w.fc2_weight) v = normal(rng);
  return *SwitcherHead::FromWeights(std::move(w), "test switcher");
}

std::shared_ptr<const VerifierHead> RandomVerifier(int64_t hidden, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  VerifierWeights w;
  w.hidden_size = hidden;
  w.weight.resize(hidden);
  for (float& v : w.weight) v = normal(rng);
  w.bias = 0.2f;
  w.confidence_weight = {0.5f, 0.1f, 0.2f, -0.05f, -0.1f};
  return *VerifierHead::FromWeights(std::move(w), "test verifier");
}

}  // namespace edgereason::test
