#include "train/supervised_loop.h"

#include <algorithm>
#include <signal.h>
#include <unistd.h>

#include <ATen/CPUGeneratorImpl.h>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <random>
#include <torch/torch.h>

#include "train/checkpoint.h"
#include "train/distributed.h"
#include "train/lora.h"

namespace edgereason::train {
namespace {

// Set by the signal handler; the handler can only reach process-wide state.
std::atomic<bool> g_stop_requested{false};
void RequestStop(int) { g_stop_requested.store(true); }

// The example at position p of the endless stream of epochs, each epoch a
// fresh permutation drawn from (seed, epoch).
class DataOrder {
 public:
  DataOrder(int64_t n, uint64_t seed) : n_(n), seed_(seed) {}
  int64_t At(int64_t position) {
    const int64_t epoch = position / n_;
    if (epoch != epoch_) {
      perm_.resize(n_);
      std::iota(perm_.begin(), perm_.end(), 0);
      std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch));
      std::shuffle(perm_.begin(), perm_.end(), rng);
      epoch_ = epoch;
    }
    return perm_[position % n_];
  }

 private:
  int64_t n_;
  uint64_t seed_;
  int64_t epoch_ = -1;
  std::vector<int64_t> perm_;
};

struct Batch {
  torch::Tensor inputs;   // [B, T-1] int64
  torch::Tensor targets;  // [B, T-1] int64
  torch::Tensor weights;  // [B, T-1] f32: 1 on response targets
  torch::Tensor adapter;  // [B, T-1] f32: 1 where the adapter is on
  int64_t tokens = 0;
};

Batch MakeBatch(const std::vector<const Example*>& examples, bool mask_prompt) {
  int64_t t = 0;
  for (const Example* e : examples) t = std::max<int64_t>(t, e->ids.size());
  const int64_t b = examples.size(), len = t - 1;
  Batch batch;
  batch.inputs = torch::zeros({b, len}, torch::kInt64);
  batch.targets = torch::zeros({b, len}, torch::kInt64);
  batch.weights = torch::zeros({b, len}, torch::kFloat32);
  batch.adapter = torch::zeros({b, len}, torch::kFloat32);
  auto in = batch.inputs.accessor<int64_t, 2>();
  auto tg = batch.targets.accessor<int64_t, 2>();
  auto w = batch.weights.accessor<float, 2>();
  auto ad = batch.adapter.accessor<float, 2>();
  for (int64_t i = 0; i < b; ++i) {
    const auto& ids = examples[i]->ids;
    const int64_t n = ids.size();
    for (int64_t p = 0; p + 1 < n; ++p) {
      in[i][p] = ids[p];
      tg[i][p] = ids[p + 1];
      // Target p+1 is a response token when p+1 >= response_start.
      if (p + 1 >= examples[i]->response_start) {
        w[i][p] = 1;
        ++batch.tokens;
      }
      ad[i][p] = !mask_prompt || p >= examples[i]->response_start ? 1 : 0;
    }
  }
  return batch;
}

// Sum of the token losses of a batch (to be divided by the global count).
torch::Tensor BatchLossSum(const LoopModel& m, const Batch& batch, bool bf16, bool training,
                           uint64_t dropout_seed) {
  AdapterUse use;
  use.lora = m.lora;
  use.training = training;
  if (m.lora) use.mask = batch.adapter;
  if (training) use.generator = at::make_generator<at::CPUGeneratorImpl>(dropout_seed);
  ForwardResult r = Forward(*m.model, batch.inputs, use, bf16 ? torch::kBFloat16 : torch::kFloat32);
  torch::Tensor logp = TokenLogProbs(r.logits, batch.targets);  // [B, T-1]
  return -(logp * batch.weights).sum();
}

double LearningRate(const LoopOptions& o, int64_t step) {
  if (step < o.warmup_steps) return o.lr * static_cast<double>(step + 1) / o.warmup_steps;
  const double span = std::max<int64_t>(1, o.steps - o.warmup_steps);
  const double progress = std::min(1.0, (step - o.warmup_steps) / span);
  const double min_lr = o.lr * o.min_lr_ratio;
  return min_lr + (o.lr - min_lr) * 0.5 * (1 + std::cos(M_PI * progress));
}

