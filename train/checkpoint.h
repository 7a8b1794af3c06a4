// Training checkpoints: the trainable tensors, the optimizer's state and the
// loop's position, written into a temporary directory and renamed into place,
// so a run killed at any moment leaves either the previous checkpoint or the
// new one, never half of one.
//
// Layout of DIR: trainable.safetensors (F32, "p0", "p1", ... in parameter
// order), optimizer.pt (torch::save of the optimizer), state.json (the loop's
// position and the settings it must be resumed with), plus whatever files the
// caller adds (e.g. a PEFT adapter that can be used as it is).
#pragma once
#include <torch/types.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace torch::optim {
class Optimizer;
}

namespace edgereason::train {

Status SaveCheckpoint(const std::string& dir, const std::vector<torch::Tensor>& params,
                      torch::optim::Optimizer& optimizer, const nlohmann::json& state,
                      const std::function<Status(const std::string& tmp_dir)>& add_files = nullptr);

// Restores the tensors (in place) and the optimizer; returns state.json.
// Falls back to DIR.old when a crash came between the two renames.
Result<nlohmann::json> LoadCheckpoint(const std::string& dir,
                                      const std::vector<torch::Tensor>& params,
                                      torch::optim::Optimizer& optimizer);

bool CheckpointExists(const std::string& dir);

}  // namespace edgereason::train
