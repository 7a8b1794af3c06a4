// Writes Hugging Face checkpoints with random weights and the exact shapes of
// real models, for benchmarks and for demos that need no downloads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/model_config.h"
#include "tensor/dtype.h"

namespace edgereason {

struct RandomModelSpec {
  std::string name;  // the --shape value
  ModelConfig config;
  double init_std = 0.02;  // weights ~ N(0, init_std²); norms = 1
};

// Names accepted by RandomModelSpecByName.
std::vector<std::string> RandomModelShapeNames();
// "tiny" (a few hundred thousand parameters, byte-level vocabulary),
// "qwen2.5-0.5b", "qwen2.5-1.5b", "qwen3-tiny", "llama-tiny".
Result<RandomModelSpec> RandomModelSpecByName(const std::string& name);

// Writes config.json, generation_config.json and model.safetensors (dtype F32,
// F16 or BF16) into `dir`, creating it. Deterministic for a given seed.
Status WriteRandomModel(const RandomModelSpec& spec, DType dtype, uint64_t seed,
                        const std::string& dir);

}  // namespace edgereason