void PrintProgress(int64_t step, int64_t steps, double loss, double lr, double tok_s) {
  const int width = 30;
  const int filled = static_cast<int>(width * step / std::max<int64_t>(1, steps));
  std::string bar(filled, '#');
  bar.resize(width, ' ');
  const bool tty = isatty(STDERR_FILENO);
  if (!tty && step != steps && step % std::max<int64_t>(1, steps / 10) != 0) return;
  std::fprintf(stderr, "%s[%s] step %lld/%lld loss %.4f lr %.2e %.0f tok/s%s", tty ? "\r" : "",
               bar.c_str(), static_cast<long long>(step), static_cast<long long>(steps), loss, lr,
               tok_s, tty && step != steps ? "" : "\n");
  std::fflush(stderr);
}

}  // namespace

void InstallStopHandler() {
  struct sigaction sa {};
  sa.sa_handler = RequestStop;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

nlohmann::json LoopResult::ToJson() const {
  return {{"steps", steps_done},           {"stopped_by_signal", stopped_by_signal},
          {"first_train_loss", first_train_loss}, {"last_train_loss", last_train_loss},
          {"initial_eval_loss", initial_eval_loss}, {"final_eval_loss", final_eval_loss},
          {"tokens_per_second", tokens_per_second}, {"precision", bf16 ? "bf16" : "f32"}};
}

double EvalLoss(const LoopModel& m, const std::vector<Example>& examples, int64_t micro_batch,
                bool bf16) {
  torch::NoGradGuard no_grad;
  double sum = 0;
  int64_t tokens = 0;
  for (size_t i = 0; i < examples.size(); i += micro_batch) {
    std::vector<const Example*> group;
    for (size_t j = i; j < std::min(examples.size(), i + micro_batch); ++j) group.push_back(&examples[j]);
    Batch batch = MakeBatch(group, m.mask_prompt);
    sum += BatchLossSum(m, batch, bf16, false, 0).item<double>();
    tokens += batch.tokens;
  }
  return tokens ? sum / tokens : 0.0;
}

Result<LoopResult> RunSupervisedLoop(const LoopModel& m, const std::vector<Example>& train,
                                     const std::vector<Example>& eval, const LoopOptions& o,
                                     Communicator& comm) {
  if (train.empty()) return InvalidArgument("the training set is empty");
  if (o.steps <= 0) return InvalidArgument("--steps must be positive");
  if (o.batch_size <= 0 || o.micro_batch <= 0) return InvalidArgument("--batch and --micro-batch must be positive");
  if (o.batch_size % comm.world_size() != 0) {
    return InvalidArgument("--batch " + std::to_string(o.batch_size) + " must be divisible by the " +
                           std::to_string(comm.world_size()) + " data-parallel ranks");
  }
  if (o.resume && o.checkpoint_dir.empty()) return InvalidArgument("--resume needs --checkpoint-dir");
  LoopResult result;
  result.bf16 = o.bf16;
  Status st = CatchTorch("training", [&]() -> Status {
    torch::optim::AdamW optimizer(
        m.trainable, torch::optim::AdamWOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.adam_eps).weight_decay(o.weight_decay));
    int64_t start_step = 0;
    const nlohmann::json settings = {{"seed", o.seed}, {"batch_size", o.batch_size},
                                     {"steps", o.steps}, {"train_examples", train.size()}};
    if (o.resume && CheckpointExists(o.checkpoint_dir)) {
      ER_ASSIGN_OR_RETURN(nlohmann::json state, LoadCheckpoint(o.checkpoint_dir, m.trainable, optimizer));
      if (state.value("settings", nlohmann::json()) != settings) {
        return InvalidArgument(o.checkpoint_dir + ": the checkpoint was made with other settings (" +
                               state.value("settings", nlohmann::json()).dump() + ") than this run (" +
                               settings.dump() + ")");
      }
      start_step = state.value("step", int64_t{0});
      result.first_train_loss = state.value("first_train_loss", 0.0);
      result.initial_eval_loss = state.value("initial_eval_loss", -1.0);
    }
    if (!eval.empty() && start_step == 0 && comm.is_main()) {
      result.initial_eval_loss = EvalLoss(m, eval, o.micro_batch, o.bf16);
    }
    std::ofstream log;
    if (!o.log_path.empty() && comm.is_main()) log.open(o.log_path, std::ios::app);
    auto save = [&](int64_t step) -> Status {
      if (o.checkpoint_dir.empty() || !comm.is_main()) return Status::Ok();
      nlohmann::json state = {{"step", step}, {"settings", settings},
                              {"first_train_loss", result.first_train_loss},
                              {"initial_eval_loss", result.initial_eval_loss}};
      return SaveCheckpoint(o.checkpoint_dir, m.trainable, optimizer, state, m.write_outputs);
    };
    DataOrder order(static_cast<int64_t>(train.size()), o.seed);
    const int64_t per_rank = o.batch_size / comm.world_size();
    const auto t0 = std::chrono::steady_clock::now();
    int64_t tokens_seen = 0;
    for (int64_t step = start_step; step < o.steps; ++step) {
      const double lr = LearningRate(o, step);
      for (auto& group : optimizer.param_groups()) {
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      }
      optimizer.zero_grad();
      // The global batch of this step, then this rank's share of it.
      // Sorted by length, so that micro-batches hold examples of similar
      // length and padding costs little; ranks take contiguous shares of the
      // sorted batch, so N ranks see the same micro-batches as one process.
      std::vector<int64_t> global_positions(o.batch_size);
      for (int64_t k = 0; k < o.batch_size; ++k) global_positions[k] = step * o.batch_size + k;
      std::stable_sort(global_positions.begin(), global_positions.end(), [&](int64_t a, int64_t b) {
        return train[order.At(a)].ids.size() < train[order.At(b)].ids.size();
      });
      std::vector<int64_t> positions;
      int64_t global_tokens = 0;
      for (int64_t k = 0; k < o.batch_size; ++k) {
        const Example& e = train[order.At(global_positions[k])];
        global_tokens += static_cast<int64_t>(e.ids.size()) - std::max<int64_t>(e.response_start, 1);
        if (k / per_rank == comm.rank()) positions.push_back(global_positions[k]);
      }
      global_tokens = std::max<int64_t>(global_tokens, 1);
      double loss_sum = 0;
      for (size_t i = 0; i < positions.size(); i += o.micro_batch) {
        std::vector<const Example*> group;
        for (size_t j = i; j < std::min(positions.size(), i + o.micro_batch); ++j) {
          group.push_back(&train[order.At(positions[j])]);
        }
        Batch batch = MakeBatch(group, m.mask_prompt);
        const uint64_t dropout_seed = o.seed * 1000003ULL + static_cast<uint64_t>(positions[i]);
        torch::Tensor loss = BatchLossSum(m, batch, o.bf16, true, dropout_seed) / global_tokens;
        loss.backward();
        loss_sum += loss.item<double>();
        tokens_seen += batch.tokens;
      }
      std::vector<torch::Tensor> grads;
      for (const torch::Tensor& p : m.trainable) {
        if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
        grads.push_back(p.grad());
      }
      // One all-reduce carries the gradients, the loss and the stop request,
      // so every rank stops at the same step.
      torch::Tensor extra = torch::tensor({loss_sum, g_stop_requested.load() ? 1.0 : 0.0}, torch::kFloat64).to(torch::kFloat32);
      grads.push_back(extra);
      ER_RETURN_IF_ERROR(comm.AllReduceSum(grads));
      const double step_loss = extra[0].item<double>();
      const bool stop = extra[1].item<double>() > 0;
      if (o.clip_norm > 0) torch::nn::utils::clip_grad_norm_(m.trainable, o.clip_norm);
      optimizer.step();
      if (step == 0) result.first_train_loss = step_loss;
      result.last_train_loss = step_loss;
      result.steps_done = step + 1;
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      result.tokens_per_second = tokens_seen * comm.world_size() / std::max(seconds, 1e-9);
      nlohmann::json row = {{"step", step + 1}, {"loss", step_loss}, {"lr", lr}};
      if (!eval.empty() && o.eval_every > 0 && (step + 1) % o.eval_every == 0 && comm.is_main()) {
        row["eval_loss"] = EvalLoss(m, eval, o.micro_batch, o.bf16);
      }
      if (log.is_open()) log << row.dump() << "\n" << std::flush;
      if (o.progress && comm.is_main()) PrintProgress(step + 1, o.steps, step_loss, lr, result.tokens_per_second);
      if (stop) {
        result.stopped_by_signal = true;
        return save(step + 1);
      }
      if (o.save_every > 0 && (step + 1) % o.save_every == 0 && step + 1 < o.steps) {
        ER_RETURN_IF_ERROR(save(step + 1));
      }
    }
    ER_RETURN_IF_ERROR(save(o.steps));
    if (!eval.empty() && comm.is_main()) result.final_eval_loss = EvalLoss(m, eval, o.micro_batch, o.bf16);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return result;
}

}  // namespace edgereason::train
