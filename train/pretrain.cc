// `edgereason-train pretrain`: full-parameter training of a small model from
// random weights (or a checkpoint), written as a Hugging Face directory the
// runtime loads.
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>

#include "base/file.h"
#include "model/random_model.h"
#include "train/cpu_threads.h"
#include "train/distributed.h"
#include "train/model.h"
#include "train/sft.h"

namespace edgereason::train {

namespace {

// Copies `src` into directory `dir` under its own name, replacing a file there.
Status CopyInto(const std::filesystem::path& src, const std::string& dir) {
  std::error_code ec;
  std::filesystem::copy_file(src, std::filesystem::path(dir) / src.filename(),
                             std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) return IoError(src.string() + ": cannot copy into " + dir + " (" + ec.message() + ")");
  return Status::Ok();
}

// config.json, generation_config.json, model.safetensors (random) and the
// tokenizer files in `dir`.
Status WriteInitialModel(const PretrainOptions& o, const Tokenizer& tokenizer, const std::string& dir) {
  ModelConfig c;
  c.architecture = Architecture::kQwen2;
  c.vocab_size = tokenizer.vocab_size();
  c.hidden_size = o.hidden;
  c.intermediate_size = o.intermediate;
  c.num_layers = o.layers;
  c.num_heads = o.heads;
  c.num_kv_heads = o.kv_heads;
  if (o.heads <= 0 || o.kv_heads <= 0 || o.hidden % o.heads != 0 || o.heads % o.kv_heads != 0) {
    return InvalidArgument("--hidden must be divisible by --heads, and --heads by --kv-heads");
  }
  c.head_dim = o.hidden / o.heads;
  c.max_position_embeddings = o.max_positions;
  c.rope_theta = o.rope_theta;
  c.tie_word_embeddings = o.tied;
  c.qkv_bias = true;
  if (auto eos = tokenizer.TokenToId(tokenizer.config().eos_token)) c.eos_token_ids = {*eos};
  RandomModelSpec spec{"pretrain", c, o.init_std};
  ER_RETURN_IF_ERROR(WriteRandomModel(spec, DType::kF32, o.loop.seed, dir));
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt",
                        "chat_template.jinja"}) {
    const std::filesystem::path src = std::filesystem::path(o.tokenizer_dir) / f;
    if (std::filesystem::exists(src)) ER_RETURN_IF_ERROR(CopyInto(src, dir));
  }
  return Status::Ok();
}

}  // namespace

Status RunPretrain(const PretrainOptions& o) {
  const CpuThreads threads = ConfigureCpuThreads(o.threads, o.loop.bf16);
  ER_ASSIGN_OR_RETURN(std::unique_ptr<Communicator> comm, Communicator::FromEnvironment());
  std::string model_dir = o.init_model;
  if (model_dir.empty()) {
    if (o.tokenizer_dir.empty()) return InvalidArgument("pretrain needs --tokenizer DIR or --init-model DIR");
    ER_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tok, Tokenizer::LoadFromDirectory(o.tokenizer_dir));
    // Every rank writes the same deterministic initial model into its own
    // directory, so no rank waits for another's files.
    model_dir = o.out_dir + ".init-rank" + std::to_string(comm->rank());
    ER_RETURN_IF_ERROR(WriteInitialModel(o, *tok, model_dir));
  }
  ER_ASSIGN_OR_RETURN(TorchModel model, TorchModel::Load(model_dir));
  std::vector<Example> train, eval;
  ER_RETURN_IF_ERROR(LoadTrainingSets(model_dir, o.template_path, o.data_path, o.eval_path, o.data,
                                      comm->is_main(), &train, &eval));
  model.SetRequiresGrad(true);
  LoopModel lm;
  lm.model = &model;
  lm.mask_prompt = false;
  lm.trainable = model.Parameters();
  lm.write_outputs = [&](const std::string& dir) { return model.SaveWeights(dir); };
  InstallStopHandler();
  ER_ASSIGN_OR_RETURN(LoopResult r, RunSupervisedLoop(lm, train, eval, o.loop, *comm));
  if (!comm->is_main()) return Status::Ok();
  if (r.stopped_by_signal) {
    return Status(StatusCode::kOutOfRange, "stopped by a signal after step " + std::to_string(r.steps_done) +
                  "; resume with --resume --checkpoint-dir " + o.loop.checkpoint_dir);
  }
  // The output directory: the initial files with the trained weights.
  ER_RETURN_IF_ERROR(CreateDirectories(o.out_dir));
  std::error_code ec;
  for (std::filesystem::directory_iterator it(model_dir, ec), end; !ec && it != end; it.increment(ec)) {
    // Subdirectories of an --init-model directory (caches, other formats) stay behind.
    std::error_code kind;
    if (!it->is_regular_file(kind) || it->path().filename() == "model.safetensors") continue;
    ER_RETURN_IF_ERROR(CopyInto(it->path(), o.out_dir));
  }
  if (ec) return IoError(model_dir + ": cannot list the directory (" + ec.message() + ")");
  ER_RETURN_IF_ERROR(model.SaveWeights(o.out_dir));
  if (o.init_model.empty()) std::filesystem::remove_all(model_dir, ec);
  nlohmann::json report = r.ToJson();
  report["model"] = o.out_dir;
  report["threads"] = ToJson(threads);
  int64_t n = 0;
  for (const auto& t : lm.trainable) n += t.numel();
  report["parameters"] = n;
  if (o.json) std::printf("%s\n", report.dump().c_str());
  else std::fprintf(stderr, "pretrain: wrote %s (%lld parameters)\n", o.out_dir.c_str(), static_cast<long long>(n));
  return Status::Ok();
}

}  // namespace edgereason::train
