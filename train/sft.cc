#include "train/sft.h"

#include <torch/torch.h>

#include <cstdio>

#include "tensor/weight_format.h"
#include "train/cpu_threads.h"
#include "train/distributed.h"
#include "train/model.h"

namespace edgereason::train {

Status LoadTrainingSets(const std::string& model_dir, const std::string& template_path,
                        const std::string& data_path, const std::string& eval_path,
                        const DatasetOptions& data, bool verbose, std::vector<Example>* train,
                        std::vector<Example>* eval) {
  ER_ASSIGN_OR_RETURN(TextCodec codec, TextCodec::Load(model_dir, template_path));
  LoadReport report;
  ER_ASSIGN_OR_RETURN(*train, LoadSupervisedJsonl(data_path, codec, data, &report));
  if (verbose) {
    for (const std::string& s : report.skipped) std::fprintf(stderr, "skipped %s\n", s.c_str());
  }
  if (!eval_path.empty()) {
    ER_ASSIGN_OR_RETURN(*eval, LoadSupervisedJsonl(eval_path, codec, data, nullptr));
  }
  return Status::Ok();
}

Status RunSft(const SftOptions& o) {
  const CpuThreads threads = ConfigureCpuThreads(o.threads, o.loop.bf16);
  ER_ASSIGN_OR_RETURN(std::unique_ptr<Communicator> comm, Communicator::FromEnvironment());
  std::optional<WeightFormat> format;
  if (!o.base_format.empty()) {
    format = WeightFormatFromName(o.base_format);
    if (!format) return InvalidArgument("unknown --base-format '" + o.base_format + "' (q8_0, q4_0, q4_pc)");
  }
  ER_ASSIGN_OR_RETURN(TorchModel model, TorchModel::Load(o.model_dir, format));
  model.SetRequiresGrad(false);
  std::vector<Example> train, eval;
  ER_RETURN_IF_ERROR(LoadTrainingSets(o.model_dir, o.template_path, o.data_path, o.eval_path,
                                      o.data, comm->is_main(), &train, &eval));
  for (const Example& e : train) {
    for (int32_t id : e.ids) {
      if (id >= model.config().vocab_size) {
        return InvalidArgument(o.data_path + ":" + std::to_string(e.line) + ": token id " +
                               std::to_string(id) + " is outside the model's vocabulary of " +
                               std::to_string(model.config().vocab_size) +
                               " (tokenizer and model do not match)");
      }
    }
  }
  LoraWeights lora;
  if (!o.init_adapter.empty()) {
    ER_ASSIGN_OR_RETURN(lora, LoraWeights::Load(o.init_adapter, model.config()));
    lora.set_dropout(o.lora.dropout);
  } else {
    ER_ASSIGN_OR_RETURN(lora, LoraWeights::Create(model.config(), o.lora, o.loop.seed));
  }
  lora.SetRequiresGrad(true);
  LoopModel lm;
  lm.model = &model;
  lm.lora = &lora;
  lm.mask_prompt = o.mask_prompt;
  lm.trainable = lora.Parameters();
  lm.write_outputs = [&](const std::string& dir) { return lora.Save(dir + "/adapter"); };
  InstallStopHandler();
  ER_ASSIGN_OR_RETURN(LoopResult r, RunSupervisedLoop(lm, train, eval, o.loop, *comm));
  if (!comm->is_main()) return Status::Ok();
  if (r.stopped_by_signal) {
    return Status(StatusCode::kOutOfRange, "stopped by a signal after step " +
                  std::to_string(r.steps_done) + "; resume with --resume --checkpoint-dir " +
                  o.loop.checkpoint_dir);
  }
  ER_RETURN_IF_ERROR(lora.Save(o.out_dir));
  nlohmann::json report = r.ToJson();
  report["adapter"] = o.out_dir;
  report["threads"] = ToJson(threads);
  report["train_examples"] = train.size();
  report["trainable_parameters"] = [&] {
    int64_t n = 0;
    for (const auto& t : lm.trainable) n += t.numel();
    return n;
  }();
  if (o.json) std::printf("%s\n", report.dump().c_str());
  else std::fprintf(stderr, "sft: wrote %s (eval loss %.4f -> %.4f)\n", o.out_dir.c_str(), r.initial_eval_loss, r.final_eval_loss);
  return Status::Ok();
}

}  // namespace edgereason::train
