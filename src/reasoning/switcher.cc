#include "reasoning/switcher.h"

#include <cmath>
#include <type_traits>

#include "reasoning/head_file.h"

namespace edgereason {

HiddenPooler::HiddenPooler(int64_t hidden_size, const PoolingConfig& config)
    : hidden_size_(hidden_size),
      config_(config),
      chunk_sum_(hidden_size, 0.0),
      total_sum_(hidden_size, 0.0),
      ema_(hidden_size, 0.0) {}

void HiddenPooler::CloseChunk() {
  const double a = config_.alpha;
  for (int64_t j = 0; j < hidden_size_; ++j) {
    const double mean = chunk_sum_[j] / static_cast<double>(chunk_rows_);
    ema_[j] = has_ema_ ? a * mean + (1.0 - a) * ema_[j] : mean;
    chunk_sum_[j] = 0.0;
  }
  has_ema_ = true;
  chunk_rows_ = 0;
}

void HiddenPooler::Add(std::span<const float> hidden, int64_t rows) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* h = hidden.data() + r * hidden_size_;
    for (int64_t j = 0; j < hidden_size_; ++j) {
      chunk_sum_[j] += h[j];
      total_sum_[j] += h[j];
    }
    ++rows_seen_;
    if (++chunk_rows_ == config_.chunk_size) CloseChunk();
  }
}

std::vector<float> HiddenPooler::Pooled() const {
  std::vector<float> pooled(hidden_size_, 0.0f);
  if (rows_seen_ == 0) return pooled;
  const double a = config_.alpha;
  for (int64_t j = 0; j < hidden_size_; ++j) {
    if (config_.kind == PoolingKind::kMean) {
      pooled[j] = static_cast<float>(total_sum_[j] / static_cast<double>(rows_seen_));
      continue;
    }
    double v = ema_[j];
    if (chunk_rows_ > 0) {  // the trailing partial chunk counts as a chunk
      const double mean = chunk_sum_[j] / static_cast<double>(chunk_rows_);
      v = has_ema_ ? a * mean + (1.0 - a) * v : mean;
    }
    pooled[j] = static_cast<float>(v);
  }
  return pooled;
}

Result<std::shared_ptr<const SwitcherHead>> SwitcherHead::FromWeights(SwitcherWeights w,
                                                                      const std::string& origin) {
  const int64_t h = w.hidden_size, u = w.hidden_units;
  if (h < 1 || h > (1 << 20) || u < 1 || u > 4096) {
    return InvalidArgument(origin + ": hidden_size and hidden_units must be positive (got " +
                           std::to_string(h) + ", " + std::to_string(u) + ")");
  }
  if (static_cast<int64_t>(w.fc1_weight.size()) != u * h ||
      static_cast<int64_t>(w.fc1_bias.size()) != u ||
      static_cast<int64_t>(w.fc2_weight.size()) != u || w.fc2_bias.size() != 1) {
    return InvalidArgument(origin + ": switcher weights do not match hidden_size " +
                           std::to_string(h) + " and hidden_units " + std::to_string(u));
  }
  if (w.pooling.chunk_size < 1) {
    return InvalidArgument(origin + ": chunk_size must be at least 1");
  }
  if (!(w.pooling.alpha > 0.0 && w.pooling.alpha <= 1.0)) {
    return InvalidArgument(origin + ": ema_alpha must be in (0, 1]");
  }
  if (!(w.threshold >= 0.0 && w.threshold <= 1.0)) {
    return InvalidArgument(origin + ": threshold must be in [0, 1]");
  }
  return std::shared_ptr<const SwitcherHead>(new SwitcherHead(std::move(w)));
}

