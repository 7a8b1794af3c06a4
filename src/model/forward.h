// The batched forward pass of a decoder-only transformer (Qwen2, Llama,
// Qwen3) over rows of (sequence, position, token).
//
// One code path serves prompt prefill, single-token decode and many sequences
// decoded together: each row names its sequence and position, its key/value
// vectors are written to the cache, and it attends causally to positions
// [0, pos] of its own sequence.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"
#include "base/thread_pool.h"
#include "adapter/lora_adapter.h"
#include "kv/kv_cache.h"
#include "model/model.h"

namespace edgereason {

struct TokenRow {
  int32_t seq = 0;
  int32_t pos = 0;
  int32_t token = 0;
  bool output = false;  // compute final hidden state and logits for this row
  // Index into the adapters passed to ForwardPass::Run, or -1 for base weights.
  int16_t adapter = -1;
};

struct ForwardOptions {
  bool logits = true;          // lm_head over output rows
  // lm_head over the last output row only: a prefill that keeps every row's
  // final hidden state (e.g. for the switcher) but samples only after the last.
  bool logits_last_output_only = false;
  bool hidden_states = false;  // keep every layer's residual stream (tests, analysis)
};

struct ForwardOutput {
  int64_t num_outputs = 0;            // rows with output = true, in row order
  std::vector<float> final_hidden;    // [num_outputs, hidden], after the final norm
  std::vector<float> logits;          // [num_outputs, vocab] ([1, vocab] with logits_last_output_only)
  // [num_layers + 1, rows, hidden] when requested, as transformers'
  // output_hidden_states: [0] embeddings, [l] output of layer l-1, and the
  // last entry after the final norm.
  std::vector<float> hidden_states;
};

// Holds the scratch buffers of the pass; one per engine (not thread-safe).
class ForwardPass {
 public:
  explicit ForwardPass(std::shared_ptr<const Model> model);

  const Model& model() const { return *model_; }

  // Rows of one sequence must continue it: their positions are exactly the
  // next positions after what the cache holds, in increasing order. The cache
  // grows to cover them.
  // `adapters` are the LoRA adapters rows may name (TokenRow::adapter).
  Status Run(std::span<const TokenRow> rows, KvCache& kv, ThreadPool& pool,
             const ForwardOptions& options, ForwardOutput* out,
             std::span<const LoraAdapter* const> adapters = {});

 private:
  Status Validate(std::span<const TokenRow> rows, const KvCache& kv,
                  std::span<const LoraAdapter* const> adapters) const;
  // One linear layer of Linears: y[n, w.rows] = x · wᵀ + bias.
  struct LinearOut {
    const WeightMatrix* w;
    const std::vector<float>* bias;
    LinearSlot slot;
    float* y;
  };
  // The linear layers `outs` of `layer` on one input x [n, w.cols]: each
  // y = x · wᵀ + bias, then each row's adapter delta scale · B (A x) where its
  // adapter targets (layer, slot). Two batched passes over the pool: the base
  // products with every adapter's A products beside them, then the B
  // products.
  void Linears(const float* x, int64_t layer, std::initializer_list<LinearOut> outs);
  void Attention(std::span<const TokenRow> rows, int64_t layer, const KvCache& kv,
                 ThreadPool& pool);

  std::shared_ptr<const Model> model_;
  // Per-Run state read by Linear().
  std::span<const TokenRow> rows_;
  std::span<const LoraAdapter* const> adapters_;
  ThreadPool* pool_ = nullptr;
  // Per adapter: its rows' inputs gathered (when not every row uses it).
  std::vector<std::vector<float>> lora_x_;
  // Per (adapter, slot) product of a Linears call: A x [m, r] and B A x [m, out].
  std::vector<std::vector<float>> lora_t_, lora_u_;
  // Scratch, [rows, width] each.
  std::vector<float> x_, xn_, q_, k_, v_, attn_, gate_, up_;
};

}  // namespace edgereason
