#include "train/checkpoint.h"

#include <torch/torch.h>

#include <filesystem>

#include "base/file.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "train/model.h"

namespace edgereason::train {
namespace fs = std::filesystem;

bool CheckpointExists(const std::string& dir) {
  return fs::exists(dir + "/state.json") || fs::exists(dir + ".old/state.json");
}

Status SaveCheckpoint(const std::string& dir, const std::vector<torch::Tensor>& params,
                      torch::optim::Optimizer& optimizer, const nlohmann::json& state,
                      const std::function<Status(const std::string& tmp_dir)>& add_files) {
  const std::string tmp = dir + ".tmp";
  const std::string old = dir + ".old";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return IoError(tmp + ": cannot create checkpoint directory (" + ec.message() + ")");
  std::vector<torch::Tensor> keep;
  std::vector<std::string> names;
  std::vector<TensorToWrite> tensors;
  names.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    keep.push_back(params[i].detach().to(torch::kFloat32).contiguous());
    names.push_back("p" + std::to_string(i));
    tensors.push_back({names.back(), DType::kF32, keep.back().sizes().vec(),
                       {reinterpret_cast<const uint8_t*>(keep.back().data_ptr<float>()),
                        static_cast<size_t>(keep.back().numel()) * 4}});
  }
  ER_RETURN_IF_ERROR(WriteSafetensors(tmp + "/trainable.safetensors", tensors));
  ER_RETURN_IF_ERROR(CatchTorch("saving the optimizer state", [&]() -> Status {
    torch::save(optimizer, tmp + "/optimizer.pt");
    return Status::Ok();
  }));
  if (add_files) ER_RETURN_IF_ERROR(add_files(tmp));
  ER_RETURN_IF_ERROR(WriteFileAtomic(tmp + "/state.json", state.dump(2)));
  // Swap: DIR -> DIR.old, DIR.tmp -> DIR, drop DIR.old. LoadCheckpoint reads
  // DIR.old if a crash leaves only that.
  fs::remove_all(old, ec);
  if (fs::exists(dir)) {
    fs::rename(dir, old, ec);
    if (ec) return IoError(dir + ": cannot move the previous checkpoint aside (" + ec.message() + ")");
  }
  fs::rename(tmp, dir, ec);
  if (ec) return IoError(dir + ": cannot move the new checkpoint into place (" + ec.message() + ")");
  fs::remove_all(old, ec);
  return Status::Ok();
}

Result<nlohmann::json> LoadCheckpoint(const std::string& dir_in,
                                      const std::vector<torch::Tensor>& params,
                                      torch::optim::Optimizer& optimizer) {
  std::string dir = dir_in;
  if (!fs::exists(dir + "/state.json") && fs::exists(dir + ".old/state.json")) dir += ".old";
  ER_ASSIGN_OR_RETURN(nlohmann::json state, ReadJsonFile(dir + "/state.json"));
  ER_ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::Open(dir + "/trainable.safetensors"));
  if (file.tensors().size() != params.size()) {
    return CorruptData(dir + ": checkpoint holds " + std::to_string(file.tensors().size()) +
                       " trainable tensors but this run trains " + std::to_string(params.size()));
  }
  ER_RETURN_IF_ERROR(CatchTorch("restoring " + dir, [&]() -> Status {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) {
      const SafetensorsTensor* t = file.Find("p" + std::to_string(i));
      if (t == nullptr || t->dtype != DType::kF32 || t->shape != params[i].sizes().vec()) {
        return CorruptData(dir + "/trainable.safetensors: tensor p" + std::to_string(i) +
                           " is missing or has another shape than this run's parameter");
      }
      params[i].copy_(torch::from_blob(const_cast<uint8_t*>(t->data.data()), t->shape, torch::kFloat32));
    }
    torch::load(optimizer, dir + "/optimizer.pt");
    return Status::Ok();
  }));
  return state;
}

}  // namespace edgereason::train
