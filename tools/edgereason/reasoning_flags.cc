#include "reasoning_flags.h"

namespace edgereason::cli {

void AddReasoningFlags(CLI::App& cmd, ReasoningFlags& f) {
  cmd.add_option("--bundle", f.bundle, "reasoning bundle directory (bundle.json)");
  cmd.add_option("--model", f.model, "base model directory (instead of --bundle)");
  cmd.add_option("--lora", f.lora, "reasoning adapter (PEFT directory); with --bundle, replaces the bundle's");
  cmd.add_option("--switcher", f.switcher, "switcher head (.safetensors with .json next to it); with --bundle, replaces the bundle's");
  cmd.add_option("--verifier", f.verifier, "verifier head (.safetensors with .json next to it); with --bundle, replaces the bundle's");
  cmd.add_option("--reasoning", f.reasoning, "auto (switcher decides), on or off");
  cmd.add_option("--budget", f.budget, "hard cap on tokens per stream before the answer is forced")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  cmd.add_option("--answer-tokens", f.answer_tokens, "tokens allowed after the end of thinking")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  cmd.add_option("--parallel", f.parallel, "reasoning streams decoded together")
      ->check(CLI::Range(1, 256));
  cmd.add_option("--vote", f.vote, "weighted (verifier scores), majority or best (best-of-N)");
  cmd.add_option("--threshold", f.threshold, "switcher threshold (default: the head's)")
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--temp", f.temperature, "sampling temperature of the reasoning streams")
      ->check(CLI::Range(0.0, 100.0));
  cmd.add_option("--seed", f.seed, "seed of stream 0 (stream i uses seed + i)");
  cmd.add_flag("--no-early-stop", f.no_early_stop, "run every stream to its end");
  cmd.add_option("--early-stop-margin", f.early_stop_margin,
                 "also stop the streams once one answer leads every other by this many streams "
                 "(0: only when the vote can no longer change)")
      ->check(CLI::Range(0, 256));
  cmd.add_option("--wave", f.wave,
                 "start the streams this many at a time, the next ones only while the vote is open "
                 "(0: all at once); an early consensus then saves whole streams (ignored with --no-early-stop)")
      ->check(CLI::Range(0, 256));
  cmd.add_option("--threads,-t", f.threads, "threads")->capture_default_str();
  cmd.add_option("--ctx", f.context, "context size in tokens (0: the model's maximum)");
  cmd.add_option("--dtype", f.dtype, "weight format: f32, bf16, q8_0, q4_0, q4_pc");
}

Result<Bundle> ResolveBundle(const ReasoningFlags& f) {
  Bundle b;
  if (!f.bundle.empty()) {
    if (!f.model.empty()) return InvalidArgument("give either --bundle or --model, not both");
    ER_ASSIGN_OR_RETURN(b, LoadBundle(f.bundle));
    // A part given on the command line replaces the bundle's (e.g. the SFT
    // adapter in place of the RL one, with the bundle's templates and buckets).
    if (!f.lora.empty()) b.paths.adapter = f.lora;
    if (!f.switcher.empty()) b.paths.switcher = f.switcher;
    if (!f.verifier.empty()) b.paths.verifier = f.verifier;
  } else {
    if (f.model.empty()) return InvalidArgument("give --bundle DIR or --model DIR");
    b.paths = {f.model, f.lora, f.switcher, f.verifier, ""};
    b.config.mode = !f.switcher.empty() ? ReasoningMode::kAuto
                    : !f.lora.empty()   ? ReasoningMode::kOn
                                        : ReasoningMode::kOff;
  }
  if (!f.dtype.empty()) b.paths.dtype = f.dtype;
  ReasonerConfig& c = b.config;
  if (f.reasoning) {
    ER_ASSIGN_OR_RETURN(c.mode, ParseReasoningMode(*f.reasoning));
  }
  if (f.vote) {
    ER_ASSIGN_OR_RETURN(c.vote, ParseVoteRule(*f.vote));
  }
  if (f.budget) c.budget.cap = *f.budget;
  if (f.answer_tokens) c.budget.answer_tokens = *f.answer_tokens;
  if (f.parallel) c.streams = *f.parallel;
  if (f.threshold) c.threshold = *f.threshold;
  if (f.temperature) {
    c.reason_sampling.temperature = static_cast<float>(*f.temperature);
    c.reason_sampling.greedy = *f.temperature <= 0;
  }
  if (f.seed) c.reason_sampling.seed = *f.seed;
  if (f.no_early_stop) c.early_stop = false;
  if (f.early_stop_margin) c.early_stop_margin = *f.early_stop_margin;
  if (f.wave) c.wave = *f.wave;
  return b;
}

}  // namespace edgereason::cli
