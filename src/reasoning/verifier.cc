#include "reasoning/verifier.h"

#include <cmath>
#include <map>

#include "reasoning/head_file.h"

namespace edgereason {

Result<std::shared_ptr<const VerifierHead>> VerifierHead::FromWeights(VerifierWeights w,
                                                                      const std::string& origin) {
  if (w.hidden_size < 1 || static_cast<int64_t>(w.weight.size()) != w.hidden_size) {
    return InvalidArgument(origin + ": verifier weight must have hidden_size " +
                           std::to_string(w.hidden_size) + " entries, has " +
                           std::to_string(w.weight.size()));
  }
  if (!w.confidence_weight.empty() && w.confidence_weight.size() != kConfidenceFeatures) {
    return InvalidArgument(origin + ": verifier confidence weight must have " +
                           std::to_string(kConfidenceFeatures) + " entries, has " +
                           std::to_string(w.confidence_weight.size()));
  }
  return std::shared_ptr<const VerifierHead>(new VerifierHead(std::move(w)));
}

Result<std::shared_ptr<const VerifierHead>> VerifierHead::Load(const std::string& path) {
  ER_ASSIGN_OR_RETURN(HeadFile file, ReadHeadFile(path, "verifier"));
  const std::string json = HeadStem(path) + ".json";
  auto it = file.config.find("hidden_size");
  if (it == file.config.end() || !it->is_number_integer() || it->get<int64_t>() < 1 ||
      it->get<int64_t>() > (1 << 20)) {
    return InvalidArgument(json + ": field 'hidden_size' must be a positive integer");
  }
  VerifierWeights w;
  w.hidden_size = it->get<int64_t>();
  ER_ASSIGN_OR_RETURN(auto weight, file.Tensor("linear.weight", {1, w.hidden_size}));
  ER_ASSIGN_OR_RETURN(auto bias, file.Tensor("linear.bias", {1}));
  w.weight = *weight;
  w.bias = (*bias)[0];
  if (auto names = file.config.find("confidence_features"); names != file.config.end()) {
    const nlohmann::json expected = kConfidenceFeatureNames;
    if (*names != expected) {
      return InvalidArgument(json + ": field 'confidence_features' must be " + expected.dump() +
                             " (the features this build computes), got " + names->dump());
    }
    ER_ASSIGN_OR_RETURN(auto cw, file.Tensor("confidence.weight",
                                             {1, static_cast<int64_t>(kConfidenceFeatures)}));
    w.confidence_weight = *cw;
  }
  return FromWeights(std::move(w), json);
}

double VerifierHead::Score(std::span<const float> h, const ConfidenceVector& c) const {
  double logit = w_.bias;
  for (int64_t j = 0; j < w_.hidden_size; ++j) logit += static_cast<double>(w_.weight[j]) * h[j];
  for (size_t j = 0; j < w_.confidence_weight.size(); ++j) {
    logit += static_cast<double>(w_.confidence_weight[j]) * c[j];
  }
  return 1.0 / (1.0 + std::exp(-logit));
}

Status WriteVerifierHead(const std::string& stem, const VerifierWeights& w) {
  nlohmann::json config = {{"kind", "verifier"}, {"hidden_size", w.hidden_size}};
  std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>> tensors = {
      {"linear.weight", {{1, w.hidden_size}, w.weight}}, {"linear.bias", {{1}, {w.bias}}}};
  if (!w.confidence_weight.empty()) {
    config["confidence_features"] = kConfidenceFeatureNames;
    tensors["confidence.weight"] = {{1, static_cast<int64_t>(w.confidence_weight.size())},
                                    w.confidence_weight};
  }
  return WriteHeadFile(stem, config, tensors);
}

}  // namespace edgereason
