// `edgereason-train switcher` and `edgereason-train verifier`: features from
// the runtime (head_features.h), a head fitted in libtorch (head_fit.h),
// written with the runtime's own WriteSwitcherHead / WriteVerifierHead, and
// figures on held-out rows (AUC, threshold sweep, calibration).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/status.h"
#include "train/head_features.h"
#include "train/head_fit.h"

namespace edgereason::train {

struct HeadCommonOptions {
  std::string data_path;         // problem JSONL (train/data.h)
  std::string out_stem;          // writes <stem>.json + <stem>.safetensors
  double eval_fraction = 0.2;    // held-out share for the figures
  bool skip_bad_rows = false;
  HeadFitOptions fit;
  RuntimeFeatureOptions runtime;
  bool json = false;
};

struct SwitcherOptions {
  HeadCommonOptions common;
  PoolingConfig pooling;
  double threshold = 0.5;        // written into the head file
  // Rows without "label" are labelled difficulty > this (reasoning when hard).
  std::optional<double> difficulty_threshold;
};

struct VerifierOptions {
  HeadCommonOptions common;
  VerifierSampleOptions sampling;
};

// The figures of a fitted head; `probabilities` are the trainer's on every
// row of the data it was given (for comparison with the runtime).
struct HeadReport {
  nlohmann::ordered_json figures;
  std::vector<double> probabilities;
};

// Fit, write and evaluate on given features (what the commands do after
// computing features with the runtime).
Result<HeadReport> TrainSwitcherHead(const HeadData& data, const SwitcherOptions& options);
Result<HeadReport> TrainVerifierHead(const HeadData& data, const VerifierOptions& options);

Status RunSwitcher(const SwitcherOptions& options);
Status RunVerifier(const VerifierOptions& options);

}  // namespace edgereason::train
