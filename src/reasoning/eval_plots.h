// The evaluation's PNG plots, from its records and summary: accuracy vs
// tokens (one point per cap), the CDF of tokens per stream, accuracy vs N for
// each vote rule (mean ± std), and the switcher threshold sweep.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason {

// Writes accuracy_vs_tokens.png, length_cdf.png, vote_curves.png and (with a
// switcher) threshold_sweep.png into `dir`, each atomically.
Status WriteEvalPlots(const std::string& dir, const std::vector<nlohmann::json>& records,
                      const nlohmann::ordered_json& summary);

}  // namespace edgereason
