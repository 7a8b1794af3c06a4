// Writes a loaded model back out as a Hugging Face-style directory whose
// weights are already in the model's run format (see model/tensor_loader.h
// for the tensor layout), so it loads by memory map without converting.
#pragma once

#include <string>

#include "base/status.h"
#include "model/model.h"

namespace edgereason {

// Writes model.safetensors plus copies of config.json, generation_config.json
// and the tokenizer files of model.dir() into `out_dir` (created).
Status WriteQuantizedCheckpoint(const Model& model, const std::string& out_dir);

}  // namespace edgereason
