// Head features computed by the runtime itself, so a head is trained on
// exactly what it will read at inference.
//
// Switcher: the prompt is rendered as the Reasoner renders a question (chat
// template with the generation prompt, optional system prompt), prefilled by
// the base model with Engine::PrefillChunked, and every row's final hidden
// state pooled by HiddenPooler with the head's pooling configuration.
//
// Verifier: for each problem, `samples` rollouts by GenerateParallel from one
// shared prompt KV (prompt with base weights, then the budget preamble and the
// rollout with the adapter on, as in reasoning mode). Each rollout's sequence
// (prompt + preamble + generated tokens, the final stop token included) is
// extended by the verification prompt, as the runtime's parallel streams do
// before scoring, and the final hidden state of its last token is the feature.
// With `confidence`, the rollout's confidence features (stream_confidence.h,
// from the log-probabilities of its sampled tokens) follow the hidden state:
// rows are [hidden + kConfidenceFeatures]. The label is the answer checker's
// verdict on the rollout's final answer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "reasoning/budget.h"
#include "reasoning/switcher.h"
#include "train/data.h"
#include "train/head_fit.h"

namespace edgereason::train {

struct RuntimeFeatureOptions {
  std::string model_dir;
  std::string template_path;  // overrides the model's chat template
  std::string system_prompt;  // none when empty
  int threads = 1;            // runtime threads
  int64_t prefill_chunk = 128;
  bool progress = true;
};

// Pooled prefill hidden states [rows.size(), hidden]; labels are left empty.
Result<HeadData> SwitcherFeatures(const std::vector<ProblemRow>& rows, const PoolingConfig& pooling,
                                  const RuntimeFeatureOptions& options);

struct VerifierSampleOptions {
  std::string adapter_dir;   // PEFT adapter for the rollouts (empty: base weights)
  int samples = 16;          // rollouts per problem
  int64_t max_new_tokens = 512;
  float temperature = 0.7f;
  uint64_t seed = 0;
  BudgetConfig budget;       // its preamble starts each rollout; its tags split the answer
  std::string verification_prompt = "\nIs this answer correct? Answer yes or no.\n";
  bool confidence = true;    // append the confidence features to each row
};

struct VerifierSamples {
  HeadData data;                  // features and answer-checker labels
  std::vector<int64_t> problem;   // [rows] index of the problem each row came from
  double mean_generated = 0;      // tokens per rollout
};

Result<VerifierSamples> VerifierFeatures(const std::vector<ProblemRow>& rows,
                                         const VerifierSampleOptions& sampling,
                                         const RuntimeFeatureOptions& options);

}  // namespace edgereason::train
