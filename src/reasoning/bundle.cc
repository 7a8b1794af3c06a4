#include "reasoning/bundle.h"

#include "base/file.h"
#include "io/json_file.h"
#include "tensor/weight_format.h"

namespace edgereason {
namespace {

// Typed reads of an object's fields, each error naming origin and field.
class Fields {
 public:
  Fields(const nlohmann::json& object, std::string origin, std::string prefix)
      : object_(object), origin_(std::move(origin)), prefix_(std::move(prefix)) {}

  Status CheckKnown(std::initializer_list<const char*> known) const {
    for (const auto& [key, value] : object_.items()) {
      bool ok = false;
      for (const char* k : known) ok |= key == k;
      if (!ok) return InvalidArgument(origin_ + ": unknown field '" + prefix_ + key + "'");
    }
    return Status::Ok();
  }
  Status String(const char* key, std::string& out) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return Status::Ok();
    if (!it->is_string()) return Error(key, "must be a string");
    out = it->get<std::string>();
    return Status::Ok();
  }
  Status Bool(const char* key, bool& out) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return Status::Ok();
    if (!it->is_boolean()) return Error(key, "must be true or false");
    out = it->get<bool>();
    return Status::Ok();
  }
  Status Int(const char* key, int64_t lo, int64_t hi, int64_t& out) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return Status::Ok();
    if (!it->is_number_integer() || (it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX)) {
      return Error(key, "must be an integer");
    }
    const int64_t v = it->get<int64_t>();
    if (v < lo || v > hi) {
      return Error(key, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    out = v;
    return Status::Ok();
  }
  Status Number(const char* key, double lo, double hi, double& out) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return Status::Ok();
    if (!it->is_number()) return Error(key, "must be a number");
    const double v = it->get<double>();
    if (!(v >= lo && v <= hi)) {
      return Error(key, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    out = v;
    return Status::Ok();
  }
  Status Error(const char* key, const std::string& what) const {
    return InvalidArgument(origin_ + ": field '" + prefix_ + key + "' " + what);
  }

 private:
  const nlohmann::json& object_;
  std::string origin_, prefix_;
};

Status ParseTemplates(const nlohmann::json& t, const std::string& origin, ReasonerConfig& c) {
  if (!t.is_object()) return InvalidArgument(origin + ": field 'templates' must be an object");
  Fields f(t, origin, "templates.");
  ER_RETURN_IF_ERROR(f.CheckKnown({"system", "user", "preamble", "verification", "forced_answer",
                                   "think_start", "think_end"}));
  ER_RETURN_IF_ERROR(f.String("system", c.system_prompt));
  ER_RETURN_IF_ERROR(f.String("user", c.user_template));
  ER_RETURN_IF_ERROR(f.String("preamble", c.budget.preamble_template));
  ER_RETURN_IF_ERROR(f.String("verification", c.verification_prompt));
  ER_RETURN_IF_ERROR(f.String("forced_answer", c.budget.forced_text));
  ER_RETURN_IF_ERROR(f.String("think_start", c.budget.think_start_tag));
  return f.String("think_end", c.budget.think_end_tag);
}

Status ParseDefaults(const nlohmann::json& d, const std::string& origin, Bundle& b) {
  if (!d.is_object()) return InvalidArgument(origin + ": field 'defaults' must be an object");
  ReasonerConfig& c = b.config;
  Fields f(d, origin, "defaults.");
  ER_RETURN_IF_ERROR(f.CheckKnown({"reasoning", "budget", "answer_tokens", "buckets", "parallel",
                                   "vote", "early_stop", "early_stop_margin", "wave", "threshold",
                                   "temperature", "top_p", "seed", "chat_max_tokens", "dtype"}));
  std::string text;
  if (d.contains("reasoning")) {
    ER_RETURN_IF_ERROR(f.String("reasoning", text));
    auto mode = ParseReasoningMode(text);
    if (!mode.ok()) return f.Error("reasoning", "must be auto, on or off");
    c.mode = *mode;
    b.mode_given = true;
  }
  if (d.contains("vote")) {
    ER_RETURN_IF_ERROR(f.String("vote", text));
    auto rule = ParseVoteRule(text);
    if (!rule.ok()) return f.Error("vote", "must be weighted, majority or best");
    c.vote = *rule;
  }
  ER_RETURN_IF_ERROR(f.Int("budget", 1, 1 << 24, c.budget.cap));
  ER_RETURN_IF_ERROR(f.Int("answer_tokens", 0, 1 << 20, c.budget.answer_tokens));
  ER_RETURN_IF_ERROR(f.Int("chat_max_tokens", 1, 1 << 24, c.chat_max_tokens));
  int64_t parallel = c.streams;
  ER_RETURN_IF_ERROR(f.Int("parallel", 1, 256, parallel));
  c.streams = static_cast<int>(parallel);
  ER_RETURN_IF_ERROR(f.Bool("early_stop", c.early_stop));
  int64_t margin = c.early_stop_margin;
  ER_RETURN_IF_ERROR(f.Int("early_stop_margin", 0, 256, margin));
  c.early_stop_margin = static_cast<int>(margin);
  int64_t wave = c.wave;
  ER_RETURN_IF_ERROR(f.Int("wave", 0, 256, wave));
  c.wave = static_cast<int>(wave);
  if (d.contains("threshold") && !d["threshold"].is_null()) {
    double threshold = 0.5;
    ER_RETURN_IF_ERROR(f.Number("threshold", 0, 1, threshold));
    c.threshold = threshold;
  }
  double temperature = c.reason_sampling.temperature, top_p = c.reason_sampling.top_p;
  ER_RETURN_IF_ERROR(f.Number("temperature", 0, 100, temperature));
  ER_RETURN_IF_ERROR(f.Number("top_p", 0, 1, top_p));
  c.reason_sampling.temperature = static_cast<float>(temperature);
  c.reason_sampling.top_p = static_cast<float>(top_p);
  c.reason_sampling.greedy = temperature <= 0;
  int64_t seed = 0;
  ER_RETURN_IF_ERROR(f.Int("seed", 0, INT64_MAX, seed));
  c.reason_sampling.seed = static_cast<uint64_t>(seed);
  ER_RETURN_IF_ERROR(f.String("dtype", b.paths.dtype));
  if (auto it = d.find("buckets"); it != d.end()) {
    if (!it->is_array() || it->size() > 64) return f.Error("buckets", "must be an array of integers");
    c.budget.buckets.clear();
    for (const auto& v : *it) {
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > (1 << 24)) {
        return f.Error("buckets", "must hold positive integers");
      }
      c.budget.buckets.push_back(v.get<int64_t>());
    }
  }
  return Status::Ok();
}

Status ResolvePath(const std::string& dir, const std::string& origin, const char* field,
                   bool head, std::string& path) {
  if (path.empty()) return Status::Ok();
  if (path.front() != '/') path = JoinPath(dir, path);
  const bool exists = head ? FileExists(path) || FileExists(path + ".safetensors")
                           : IsDirectory(path);
  if (!exists) {
    return NotFound(origin + ": field '" + field + "' names " + path + ", which does not exist");
  }
  return Status::Ok();
}

}  // namespace

