#include "train/grpo.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>

#include "reasoning/budget.h"
#include "train/checkpoint.h"
#include "verify/answer_checker.h"

namespace edgereason::train {

struct GrpoTrainer::Rollout {
  std::vector<int32_t> prompt;  // chat prompt + preamble
  int64_t adapter_start = 0;    // where the preamble starts (masked LoRA)
  std::vector<std::vector<int32_t>> generated;  // [G] tokens
  std::vector<double> advantages;               // [G]
};

namespace {

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

nlohmann::ordered_json GrpoStepLog::ToJson() const {
  return {{"step", step},           {"reward", reward},          {"accuracy", accuracy},
          {"mean_length", mean_length}, {"over_budget", over_budget}, {"kl", kl},
          {"clip_fraction", clip_fraction}, {"loss", loss},   {"groups", groups},
          {"groups_kept", groups_kept}, {"rollouts", rollouts},
          {"rollout_seconds", rollout_seconds}, {"update_seconds", update_seconds}};
}

Result<std::unique_ptr<GrpoTrainer>> GrpoTrainer::Create(const GrpoOptions& o) {
  if (o.group < 2) return InvalidArgument("--group must be at least 2 (advantages are relative within a group)");
  if (o.prompts_per_step < 1 || o.inner_steps < 1) return InvalidArgument("--prompts-per-step and --inner-steps must be positive");
  if (o.buckets.empty()) return InvalidArgument("--buckets is empty");
  for (int64_t b : o.buckets) {
    if (b <= 0) return InvalidArgument("--buckets: every bucket must be positive");
  }
  std::unique_ptr<GrpoTrainer> t(new GrpoTrainer());
  t->o_ = o;
  if (o.communicator != nullptr) {
    t->comm_ = o.communicator;
  } else {
    ER_ASSIGN_OR_RETURN(t->own_communicator_, Communicator::FromEnvironment());
    t->comm_ = t->own_communicator_.get();
  }
  t->threads_ = ConfigureCpuThreads(o.threads, o.bf16);
  LoadReport report;
  ER_ASSIGN_OR_RETURN(t->rows_, LoadProblemsJsonl(o.data_path, o.skip_bad_rows, &report));
  for (const std::string& s : report.skipped) std::fprintf(stderr, "skipped %s\n", s.c_str());
  if (t->rows_.empty()) return InvalidArgument(o.data_path + ": no problems");
  for (const ProblemRow& r : t->rows_) {
    if (r.answer.empty() && !o.correctness) {
      return InvalidArgument(o.data_path + ":" + std::to_string(r.line) + ": no \"answer\" to reward against");
    }
  }
  ER_ASSIGN_OR_RETURN(t->codec_, TextCodec::Load(o.model_dir, o.template_path));
  ER_ASSIGN_OR_RETURN(t->model_, TorchModel::Load(o.model_dir));
  t->model_.SetRequiresGrad(false);
  ER_ASSIGN_OR_RETURN(t->runtime_model_, Model::Load(o.model_dir));
  if (!o.adapter_dir.empty()) {
    ER_ASSIGN_OR_RETURN(t->lora_, LoraWeights::Load(o.adapter_dir, t->model_.config()));
    ER_ASSIGN_OR_RETURN(t->runtime_adapter_, LoraAdapter::Load(o.adapter_dir, t->runtime_model_->adapter_shape()));
  } else {
    // A fresh adapter (B = 0: the base model); written once so the runtime can load it.
    ER_ASSIGN_OR_RETURN(t->lora_, LoraWeights::Create(t->model_.config(), o.lora, o.seed));
    if (t->comm_->is_main()) ER_RETURN_IF_ERROR(t->lora_.Save(o.out_dir));  // the same on every rank
    ER_RETURN_IF_ERROR(t->comm_->Barrier());
    ER_ASSIGN_OR_RETURN(t->runtime_adapter_, LoraAdapter::Load(o.out_dir, t->runtime_model_->adapter_shape()));
  }
  t->lora_.set_dropout(0.0);  // ρ must compare the same function of the weights
  t->ref_ = t->lora_.Clone();
  t->lora_.SetRequiresGrad(true);
  ER_RETURN_IF_ERROR(CatchTorch("grpo optimizer", [&] {
    t->optimizer_ = std::make_unique<torch::optim::AdamW>(
        t->lora_.Parameters(), torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
    return Status::Ok();
  }));
  EngineOptions eo;
  eo.threads = std::max(1, o.runtime_threads);
  ER_ASSIGN_OR_RETURN(t->engine_, Engine::Create(t->runtime_model_, eo));
  t->engine_->FitKvCapacity(o.group, o.max_new_tokens);  // one prompt and its G rollouts
  ER_ASSIGN_OR_RETURN(t->adapter_id_, t->engine_->AddAdapter(t->runtime_adapter_));
  const Tokenizer& tok = *t->codec_.tokenizer;
  t->stop_tokens_ = t->runtime_model_->generation_config().eos_token_ids;
  if (auto eos = tok.TokenToId(tok.config().eos_token); eos && !tok.config().eos_token.empty()) {
    t->stop_tokens_.push_back(*eos);
  }
  t->rng_.seed(o.seed);
  return t;
}

Result<GrpoStepLog> GrpoTrainer::Step() {
  GrpoStepLog log;
  log.step = ++step_;
  const auto start = std::chrono::steady_clock::now();
  const Tokenizer& tok = *codec_.tokenizer;
  std::vector<Rollout> kept;
  double correct = 0, over = 0, length = 0;
  for (int p = 0; p < o_.prompts_per_step; ++p) {
    // Problems in a seeded shuffled order, reshuffled each pass.
    if (next_ == order_.size()) {
      order_.resize(rows_.size());
      for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
      std::shuffle(order_.begin(), order_.end(), rng_);
      next_ = 0;
    }
    const ProblemRow& row = rows_[order_[next_++]];
    BudgetConfig budget;
    budget.buckets = o_.buckets;
    budget.preamble_template = o_.preamble_template;
    budget.cap = o_.buckets[rng_() % o_.buckets.size()];
    const int64_t bucket = BudgetBucket(budget, budget.cap);
    // Every rank draws every prompt (the sampler stays in step) and keeps its share.
    if (p % comm_->world_size() != comm_->rank()) continue;

    std::vector<ChatMessage> messages;
    if (!o_.system_prompt.empty()) messages.push_back({"system", o_.system_prompt});
    messages.push_back({"user", row.problem});
    ER_ASSIGN_OR_RETURN(std::string text, codec_.PromptText(messages));
    Rollout r;
    ER_ASSIGN_OR_RETURN(r.prompt, codec_.Encode(text));
    r.adapter_start = static_cast<int64_t>(r.prompt.size());
    ER_ASSIGN_OR_RETURN(std::vector<int32_t> pre, tok.Encode(RenderPreamble(budget), true));
    r.prompt.insert(r.prompt.end(), pre.begin(), pre.end());

    GenerateOptions g;
    g.max_new_tokens = o_.max_new_tokens;
    g.adapter = adapter_id_;
    g.activation_start = r.adapter_start;
    g.sampling = SamplingParams{.greedy = false, .temperature = o_.temperature,
                                .seed = o_.seed * 7919u + static_cast<uint64_t>(step_) * 104729u + p * 131u};
    g.stop_token_ids = stop_tokens_;
    ER_ASSIGN_OR_RETURN(std::vector<GenerateResult> outs, GenerateParallel(*engine_, r.prompt, g, o_.group));
    std::vector<double> rewards;
    for (GenerateResult& out : outs) {
      const std::string gen = DecodeKnown(tok, out.tokens);
      const bool ok = o_.correctness ? o_.correctness(row, gen)
                                     : CheckAnswer(row.answer, ReasoningAnswer(gen, budget)).match;
      const int64_t len = static_cast<int64_t>(out.tokens.size());
      rewards.push_back(BudgetReward(ok, len, bucket, o_.barrier));
      correct += ok;
      over += len > bucket;
      length += static_cast<double>(len);
      r.generated.push_back(std::move(out.tokens));
    }
    log.reward += std::accumulate(rewards.begin(), rewards.end(), 0.0);
    r.advantages = GroupAdvantages(rewards, 1e-4, o_.reward_scaling);
    if (!r.advantages.empty()) kept.push_back(std::move(r));
  }
  // Step totals over every rank.
  int64_t sequences = 0;
  for (const Rollout& r : kept) sequences += static_cast<int64_t>(r.generated.size());
  double totals[] = {log.reward, correct, over, length, static_cast<double>(kept.size()),
                     static_cast<double>(sequences)};
  ER_RETURN_IF_ERROR(comm_->SumAcrossRanks(totals));
  log.groups = o_.prompts_per_step;
  log.rollouts = static_cast<int64_t>(o_.prompts_per_step) * o_.group;
  const double n = static_cast<double>(log.rollouts);
  log.reward = totals[0] / n;
  log.accuracy = totals[1] / n;
  log.over_budget = totals[2] / n;
  log.mean_length = totals[3] / n;
  log.groups_kept = static_cast<int64_t>(totals[4]);
  sequences = static_cast<int64_t>(totals[5]);
  log.rollout_seconds = SecondsSince(start);
  const auto update_start = std::chrono::steady_clock::now();
  if (sequences > 0) {  // every rank updates, with or without groups of its own
    ER_RETURN_IF_ERROR(CatchTorch("grpo update", [&] { return Update(kept, sequences, log); }));
    ER_RETURN_IF_ERROR(RefreshRuntimeAdapter());
  }
  log.update_seconds = SecondsSince(update_start);
  return log;
}

// The runtime decodes the next rollouts with the current weights.
Status GrpoTrainer::RefreshRuntimeAdapter() {
  ER_ASSIGN_OR_RETURN(auto fresh, runtime_adapter_->WithWeights(lora_.ValuesForRuntime()));
  ER_RETURN_IF_ERROR(engine_->ReplaceAdapter(adapter_id_, fresh));
  runtime_adapter_ = std::move(fresh);
  return Status::Ok();
}

namespace {
const char* ScalingName(RewardScaling s) { return s == RewardScaling::kGroup ? "group" : "none"; }
}  // namespace

Status GrpoTrainer::Save(const std::string& dir) {
  std::ostringstream rng;
  rng << rng_;
  const nlohmann::json state = {{"step", step_},   {"next", next_},         {"order", order_},
                                {"rng", rng.str()}, {"seed", o_.seed},      {"group", o_.group},
                                {"prompts_per_step", o_.prompts_per_step}, {"data", o_.data_path},
                                {"scale_rewards", ScalingName(o_.reward_scaling)}};
  return CatchTorch("grpo checkpoint", [&] {
    return SaveCheckpoint(dir, lora_.Parameters(), *optimizer_, state,
                          [&](const std::string& tmp) { return lora_.Save(tmp + "/adapter"); });
  });
}

Status GrpoTrainer::Resume(const std::string& dir) {
  nlohmann::json state;
  ER_RETURN_IF_ERROR(CatchTorch("grpo resume", [&]() -> Status {
    torch::NoGradGuard no_grad;
    ER_ASSIGN_OR_RETURN(state, LoadCheckpoint(dir, lora_.Parameters(), *optimizer_));
    return Status::Ok();
  }));
  // Checkpoints from before --scale-rewards existed scaled by the group's std.
  if (!state.contains("scale_rewards")) state["scale_rewards"] = "group";
  const std::pair<const char*, nlohmann::json> settings[] = {
      {"seed", o_.seed}, {"group", o_.group}, {"prompts_per_step", o_.prompts_per_step},
      {"scale_rewards", ScalingName(o_.reward_scaling)}};
  for (const auto& [key, now] : settings) {
    if (state.value(key, nlohmann::json()) != now) {
      return InvalidArgument(dir + "/state.json: '" + key + "' is " + state.value(key, nlohmann::json()).dump() +
                             " but this run has " + now.dump() + "; resume with the same settings");
    }
  }
  std::string rng_state;
  try {  // a hand-edited or foreign state.json is an error, not a crash
    step_ = state.at("step").get<int64_t>();
    next_ = state.at("next").get<size_t>();
    order_ = state.at("order").get<std::vector<size_t>>();
    rng_state = state.at("rng").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(dir + "/state.json: " + e.what());
  }
  if (next_ > order_.size()) return InvalidArgument(dir + "/state.json: 'next' is past the problem order");
  for (size_t i : order_) {
    if (i >= rows_.size()) return InvalidArgument(dir + "/state.json: the problem order does not fit " + o_.data_path);
  }
  std::istringstream rng(rng_state);
  rng >> rng_;
  if (!rng) return InvalidArgument(dir + "/state.json: 'rng' is not a sampler state");
  return RefreshRuntimeAdapter();
}

Status GrpoTrainer::Update(std::vector<Rollout>& groups, int64_t sequences, GrpoStepLog& log) {
  // Per group: ids [G, T] right-padded, the adapter mask [G, T] (on from the
  // preamble), generated-token targets at positions P..T-1.
  struct Batch {
    torch::Tensor ids, adapter_mask, token_mask, advantages, old_logp, ref_logp;
    int64_t prompt = 0;
  };
  std::vector<Batch> batches;
  for (const Rollout& r : groups) {
    Batch b;
    b.prompt = static_cast<int64_t>(r.prompt.size());
    int64_t longest = 1;
    for (const auto& g : r.generated) longest = std::max<int64_t>(longest, g.size());
    const int64_t G = static_cast<int64_t>(r.generated.size()), T = b.prompt + longest;
    b.ids = torch::zeros({G, T}, torch::kLong);
    b.token_mask = torch::zeros({G, longest}, torch::kFloat32);   // [G, Lmax]
    for (int64_t i = 0; i < G; ++i) {
      for (int64_t t = 0; t < b.prompt; ++t) b.ids[i][t] = r.prompt[t];
      for (size_t j = 0; j < r.generated[i].size(); ++j) {
        b.ids[i][b.prompt + j] = r.generated[i][j];
        b.token_mask[i][j] = 1.0f;
      }
    }
    b.adapter_mask = (torch::arange(T).unsqueeze(0) >= r.adapter_start).to(torch::kFloat32).expand({G, T});
    b.advantages = torch::tensor(r.advantages, torch::kFloat64).to(torch::kFloat32).unsqueeze(1);  // [G, 1]
    batches.push_back(std::move(b));
  }
  // Log-probabilities [G, Lmax] of the generated tokens under `lora`.
  auto logp = [&](const Batch& b, const LoraWeights& lora) {
    AdapterUse use{&lora, b.adapter_mask, false, c10::nullopt};
    const ForwardResult f = Forward(model_, b.ids, use, o_.bf16 ? torch::kBFloat16 : torch::kFloat32);
    const int64_t T = b.ids.size(1);
    return TokenLogProbs(f.logits.slice(1, b.prompt - 1, T - 1), b.ids.slice(1, b.prompt, T));
  };
  {
    torch::NoGradGuard no_grad;
    for (Batch& b : batches) {
      b.old_logp = logp(b, lora_);
      b.ref_logp = logp(b, ref_);
    }
  }
  const std::vector<torch::Tensor> params = lora_.Parameters();
  for (int k = 0; k < o_.inner_steps; ++k) {
    optimizer_->zero_grad();
    double loss_sum = 0, kl_sum = 0, clipped = 0, tokens = 0;
    for (Batch& b : batches) {
      const torch::Tensor lp = logp(b, lora_);                             // [G, Lmax]
      const torch::Tensor ratio = torch::exp(lp - b.old_logp);             // ρ
      const torch::Tensor surrogate = torch::min(ratio * b.advantages,
          torch::clamp(ratio, 1 - o_.clip_eps, 1 + o_.clip_eps) * b.advantages);
      const torch::Tensor d = b.ref_logp - lp;
      const torch::Tensor kl = torch::exp(d) - d - 1;                      // k3, ≥ 0
      const torch::Tensor per_token = (-surrogate + o_.beta * kl) * b.token_mask;
      const torch::Tensor lengths = b.token_mask.sum(1).clamp_min(1);      // [G]
      const torch::Tensor loss = (per_token.sum(1) / lengths).sum() / static_cast<double>(sequences);
      loss.backward();
      torch::NoGradGuard no_grad;
      loss_sum += loss.item<double>();
      kl_sum += (kl * b.token_mask).sum().item<double>();
      clipped += (((ratio - 1).abs() > o_.clip_eps).to(torch::kFloat32) * b.token_mask).sum().item<double>();
      tokens += b.token_mask.sum().item<double>();
    }
    // The loss is normalised by every rank's rollouts, so summing the ranks'
    // gradients gives the single-process gradient of the whole step.
    std::vector<torch::Tensor> grads;
    for (const torch::Tensor& p : params) {
      torch::Tensor g = p.mutable_grad();
      if (!g.defined()) p.mutable_grad() = g = torch::zeros_like(p);  // a rank with no kept group
      grads.push_back(g);
    }
    ER_RETURN_IF_ERROR(comm_->AllReduceSum(grads));
    double stats[] = {loss_sum, kl_sum, clipped, tokens};
    ER_RETURN_IF_ERROR(comm_->SumAcrossRanks(stats));
    loss_sum = stats[0], kl_sum = stats[1], clipped = stats[2], tokens = stats[3];
    if (o_.clip_norm > 0) torch::nn::utils::clip_grad_norm_(params, o_.clip_norm);
    optimizer_->step();
    log.loss = loss_sum;
    log.kl = tokens > 0 ? kl_sum / tokens : 0;
    log.clip_fraction = tokens > 0 ? clipped / tokens : 0;
  }
  return Status::Ok();
}

Status RunGrpo(const GrpoOptions& o) {
  ER_ASSIGN_OR_RETURN(std::unique_ptr<GrpoTrainer> t, GrpoTrainer::Create(o));
  // Only the first rank writes logs, checkpoints and the adapter.
  const bool main = t->communicator().is_main();
  std::ofstream log_file;
  if (main && !o.log_path.empty()) {
    log_file.open(o.log_path, std::ios::app);
    if (!log_file) return InvalidArgument("--log " + o.log_path + ": cannot open");
  }
  const bool checkpoints = !o.checkpoint_dir.empty();
  if (o.resume && !checkpoints) return InvalidArgument("--resume needs --checkpoint-dir");
  if (o.resume && CheckpointExists(o.checkpoint_dir)) ER_RETURN_IF_ERROR(t->Resume(o.checkpoint_dir));
  nlohmann::ordered_json first, last;
  for (int64_t s = t->steps_done(); s < o.steps; ++s) {
    ER_ASSIGN_OR_RETURN(GrpoStepLog step, t->Step());
    const nlohmann::ordered_json j = step.ToJson();
    if (log_file) log_file << j.dump() << "\n" << std::flush;
    if (first.empty()) first = j;
    last = j;
    if (main && checkpoints && ((o.save_every > 0 && step.step % o.save_every == 0) || step.step == o.steps)) {
      ER_RETURN_IF_ERROR(t->Save(o.checkpoint_dir));
    }
    if (main && o.progress) {
      std::fprintf(stderr, "\rstep %lld/%lld reward %.3f acc %.3f len %.0f over %.2f kl %.2e",
                   (long long)step.step, (long long)o.steps, step.reward, step.accuracy,
                   step.mean_length, step.over_budget, step.kl);
    }
  }
  if (!main) return Status::Ok();
  if (o.progress) std::fprintf(stderr, "\n");
  ER_RETURN_IF_ERROR(t->lora().Save(o.out_dir));
  if (o.json) {
    nlohmann::ordered_json report = {{"steps", o.steps}, {"first_step", first}, {"last_step", last},
                                     {"adapter", o.out_dir}, {"precision", o.bf16 ? "bf16" : "f32"},
                                     {"threads", ToJson(t->threads())},
                                     {"processes", t->communicator().world_size()}};
    std::printf("%s\n", report.dump(2).c_str());
  } else {
    std::printf("grpo: %lld steps, wrote %s\n", (long long)o.steps, o.out_dir.c_str());
  }
  return Status::Ok();
}

}  // namespace edgereason::train
