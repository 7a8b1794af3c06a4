// Writes a reasoning bundle with random heads and adapter for an existing base
// model, for demos and tests that need the whole pipeline without training.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace edgereason {

struct RandomBundleSpec {
  int64_t adapter_rank = 8;
  bool with_switcher = true;
  bool with_verifier = true;
  double threshold = 0.5;
  int64_t budget = 64;
  int64_t answer_tokens = 16;
  int parallel = 2;
};

// Writes out_dir/{adapter/, switcher.*, verifier.*, bundle.json}; the bundle
// names `model_dir` as its base (absolute, so the bundle may move alone).
Status WriteRandomBundle(const std::string& model_dir, const std::string& out_dir,
                         const RandomBundleSpec& spec, uint64_t seed);

}  // namespace edgereason