Result<Bundle> ParseBundle(const nlohmann::json& doc, const std::string& dir,
                           const std::string& origin) {
  if (!doc.is_object()) return InvalidArgument(origin + ": the bundle must be a JSON object");
  Bundle b;
  b.dir = dir;
  Fields f(doc, origin, "");
  ER_RETURN_IF_ERROR(f.CheckKnown({"format", "base", "adapter", "switcher", "verifier",
                                   "templates", "defaults"}));
  std::string format = "edgereason.bundle.v1";
  ER_RETURN_IF_ERROR(f.String("format", format));
  if (format != "edgereason.bundle.v1") {
    return f.Error("format", "is '" + format + "'; this edgereason reads edgereason.bundle.v1");
  }
  ER_RETURN_IF_ERROR(f.String("base", b.paths.base));
  if (b.paths.base.empty()) return f.Error("base", "is required (the base model directory)");
  ER_RETURN_IF_ERROR(f.String("adapter", b.paths.adapter));
  ER_RETURN_IF_ERROR(f.String("switcher", b.paths.switcher));
  ER_RETURN_IF_ERROR(f.String("verifier", b.paths.verifier));
  if (auto it = doc.find("templates"); it != doc.end()) {
    ER_RETURN_IF_ERROR(ParseTemplates(*it, origin, b.config));
  }
  if (auto it = doc.find("defaults"); it != doc.end()) {
    ER_RETURN_IF_ERROR(ParseDefaults(*it, origin, b));
  }
  ER_RETURN_IF_ERROR(ResolvePath(dir, origin, "base", false, b.paths.base));
  ER_RETURN_IF_ERROR(ResolvePath(dir, origin, "adapter", false, b.paths.adapter));
  ER_RETURN_IF_ERROR(ResolvePath(dir, origin, "switcher", true, b.paths.switcher));
  ER_RETURN_IF_ERROR(ResolvePath(dir, origin, "verifier", true, b.paths.verifier));
  if (!b.mode_given) {
    b.config.mode = !b.paths.switcher.empty() ? ReasoningMode::kAuto
                    : !b.paths.adapter.empty() ? ReasoningMode::kOn
                                               : ReasoningMode::kOff;
  }
  Status valid = ValidateReasonerConfig(b.config);
  if (!valid.ok()) return InvalidArgument(origin + ": " + valid.message());
  return b;
}

Result<Bundle> LoadBundle(const std::string& dir) {
  const std::string path = JoinPath(dir, "bundle.json");
  if (!IsDirectory(dir)) return NotFound(dir + ": not a bundle directory");
  ER_ASSIGN_OR_RETURN(nlohmann::json doc, ReadJsonFile(path));
  return ParseBundle(doc, dir, path);
}

Result<ReasonerParts> LoadReasonerParts(const BundlePaths& paths, const EngineOptions& engine) {
  ReasonerParts parts;
  parts.engine = engine;
  ModelLoadOptions load;
  if (!paths.dtype.empty()) {
    auto format = WeightFormatFromName(paths.dtype);
    if (!format) return InvalidArgument("unknown weight format '" + paths.dtype + "'");
    load.weight_format = *format;
  }
  ER_ASSIGN_OR_RETURN(parts.model, Model::Load(paths.base, load));
  ER_ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer, Tokenizer::LoadFromDirectory(paths.base));
  parts.tokenizer = std::move(tokenizer);
  if (!paths.adapter.empty()) {
    ER_ASSIGN_OR_RETURN(parts.adapter, LoraAdapter::Load(paths.adapter, parts.model->adapter_shape()));
  }
  if (!paths.switcher.empty()) {
    ER_ASSIGN_OR_RETURN(parts.switcher, SwitcherHead::Load(paths.switcher));
  }
  if (!paths.verifier.empty()) {
    ER_ASSIGN_OR_RETURN(parts.verifier, VerifierHead::Load(paths.verifier));
  }
  return parts;
}

}  // namespace edgereason
