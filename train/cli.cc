#include "train/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <sstream>

#include "train/bpe_command.h"
#include "train/cpu_bf16.h"
#include "train/world.h"
#include "train/distributed.h"
#include "train/grpo.h"
#include "train/heads_command.h"
#include "train/logits_command.h"
#include "train/sft.h"

namespace edgereason::train {
namespace {

Result<std::vector<int32_t>> ParseIds(const std::string& text) {
  std::vector<int32_t> ids;
  std::istringstream in(text);
  std::string word;
  while (in >> word) {
    char* end = nullptr;
    const long long v = std::strtoll(word.c_str(), &end, 10);
    if (end == word.c_str() || *end != '\0' || v < 0 || v > INT32_MAX) {
      return InvalidArgument("--ids: '" + word + "' is not a token id");
    }
    ids.push_back(static_cast<int32_t>(v));
  }
  return ids;
}

int Report(const Status& st) {
  if (st.ok()) return 0;
  std::fprintf(stderr, "edgereason-train: %s\n", st.message().c_str());
  return 1;
}

}  // namespace

void AddLoopOptions(CLI::App* cmd, LoopOptions& o, DatasetOptions& d, int& threads, bool& json,
                    int& nproc) {
  cmd->add_option("--steps", o.steps, "optimizer steps")->capture_default_str();
  cmd->add_option("--batch", o.batch_size, "examples per optimizer step (all ranks together)")->capture_default_str();
  cmd->add_option("--micro-batch", o.micro_batch, "examples per forward pass; smaller accumulates gradients")->capture_default_str();
  cmd->add_option("--lr", o.lr, "peak learning rate")->capture_default_str();
  cmd->add_option("--min-lr-ratio", o.min_lr_ratio, "cosine decay floor as a fraction of --lr")->capture_default_str();
  cmd->add_option("--warmup", o.warmup_steps, "linear warmup steps")->capture_default_str();
  cmd->add_option("--weight-decay", o.weight_decay, "AdamW weight decay")->capture_default_str();
  cmd->add_option("--clip", o.clip_norm, "gradient norm clipping (0: off)")->capture_default_str();
  cmd->add_flag("--bf16", o.bf16,
                "matrix products in bf16 where the CPU has it natively (AVX512_BF16, AMX-BF16, Arm BF16: "
                "4-5x faster than f32); f32 elsewhere, where emulated bf16 is slower");
  cmd->add_option("--seed", o.seed, "seed for initialisation, data order and dropout")->capture_default_str();
  cmd->add_option("--eval-every", o.eval_every, "evaluate every K steps (0: at the end only)");
  cmd->add_option("--save-every", o.save_every, "checkpoint every K steps (and always on SIGTERM)");
  cmd->add_option("--checkpoint-dir", o.checkpoint_dir, "where checkpoints go");
  cmd->add_flag("--resume", o.resume, "continue from --checkpoint-dir when it holds a checkpoint");
  cmd->add_option("--log", o.log_path, "append one JSON line per step to this file");
  cmd->add_option("--max-tokens", d.max_tokens, "cut examples to this many tokens")->capture_default_str();
  cmd->add_flag("--skip-bad-rows", d.skip_bad_rows, "skip malformed JSONL rows (reported with line numbers) instead of failing");
  cmd->add_option("--system", d.system_prompt, "system prompt for rows without one");
  cmd->add_option("--threads", threads,
                  "cores per process (default: all): libtorch's threads in bf16; in f32 OpenBLAS's, "
                  "with one libtorch thread, which otherwise spins against them");
  cmd->add_option("--nproc", nproc, "data-parallel processes on this machine (Gloo all-reduce)");
  cmd->add_flag("--json", json, "print the run's figures as JSON");
  cmd->add_flag("!--no-progress", o.progress, "no progress bar");
}

int RunCli(int argc, char** argv) {
  CLI::App app{
      "edgereason-train: trains what the edgereason runtime runs — small base models "
      "(pretrain), byte-level BPE tokenizers (bpe), masked-LoRA reasoning adapters (sft), "
      "budget-forcing RL on an adapter (grpo), the switcher and verifier heads, and the "
      "synthetic reasoning world the demo bundle learns from (world). "
      "Reads and writes Hugging Face / PEFT files."};
  app.require_subcommand(1);

  LogitsOptions logits;
  std::string logits_ids;
  CLI::App* logits_cmd = app.add_subcommand(
      "logits", "Forward pass of the trainer's model on given ids; writes F32 'logits' [L,V] "
                "and 'final_hidden' [H] to a safetensors file (compare with `edgereason logits`)");
  logits_cmd->add_option("--model", logits.model_dir, "Hugging Face model directory")->required();
  logits_cmd->add_option("--lora", logits.lora_dir, "PEFT adapter directory");
  logits_cmd->add_option("--lora-start", logits.lora_start,
                         "adapter on from this position (masked LoRA); default: every position");
  logits_cmd->add_option("--ids", logits_ids, "token ids separated by spaces")->required();
  logits_cmd->add_option("--out", logits.out_path, "output .safetensors file")->required();
  logits_cmd->add_option("--base-format", logits.base_format,
                         "fake-quantize the base as the runtime would: q8_0, q4_0 or q4_pc");
  logits_cmd->add_flag("--bf16", logits.bf16, "matrix products in bf16 (training precision)");

  SftOptions sft;
  int nproc = 1;
  CLI::App* sft_cmd = app.add_subcommand(
      "sft", "Masked-LoRA supervised fine-tuning: JSONL of {\"messages\": [...]} or "
             "{\"prompt\", \"response\"} rendered with the model's chat template; loss on "
             "response tokens only; writes a PEFT adapter");
  sft_cmd->add_option("--model", sft.model_dir, "base model directory (Hugging Face)")->required();
  sft_cmd->add_option("--data", sft.data_path, "training JSONL")->required();
  sft_cmd->add_option("--eval", sft.eval_path, "evaluation JSONL");
  sft_cmd->add_option("--out", sft.out_dir, "output adapter directory")->required();
  sft_cmd->add_option("--init-adapter", sft.init_adapter, "continue training this PEFT adapter");
  sft_cmd->add_option("--template", sft.template_path, "chat template file overriding the model's");
  sft_cmd->add_option("--base-format", sft.base_format, "QAMR: train on a fake-quantized base (q4_0, q4_pc, q8_0)");
  sft_cmd->add_flag("!--no-mask", sft.mask_prompt, "adapter on prompt tokens too (plain LoRA)");
  sft_cmd->add_option("--rank", sft.lora.rank, "LoRA rank")->capture_default_str();
  sft_cmd->add_option("--alpha", sft.lora.alpha, "LoRA alpha")->capture_default_str();
  sft_cmd->add_flag("--rslora", sft.lora.rslora, "scale alpha/sqrt(rank)");
  sft_cmd->add_option("--dropout", sft.lora.dropout, "LoRA dropout")->capture_default_str();
  sft_cmd->add_option("--targets", sft.lora.targets, "target modules")->delimiter(',')->capture_default_str();
  AddLoopOptions(sft_cmd, sft.loop, sft.data, sft.threads, sft.json, nproc);

  PretrainOptions pre;
  CLI::App* pre_cmd = app.add_subcommand(
      "pretrain", "Full-parameter training of a small Qwen2-architecture model from random "
                  "weights; writes a Hugging Face directory the runtime loads");
  pre_cmd->add_option("--tokenizer", pre.tokenizer_dir, "directory with tokenizer.json (e.g. from `bpe`)");
  pre_cmd->add_option("--init-model", pre.init_model, "continue from this model instead");
  pre_cmd->add_option("--data", pre.data_path, "training JSONL ({\"text\"}, messages or prompt/response rows)")->required();
  pre_cmd->add_option("--eval", pre.eval_path, "evaluation JSONL");
  pre_cmd->add_option("--out", pre.out_dir, "output model directory")->required();
  pre_cmd->add_option("--template", pre.template_path, "chat template file");
  pre_cmd->add_option("--hidden", pre.hidden, "hidden size")->capture_default_str();
  pre_cmd->add_option("--layers", pre.layers, "decoder layers")->capture_default_str();
  pre_cmd->add_option("--heads", pre.heads, "attention heads")->capture_default_str();
  pre_cmd->add_option("--kv-heads", pre.kv_heads, "key/value heads")->capture_default_str();
  pre_cmd->add_option("--intermediate", pre.intermediate, "MLP width")->capture_default_str();
  pre_cmd->add_option("--max-positions", pre.max_positions, "context length")->capture_default_str();
  AddLoopOptions(pre_cmd, pre.loop, pre.data, pre.threads, pre.json, nproc);
  pre.data.append_eos = true;

  WorldOptions world;
  CLI::App* world_cmd = app.add_subcommand(
      "world", "Writes the synthetic reasoning world as JSONL: chat tasks (difficulty 0: copy, "
               "reverse, weekday, echo) and integer arithmetic with 1..6 operations (+ - ×, "
               "values in 1..99). --format problems: {problem, answer, difficulty, task} rows for "
               "eval/grpo/switcher/verifier; direct: {prompt, response} direct answers for the base; "
               "traces: {prompt, response} verbose step-by-step reasoning for SFT; text: the same reasoning "
               "as raw {text} rows for a base's pretraining corpus. Train and test "
               "splits never share a problem, whatever the seeds");
  world_cmd->add_option("--seed", world.seed, "seed")->capture_default_str();
  world_cmd->add_option("--count", world.count, "rows per difficulty")->capture_default_str();
  world_cmd->add_option("--difficulties", world.difficulties, "difficulties to write (0 = chat)")
      ->delimiter(',')->capture_default_str();
  world_cmd->add_option("--weights", world.weights, "share of --count per difficulty (default 1 each)")
      ->delimiter(',');
  world_cmd->add_option("--split", world.split, "train or test")->capture_default_str();
  world_cmd->add_option("--format", world.format, "problems, direct, traces or text")->capture_default_str();
  world_cmd->add_option("--preamble", world.preamble, "reasoning preamble of traces ({budget} = a bucket)")
      ->capture_default_str();
  world_cmd->add_option("--buckets", world.buckets, "budgets stated in the traces' preambles")
      ->delimiter(',')->capture_default_str();
  world_cmd->add_flag("--column-work", world.column_work,
                      "traces/text: work each step with a multi-digit operand column by column before its result");
  world_cmd->add_option("--redundancy", world.redundancy,
                        "traces/text: how often each redundant line (restate, verify, recompute, rewrite, double-check) "
                        "appears, 0..4; above 1 lines repeat, reworded")
      ->capture_default_str();
  world_cmd->add_flag("--redundancy-capped", world.redundancy_capped,
                      "traces/text: write each redundant line at most once, with --redundancy scaling its "
                      "probability (capped at 1) instead of repeating it");
  world_cmd->add_option("--out", world.out, "output JSONL file")->required();

  BpeOptions bpe;
  CLI::App* bpe_cmd = app.add_subcommand(
      "bpe", "Trains a byte-level BPE tokenizer (Qwen2 pre-tokenizer regex, NFC, special "
             "tokens) on text files or JSONL fields; writes tokenizer.json and "
             "tokenizer_config.json (ChatML chat template) that the runtime loads. No libtorch "
             "work: runs in seconds on a few MB");
  bpe_cmd->add_option("inputs", bpe.inputs, "text files, or .jsonl files read through --field")->required();
  bpe_cmd->add_option("--field", bpe.fields, "JSONL fields holding text (a messages array contributes its contents)")
      ->delimiter(',')->capture_default_str();
  bpe_cmd->add_option("--vocab-size", bpe.vocab_size, "256 bytes + merges + special tokens")->capture_default_str();
  bpe_cmd->add_option("--min-frequency", bpe.min_frequency, "never merge a pair seen fewer times")->capture_default_str();
  bpe_cmd->add_option("--special", bpe.special_tokens, "special tokens, ids after the merges, in this order")
      ->delimiter(',')->capture_default_str();
  bpe_cmd->add_option("--eos", bpe.eos_token, "end-of-turn token for tokenizer_config.json")->capture_default_str();
  bpe_cmd->add_option("--pad", bpe.pad_token, "padding token for tokenizer_config.json")->capture_default_str();
  bpe_cmd->add_option("--max-length", bpe.model_max_length, "model_max_length in tokenizer_config.json")->capture_default_str();
  bpe_cmd->add_option("--out", bpe.out_dir, "output directory")->required();
  bpe_cmd->add_flag("--json", bpe.json, "print the figures (merges, bytes per token) as JSON");

  auto add_head_options = [](CLI::App* cmd, HeadCommonOptions& c) {
    cmd->add_option("--model", c.runtime.model_dir, "base model directory (Hugging Face)")->required();
    cmd->add_option("--data", c.data_path,
                    "problem JSONL: {\"problem\"|\"question\"|\"prompt\", \"answer\", \"label\", \"difficulty\"}")
        ->required();
    cmd->add_option("--out", c.out_stem, "output stem: writes STEM.json and STEM.safetensors")->required();
    cmd->add_option("--template", c.runtime.template_path, "chat template file overriding the model's");
    cmd->add_option("--system", c.runtime.system_prompt, "system prompt, as given to the runtime's Reasoner");
    cmd->add_option("--eval-fraction", c.eval_fraction, "held-out share for AUC / sweep / calibration")->capture_default_str();
    cmd->add_option("--epochs", c.fit.epochs, "passes over the training rows")->capture_default_str();
    cmd->add_option("--batch", c.fit.batch, "rows per Adam step")->capture_default_str();
    cmd->add_option("--lr", c.fit.lr, "Adam learning rate")->capture_default_str();
    cmd->add_option("--weight-decay", c.fit.weight_decay, "Adam L2 weight decay")->capture_default_str();
    cmd->add_option("--seed", c.fit.seed, "seed for the split, initialisation, noise and dropout")->capture_default_str();
    cmd->add_option("--threads", c.runtime.threads, "runtime threads for the features")->capture_default_str();
    cmd->add_flag("--skip-bad-rows", c.skip_bad_rows, "skip malformed JSONL rows instead of failing");
    cmd->add_flag("!--no-progress", c.runtime.progress, "no progress on stderr");
    cmd->add_flag("--json", c.json, "print the figures as JSON");
  };

  SwitcherOptions sw;
  std::string pooling = "chunk_ema";
  CLI::App* sw_cmd = app.add_subcommand(
      "switcher", "Trains the chat/reasoning switcher head on the runtime's pooled base-prefill "
                  "hidden states (chat-rendered prompt, HiddenPooler as the Reasoner pools): MLP "
                  "with 8 hidden units, ReLU, dropout 0.2, Gaussian input noise 0.5, BCE, Adam. "
                  "Label 1 = reasoning: a row's \"label\", else difficulty > --difficulty-threshold. "
                  "Reports AUC and a threshold sweep on held-out rows");
  add_head_options(sw_cmd, sw.common);
  sw_cmd->add_option("--difficulty-threshold", sw.difficulty_threshold, "label rows without \"label\" as difficulty > this");
  sw_cmd->add_option("--threshold", sw.threshold, "routing threshold written into the head")->capture_default_str();
  sw_cmd->add_option("--pooling", pooling, "chunk_ema or mean")->capture_default_str();
  sw_cmd->add_option("--chunk-size", sw.pooling.chunk_size, "rows per pooling chunk")->capture_default_str();
  sw_cmd->add_option("--ema-alpha", sw.pooling.alpha, "weight of the newest chunk")->capture_default_str();
  sw_cmd->add_option("--hidden-units", sw.common.fit.hidden_units, "MLP width")->capture_default_str();
  sw_cmd->add_option("--dropout", sw.common.fit.dropout, "dropout on the hidden units")->capture_default_str();
  sw_cmd->add_option("--input-noise", sw.common.fit.input_noise, "Gaussian σ on standardised features")->capture_default_str();

  VerifierOptions vf;
  vf.common.fit.epochs = 100;
  CLI::App* vf_cmd = app.add_subcommand(
      "verifier", "Trains the verifier head: --samples runtime rollouts per problem with the "
                  "adapter (budget preamble as in reasoning mode), the verification prompt "
                  "appended as the runtime appends it, the final hidden state and the rollout's "
                  "confidence features (statistics of its sampled tokens' log-probabilities) as "
                  "the input and the answer checker's verdict as the label; linear + sigmoid, "
                  "BCE, Adam. "
                  "Reports AUC and calibration (ECE, reliability bins) on held-out problems");
  add_head_options(vf_cmd, vf.common);
  vf_cmd->add_option("--adapter", vf.sampling.adapter_dir, "PEFT adapter generating the rollouts");
  vf_cmd->add_option("--samples", vf.sampling.samples, "rollouts per problem")->capture_default_str();
  vf_cmd->add_option("--max-new-tokens", vf.sampling.max_new_tokens, "tokens per rollout")->capture_default_str();
  vf_cmd->add_option("--temperature", vf.sampling.temperature, "sampling temperature")->capture_default_str();
  vf_cmd->add_option("--sample-seed", vf.sampling.seed, "rollout seed")->capture_default_str();
  vf_cmd->add_option("--preamble", vf.sampling.budget.preamble_template, "reasoning preamble ({budget} = bucket)")->capture_default_str();
  vf_cmd->add_option("--verification-prompt", vf.sampling.verification_prompt, "text appended before scoring")->capture_default_str();
  vf_cmd->add_flag("!--no-confidence", vf.sampling.confidence,
                   "read the final hidden state only, not the confidence features");

  GrpoOptions grpo;
  CLI::App* grpo_cmd = app.add_subcommand(
      "grpo", "GRPO with budget forcing on a LoRA adapter: G runtime rollouts per prompt from one "
              "shared prompt KV, a budget bucket drawn per prompt and stated in the preamble, "
              "reward = correctness x soft barrier on the generated length, group-normalised "
              "advantages (equal-reward groups dropped), clipped ratio, KL to the starting "
              "adapter; the runtime's adapter is refreshed after every update. --log writes "
              "reward, accuracy, mean length, fraction over budget, KL and clip fraction per step");
  grpo_cmd->add_option("--model", grpo.model_dir, "base model directory (Hugging Face)")->required();
  grpo_cmd->add_option("--data", grpo.data_path, "problem JSONL with \"answer\"")->required();
  grpo_cmd->add_option("--adapter", grpo.adapter_dir, "starting PEFT adapter (e.g. from sft); default: a fresh one");
  grpo_cmd->add_option("--out", grpo.out_dir, "output adapter directory")->required();
  grpo_cmd->add_option("--template", grpo.template_path, "chat template file overriding the model's");
  grpo_cmd->add_option("--system", grpo.system_prompt, "system prompt");
  grpo_cmd->add_option("--rank", grpo.lora.rank, "LoRA rank of a fresh adapter")->capture_default_str();
  grpo_cmd->add_option("--alpha", grpo.lora.alpha, "LoRA alpha of a fresh adapter")->capture_default_str();
  grpo_cmd->add_option("--group", grpo.group, "rollouts per prompt (G)")->capture_default_str();
  grpo_cmd->add_option("--prompts-per-step", grpo.prompts_per_step, "prompts per step")->capture_default_str();
  grpo_cmd->add_option("--steps", grpo.steps, "steps")->capture_default_str();
  grpo_cmd->add_option("--inner-steps", grpo.inner_steps, "optimizer steps per batch of rollouts")->capture_default_str();
  grpo_cmd->add_option("--lr", grpo.lr, "AdamW learning rate")->capture_default_str();
  grpo_cmd->add_option("--weight-decay", grpo.weight_decay, "AdamW weight decay")->capture_default_str();
  grpo_cmd->add_option("--clip", grpo.clip_norm, "gradient norm clipping (0: off)")->capture_default_str();
  grpo_cmd->add_option("--epsilon", grpo.clip_eps, "ratio clipping range")->capture_default_str();
  grpo_cmd->add_option("--beta", grpo.beta, "KL weight to the starting adapter")->capture_default_str();
  grpo_cmd->add_option("--temperature", grpo.temperature, "rollout temperature")->capture_default_str();
  grpo_cmd->add_option("--max-new-tokens", grpo.max_new_tokens, "rollout length limit")->capture_default_str();
  grpo_cmd->add_option("--buckets", grpo.buckets, "budget buckets B, one drawn per prompt")->delimiter(',')->capture_default_str();
  grpo_cmd->add_option("--preamble", grpo.preamble_template, "preamble stating the budget ({budget} = B)")->capture_default_str();
  grpo_cmd->add_option("--window", grpo.barrier.window, "barrier window m: full reward up to (1-m)B")->capture_default_str();
  grpo_cmd->add_option("--floor", grpo.barrier.floor, "barrier floor p: reward factor from (1+m)B on")->capture_default_str();
  grpo_cmd
      ->add_option_function<std::string>(
          "--scale-rewards",
          [&grpo](const std::string& v) { grpo.reward_scaling = v == "none" ? RewardScaling::kNone : RewardScaling::kGroup; },
          "advantages: group = (r - mean)/std within each group (GRPO); none = r - mean (Dr. GRPO: "
          "small reward differences, e.g. length alone among right answers, make small updates)")
      ->check(CLI::IsMember({"group", "none"}))
      ->type_name("group|none")
      ->default_str("group");
  grpo_cmd->add_option("--seed", grpo.seed, "seed for problem order, buckets and sampling")->capture_default_str();
  grpo_cmd->add_option("--threads", grpo.threads,
                       "cores for the updates (default: all), split as for sft");
  grpo_cmd->add_option("--runtime-threads", grpo.runtime_threads, "runtime threads for rollouts")->capture_default_str();
  grpo_cmd->add_option("--log", grpo.log_path, "append one JSON line per step to this file");
  grpo_cmd->add_flag("--skip-bad-rows", grpo.skip_bad_rows, "skip malformed JSONL rows instead of failing");
  grpo_cmd->add_flag("!--no-progress", grpo.progress, "no progress on stderr");
  grpo_cmd->add_flag("--json", grpo.json, "print the first and last step's figures as JSON");
  grpo_cmd->add_flag("--bf16", grpo.bf16,
                     "matrix products of the update in bf16 where the CPU has it natively (as for "
                     "sft); f32 elsewhere");
  grpo_cmd->add_option("--checkpoint-dir", grpo.checkpoint_dir,
                       "checkpoints (adapter, optimizer, step, sampler state) go here, atomically");
  grpo_cmd->add_option("--save-every", grpo.save_every, "checkpoint every K steps (and at the end)");
  grpo_cmd->add_flag("--resume", grpo.resume, "continue from --checkpoint-dir when it holds a checkpoint");
  grpo_cmd->add_option("--nproc", nproc,
                       "data-parallel processes on this machine: each generates its share of the "
                       "step's prompts, gradients are summed (Gloo all-reduce)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (logits_cmd->parsed()) {
    auto ids = ParseIds(logits_ids);
    if (!ids.ok()) return Report(ids.status());
    logits.ids = *ids;
    return Report(RunLogits(logits));
  }
  if (bpe_cmd->parsed()) return Report(RunBpe(bpe));
  if (world_cmd->parsed()) return Report(WriteWorld(world));
  if (sw_cmd->parsed()) {
    if (pooling != "chunk_ema" && pooling != "mean") return Report(InvalidArgument("--pooling: chunk_ema or mean"));
    sw.pooling.kind = pooling == "mean" ? PoolingKind::kMean : PoolingKind::kChunkEma;
    return Report(RunSwitcher(sw));
  }
  if (vf_cmd->parsed()) {
    vf.sampling.budget.cap = vf.sampling.max_new_tokens;
    return Report(RunVerifier(vf));
  }
  // sft, pretrain and grpo: --nproc N runs N copies of this command line.
  if (nproc > 1 && !IsWorkerProcess()) {
    auto code = LaunchLocalWorkers(argc, argv, nproc);
    return code.ok() ? *code : Report(code.status());
  }
  if (grpo_cmd->parsed()) {
    grpo.bf16 = ResolveBf16(grpo.bf16, "grpo", IsLeadProcess());
    return Report(RunGrpo(grpo));
  }
  Status st;
  if (sft_cmd->parsed()) {
    sft.loop.bf16 = ResolveBf16(sft.loop.bf16, "sft", IsLeadProcess());
    st = RunSft(sft);
  }
  if (pre_cmd->parsed()) {
    pre.loop.bf16 = ResolveBf16(pre.loop.bf16, "pretrain", IsLeadProcess());
    st = RunPretrain(pre);
  }
  if (st.code() == StatusCode::kOutOfRange && st.message().starts_with("stopped by a signal")) {
    std::fprintf(stderr, "edgereason-train: %s\n", st.message().c_str());
    return 143;
  }
  return Report(st);
}

}  // namespace edgereason::train
