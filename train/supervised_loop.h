// The supervised training loop shared by `sft` (LoRA parameters) and
// `pretrain` (every parameter): next-token cross-entropy on the response
// tokens of each example, AdamW with linear warmup and cosine decay, gradient
// clipping and accumulation, bf16 or f32 matrix products, periodic
// evaluation, checkpoints every K steps and on SIGTERM, bit-exact resume, and
// data parallelism (each rank takes its share of every global batch).
//
// Determinism: the examples of step s are a pure function of (seed, s) (one
// shuffled permutation per epoch), and dropout masks come from a generator
// seeded by (seed, step, example position), so a resumed run replays exactly
// what an uninterrupted one does.
#pragma once
#include <torch/types.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "train/data.h"
#include "train/model.h"

namespace edgereason::train {

struct LoopOptions {
  int64_t steps = 100;
  int64_t batch_size = 8;        // examples per optimizer step, over all ranks
  int64_t micro_batch = 8;       // examples per forward pass (accumulation below batch_size)
  double lr = 2e-4;
  double min_lr_ratio = 0.1;     // cosine decays to lr × this
  int64_t warmup_steps = 0;
  double weight_decay = 0.0;
  double beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;
  double clip_norm = 1.0;        // 0: no clipping
  bool bf16 = false;
  uint64_t seed = 0;
  int64_t eval_every = 0;        // 0: evaluate only at the end
  int64_t save_every = 0;        // 0: checkpoint only at the end and on SIGTERM
  std::string checkpoint_dir;    // empty: no checkpoints
  bool resume = false;
  std::string log_path;          // JSONL per step; empty: none
  bool progress = true;
};

// What a run did, for --json reports.
struct LoopResult {
  int64_t steps_done = 0;
  bool stopped_by_signal = false;
  double first_train_loss = 0, last_train_loss = 0;
  double initial_eval_loss = -1, final_eval_loss = -1;  // -1: no eval set
  double tokens_per_second = 0;
  bool bf16 = false;  // the precision the run used (--bf16 falls back to f32 where the CPU lacks bf16)
  nlohmann::json ToJson() const;
};

struct LoopModel {
  const TorchModel* model = nullptr;
  const LoraWeights* lora = nullptr;  // null: base only (pretraining)
  bool mask_prompt = true;            // masked LoRA: adapter off before response_start
  std::vector<torch::Tensor> trainable;
  // Files the checkpoint should also hold (e.g. the adapter in PEFT form).
  std::function<Status(const std::string& dir)> write_outputs;
};

class Communicator;

Result<LoopResult> RunSupervisedLoop(const LoopModel& model, const std::vector<Example>& train,
                                     const std::vector<Example>& eval, const LoopOptions& options,
                                     Communicator& comm);

// Mean next-token loss per response token (no gradients).
double EvalLoss(const LoopModel& model, const std::vector<Example>& examples, int64_t micro_batch,
                bool bf16);

// Installs a SIGTERM/SIGINT handler that asks the running loop to checkpoint
// and stop at the end of the current step.
void InstallStopHandler();

}  // namespace edgereason::train
