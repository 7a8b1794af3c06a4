// The switcher: decides from the base model's prompt prefill whether a query
// is answered in chat mode (base weights only) or reasoning mode (adapter).
//
// Pooling (what the head reads), over the final-layer hidden states h_t
// [hidden] (after the final norm) of the prompt's T rows, split into
// consecutive chunks of `chunk_size` rows (the last chunk may be shorter):
//   chunk_mean_k = mean of h_t over the rows of chunk k
//   kChunkEma:  ema_1 = chunk_mean_1;  ema_k = α·chunk_mean_k + (1−α)·ema_{k−1}
//   kMean:      the plain mean of h_t over all T rows
// With α = 0.5 and 128-row chunks (the paper's setting) recent chunks weigh
// more; a prompt of at most one chunk pools to its plain mean either way.
//
// Head: p = sigmoid(fc2 · relu(fc1 · pooled + b1) + b2), fc1 [units, hidden],
// fc2 [1, units]; route to reasoning when p >= threshold.
//
// Thread-safety: SwitcherHead is immutable after Load (share it freely);
// a HiddenPooler belongs to one prefill.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason {

enum class PoolingKind { kChunkEma, kMean };

struct PoolingConfig {
  PoolingKind kind = PoolingKind::kChunkEma;
  int64_t chunk_size = 128;
  double alpha = 0.5;
};

// Accumulates the pooled hidden state row by row; rows may arrive in pieces
// of any size (the prefill's own chunking does not matter).
class HiddenPooler {
 public:
  HiddenPooler(int64_t hidden_size, const PoolingConfig& config);

  // rows × hidden floats, row-major.
  void Add(std::span<const float> hidden, int64_t rows);
  int64_t rows_seen() const { return rows_seen_; }
  // The pooled vector [hidden]; zeros before any row.
  std::vector<float> Pooled() const;

 private:
  void CloseChunk();

  int64_t hidden_size_;
  PoolingConfig config_;
  int64_t rows_seen_ = 0;
  int64_t chunk_rows_ = 0;           // rows in the open chunk
  std::vector<double> chunk_sum_;    // [hidden] sum over the open chunk
  std::vector<double> total_sum_;    // [hidden] sum over every row (kMean)
  std::vector<double> ema_;          // [hidden] over closed chunks
  bool has_ema_ = false;
};

// The switcher head file: `<stem>.json` = {"kind": "switcher", "hidden_size": H,
// "hidden_units": 8, "pooling": "chunk_ema"|"mean", "chunk_size": 128,
// "ema_alpha": 0.5, "threshold": 0.5} and `<stem>.safetensors` with
// "fc1.weight" [units, H], "fc1.bias" [units], "fc2.weight" [1, units],
// "fc2.bias" [1].
struct SwitcherWeights {
  int64_t hidden_size = 0;
  int64_t hidden_units = 8;
  PoolingConfig pooling;
  double threshold = 0.5;
  std::vector<float> fc1_weight, fc1_bias, fc2_weight, fc2_bias;
};

class SwitcherHead {
 public:
  static Result<std::shared_ptr<const SwitcherHead>> Load(const std::string& path);
  // Checks shapes and values; `origin` names the source in errors.
  static Result<std::shared_ptr<const SwitcherHead>> FromWeights(SwitcherWeights weights,
                                                                 const std::string& origin);

  int64_t hidden_size() const { return w_.hidden_size; }
  const PoolingConfig& pooling() const { return w_.pooling; }
  double threshold() const { return w_.threshold; }
  // Probability that the query needs reasoning, from a pooled vector [hidden].
  double Probability(std::span<const float> pooled) const;

 private:
  explicit SwitcherHead(SwitcherWeights w) : w_(std::move(w)) {}
  SwitcherWeights w_;
};

Status WriteSwitcherHead(const std::string& stem, const SwitcherWeights& weights);

}  // namespace edgereason
