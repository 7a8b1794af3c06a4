// The verifier head: scores a finished reasoning stream. After a stream ends,
// the verification prompt (e.g. "\nIs this answer correct? Answer yes or
// no.\n") is appended to it, reusing its KV cache, and the head reads the
// final hidden state h [hidden] (after the final norm) of the prompt's last
// token, and, when it was trained with them, the stream's confidence
// features c [kConfidenceFeatures] (stream_confidence.h):
//   score = sigmoid(linear.weight · h + confidence.weight · c + linear.bias), in (0, 1).
//
// File: `<stem>.json` = {"kind": "verifier", "hidden_size": H} plus, for a
// head that reads them, "confidence_features": the names of
// kConfidenceFeatureNames in order; `<stem>.safetensors` with
// "linear.weight" [1, H], "linear.bias" [1] and then "confidence.weight" [1, 5].
//
// Thread-safety: immutable after Load; share it freely.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "reasoning/stream_confidence.h"

namespace edgereason {

struct VerifierWeights {
  int64_t hidden_size = 0;
  std::vector<float> weight;  // [hidden]
  float bias = 0.0f;
  std::vector<float> confidence_weight;  // [kConfidenceFeatures], or empty: hidden state only
};

class VerifierHead {
 public:
  static Result<std::shared_ptr<const VerifierHead>> Load(const std::string& path);
  static Result<std::shared_ptr<const VerifierHead>> FromWeights(VerifierWeights weights,
                                                                 const std::string& origin);

  int64_t hidden_size() const { return w_.hidden_size; }
  bool reads_confidence() const { return !w_.confidence_weight.empty(); }
  // The score of one stream from its final hidden state [hidden] and its
  // confidence features (ignored by a head without them); in (0, 1).
  double Score(std::span<const float> final_hidden, const ConfidenceVector& confidence) const;

 private:
  explicit VerifierHead(VerifierWeights w) : w_(std::move(w)) {}
  VerifierWeights w_;
};

Status WriteVerifierHead(const std::string& stem, const VerifierWeights& weights);

}  // namespace edgereason
