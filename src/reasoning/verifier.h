// The verifier head: scores a finished reasoning stream. After a stream ends,
// the verification prompt (e.g. "\nIs this answer correct? Answer yes or
// no.\n") is appended to it, reusing its KV cache, and the head reads the
// final hidden state [hidden] (after the final norm) of the prompt's last
// token: score = sigmoid(linear.weight · h + linear.bias), in (0, 1).
//
// File: `<stem>.json` = {"kind": "verifier", "hidden_size": H} and
// `<stem>.safetensors` with "linear.weight" [1, H] and "linear.bias" [1].
//
// Thread-safety: immutable after Load; share it freely.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason {

struct VerifierWeights {
  int64_t hidden_size = 0;
  std::vector<float> weight;  // [hidden]
  float bias = 0.0f;
};

class VerifierHead {
 public:
  static Result<std::shared_ptr<const VerifierHead>> Load(const std::string& path);
  static Result<std::shared_ptr<const VerifierHead>> FromWeights(VerifierWeights weights,
                                                                 const std::string& origin);

  int64_t hidden_size() const { return w_.hidden_size; }
  // The score of one final hidden state [hidden]; never above 1.
  double Score(std::span<const float> final_hidden) const;

 private:
  explicit VerifierHead(VerifierWeights w) : w_(std::move(w)) {}
  VerifierWeights w_;
};

Status WriteVerifierHead(const std::string& stem, const VerifierWeights& weights);

}  // namespace edgereason
