// Fitting the switcher and verifier heads in libtorch on feature rows.
//
// Features are standardised per dimension for training (the input noise
// σ = 0.5 is then relative to each dimension's spread, whatever the model's
// hidden-state scale), and the standardisation is folded into the first
// linear layer afterwards, so the written head reads raw hidden states:
//   W·((x − μ)/s) + b = (W/s)·x + (b − W·(μ/s)).
//
// Switcher: p = sigmoid(fc2·dropout(relu(fc1·(z + σ·ε))) + b2), BCE, Adam.
// Verifier: p = sigmoid(w·z + b), BCE, Adam (no noise, no dropout); z may
// end with the stream's confidence features (head_features.h).
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "reasoning/switcher.h"
#include "reasoning/verifier.h"

namespace edgereason::train {

struct HeadData {
  int64_t rows = 0, dim = 0;
  std::vector<float> x;   // [rows, dim] row-major
  std::vector<double> y;  // [rows] 0/1 labels
};

struct HeadFitOptions {
  int64_t hidden_units = 8;   // switcher only
  double dropout = 0.2;       // switcher only
  double input_noise = 0.5;   // switcher only: Gaussian σ on standardised features
  double lr = 1e-2;
  double weight_decay = 0.0;
  int64_t epochs = 200;
  int64_t batch = 64;
  uint64_t seed = 0;
};

// Trained weights ready for WriteSwitcherHead; pooling and threshold are
// copied into the file's header.
Result<SwitcherWeights> FitSwitcher(const HeadData& data, const HeadFitOptions& options,
                                    const PoolingConfig& pooling, double threshold);
// With `confidence`, the last kConfidenceFeatures columns of `data` are the
// confidence features and become the head's confidence weights.
Result<VerifierWeights> FitVerifier(const HeadData& data, const HeadFitOptions& options,
                                    bool confidence = false);

// The trainer's probabilities of written weights on raw features (evaluation
// mode: no noise, no dropout), computed in f64. A verifier with confidence
// weights reads rows [hidden + kConfidenceFeatures].
std::vector<double> SwitcherProbabilities(const SwitcherWeights& w, const HeadData& data);
std::vector<double> VerifierScores(const VerifierWeights& w, const HeadData& data);

// Rows [begin, end) of `data`.
HeadData SliceRows(const HeadData& data, int64_t begin, int64_t end);

}  // namespace edgereason::train