Result<std::shared_ptr<const SwitcherHead>> SwitcherHead::Load(const std::string& path) {
  ER_ASSIGN_OR_RETURN(HeadFile file, ReadHeadFile(path, "switcher"));
  const std::string json = HeadStem(path) + ".json";
  SwitcherWeights w;
  const nlohmann::json& c = file.config;
  auto number = [&](const char* key, auto& field) -> Status {
    auto it = c.find(key);
    if (it == c.end()) return Status::Ok();
    using T = std::remove_reference_t<decltype(field)>;
    if constexpr (std::is_integral_v<T>) {
      if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > (1 << 20)) {
        return InvalidArgument(json + ": field '" + key + "' must be an integer in [0, 2^20]");
      }
    } else if (!it->is_number()) {
      return InvalidArgument(json + ": field '" + key + "' must be a number");
    }
    field = it->get<T>();
    return Status::Ok();
  };
  if (!c.contains("hidden_size")) return InvalidArgument(json + ": field 'hidden_size' is missing");
  ER_RETURN_IF_ERROR(number("hidden_size", w.hidden_size));
  ER_RETURN_IF_ERROR(number("hidden_units", w.hidden_units));
  ER_RETURN_IF_ERROR(number("chunk_size", w.pooling.chunk_size));
  ER_RETURN_IF_ERROR(number("ema_alpha", w.pooling.alpha));
  ER_RETURN_IF_ERROR(number("threshold", w.threshold));
  if (auto it = c.find("pooling"); it != c.end()) {
    if (*it == "chunk_ema") w.pooling.kind = PoolingKind::kChunkEma;
    else if (*it == "mean") w.pooling.kind = PoolingKind::kMean;
    else return InvalidArgument(json + ": field 'pooling' must be \"chunk_ema\" or \"mean\"");
  }
  const int64_t h = w.hidden_size, u = w.hidden_units;
  if (h < 1 || u < 1) return InvalidArgument(json + ": hidden_size and hidden_units must be positive");
  ER_ASSIGN_OR_RETURN(auto fc1w, file.Tensor("fc1.weight", {u, h}));
  ER_ASSIGN_OR_RETURN(auto fc1b, file.Tensor("fc1.bias", {u}));
  ER_ASSIGN_OR_RETURN(auto fc2w, file.Tensor("fc2.weight", {1, u}));
  ER_ASSIGN_OR_RETURN(auto fc2b, file.Tensor("fc2.bias", {1}));
  w.fc1_weight = *fc1w;
  w.fc1_bias = *fc1b;
  w.fc2_weight = *fc2w;
  w.fc2_bias = *fc2b;
  return FromWeights(std::move(w), json);
}

double SwitcherHead::Probability(std::span<const float> pooled) const {
  const int64_t h = w_.hidden_size;
  double logit = w_.fc2_bias[0];
  for (int64_t i = 0; i < w_.hidden_units; ++i) {
    double z = w_.fc1_bias[i];
    for (int64_t j = 0; j < h; ++j) z += static_cast<double>(w_.fc1_weight[i * h + j]) * pooled[j];
    logit += static_cast<double>(w_.fc2_weight[i]) * std::max(0.0, z);
  }
  return 1.0 / (1.0 + std::exp(-logit));
}

Status WriteSwitcherHead(const std::string& stem, const SwitcherWeights& w) {
  nlohmann::json config = {
      {"kind", "switcher"},
      {"hidden_size", w.hidden_size},
      {"hidden_units", w.hidden_units},
      {"pooling", w.pooling.kind == PoolingKind::kMean ? "mean" : "chunk_ema"},
      {"chunk_size", w.pooling.chunk_size},
      {"ema_alpha", w.pooling.alpha},
      {"threshold", w.threshold}};
  return WriteHeadFile(stem, config,
                       {{"fc1.weight", {{w.hidden_units, w.hidden_size}, w.fc1_weight}},
                        {"fc1.bias", {{w.hidden_units}, w.fc1_bias}},
                        {"fc2.weight", {{1, w.hidden_units}, w.fc2_weight}},
                        {"fc2.bias", {{1}, w.fc2_bias}}});
}

}  // namespace edgereason
