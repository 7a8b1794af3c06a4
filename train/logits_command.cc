#include "train/logits_command.h"

#include <torch/torch.h>

#include "io/safetensors.h"
#include "tensor/weight_format.h"
#include "train/lora.h"
#include "train/model.h"

namespace edgereason::train {

Status RunLogits(const LogitsOptions& options) {
  if (options.ids.empty()) return InvalidArgument("--ids must list at least one token id");
  std::optional<WeightFormat> format;
  if (!options.base_format.empty()) {
    format = WeightFormatFromName(options.base_format);
    if (!format) return InvalidArgument("unknown --base-format '" + options.base_format + "'");
  }
  ER_ASSIGN_OR_RETURN(TorchModel model, TorchModel::Load(options.model_dir, format));
  for (int32_t id : options.ids) {
    if (id < 0 || id >= model.config().vocab_size) {
      return InvalidArgument("token id " + std::to_string(id) + " is outside the vocabulary of " +
                             std::to_string(model.config().vocab_size));
    }
  }
  std::optional<LoraWeights> lora;
  if (!options.lora_dir.empty()) {
    ER_ASSIGN_OR_RETURN(lora, LoraWeights::Load(options.lora_dir, model.config()));
  }
  const int64_t length = static_cast<int64_t>(options.ids.size());
  if (options.lora_start && (*options.lora_start < 0 || *options.lora_start > length)) {
    return InvalidArgument("--lora-start " + std::to_string(*options.lora_start) +
                           " is outside the " + std::to_string(length) + " ids");
  }
  std::vector<float> logits, hidden;
  ER_RETURN_IF_ERROR(CatchTorch("forward pass", [&]() -> Status {
    torch::NoGradGuard no_grad;
    std::vector<int64_t> ids(options.ids.begin(), options.ids.end());
    torch::Tensor input = torch::tensor(ids, torch::kInt64).unsqueeze(0);  // [1, L]
    AdapterUse use;
    if (lora) {
      use.lora = &*lora;
      if (options.lora_start) {
        use.mask = (torch::arange(length) >= *options.lora_start).to(torch::kFloat32).unsqueeze(0);
      }
    }
    ForwardResult r = Forward(model, input, use, options.bf16 ? torch::kBFloat16 : torch::kFloat32);
    torch::Tensor l = r.logits[0].contiguous();                  // [L, V]
    torch::Tensor h = r.final_hidden[0][length - 1].contiguous();  // [H]
    logits.assign(l.data_ptr<float>(), l.data_ptr<float>() + l.numel());
    hidden.assign(h.data_ptr<float>(), h.data_ptr<float>() + h.numel());
    return Status::Ok();
  }));
  const int64_t vocab = model.config().vocab_size;
  return WriteSafetensors(
      options.out_path,
      {{"logits", DType::kF32, {length, vocab},
        {reinterpret_cast<const uint8_t*>(logits.data()), logits.size() * 4}},
       {"final_hidden", DType::kF32, {model.config().hidden_size},
        {reinterpret_cast<const uint8_t*>(hidden.data()), hidden.size() * 4}}});
}

}  // namespace edgereason::train
