// How sure a stream was of its own tokens: a few statistics of the raw
// log-probabilities of its sampled tokens (SampledToken), which the verifier
// head reads next to the stream's final hidden state.
//
// Why: a wrong reasoning stream usually went wrong at a few tokens the model
// drew at low probability (a carry digit, an operand), and a hidden state
// read after the stream has ended barely sees that. On the demo bundle's
// k = 3–5 streams (T = 0.7) these statistics separate right from wrong
// streams of the same question far better than the hidden state alone.
#pragma once

#include <array>
#include <span>
#include <string_view>

namespace edgereason {

// The features, in the order of ConfidenceFeatures and of a verifier file's
// "confidence_features":
//   mean_logprob      mean log-probability of the sampled tokens
//   min_logprob       the lowest one
//   tail_logprob      mean of the lowest 10% (at least one token)
//   tokens_below_p50  how many were drawn at probability < 0.5
//   tokens_below_p25  how many at < 0.25
inline constexpr std::array<std::string_view, 5> kConfidenceFeatureNames = {
    "mean_logprob", "min_logprob", "tail_logprob", "tokens_below_p50", "tokens_below_p25"};
inline constexpr size_t kConfidenceFeatures = kConfidenceFeatureNames.size();

using ConfidenceVector = std::array<float, kConfidenceFeatures>;

// The features of one stream; all zero for a stream that sampled nothing.
ConfidenceVector ConfidenceFeatures(std::span<const float> sampled_logprobs);

}  // namespace edgereason
