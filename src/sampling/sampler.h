// Choosing the next token from logits: greedy, or sampling after the
// transformers processors in their order (repetition penalty, temperature,
// top-k, top-p, min-p), with a seeded random generator per sequence.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace edgereason {

struct SamplingParams {
  bool greedy = true;              // argmax (after the repetition penalty)
  float temperature = 1.0f;        // <= 0 means greedy
  int32_t top_k = 0;               // 0 keeps all
  float top_p = 1.0f;              // 1 keeps all
  float min_p = 0.0f;              // 0 keeps all
  float repetition_penalty = 1.0f; // 1 is off; applies to every token in the history
  uint64_t seed = 0;
};

// A drawn token and its log-probability under the model's own distribution:
// log softmax of the raw logits, before the penalty, temperature and filters
// (what a stream's confidence is measured in; see reasoning/stream_confidence.h).
struct SampledToken {
  int32_t id = 0;
  float logprob = 0.0f;
};

// One per sequence: owns that sequence's random state, so the tokens a
// sequence draws depend only on its own seed and logits, never on what other
// sequences in the batch do. Not thread-safe; distinct samplers are.
class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  const SamplingParams& params() const { return params_; }

  // Picks a token. `logits` [vocab] is modified in place (penalties, filters);
  // `history` holds the tokens the repetition penalty sees (prompt and output).
  int32_t Sample(std::span<float> logits, std::span<const int32_t> history);
  // Sample, plus the token's raw log-probability; `logits` is left as given.
  // Costs one copy of the logits and one pass of exp over them.
  SampledToken SampleWithLogProb(std::span<const float> logits, std::span<const int32_t> history);

 private:
  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<float> scratch_;   // [vocab] the logits Sample may modify
  std::vector<float> weights_;   // [vocab] unnormalised probabilities of one Sample
};

// log softmax(logits)[token]: the log-probability of `token` under the
// distribution the logits [vocab] define (one vector exp pass, LogSumExp).
float TokenLogProb(std::span<const float> logits, int32_t token);

// Index of the largest value; the lowest index wins ties (as torch.argmax).
int32_t ArgMax(std::span<const float> values);

}  // namespace edgereason
