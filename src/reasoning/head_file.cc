#include "reasoning/head_file.h"

#include <cmath>
#include <cstring>

#include "base/file.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "tensor/dtype.h"

namespace edgereason {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Result<std::vector<float>> WidenToF32(const SafetensorsTensor& t, const std::string& origin) {
  std::vector<float> v(t.NumElements());
  const uint8_t* p = t.data.data();
  for (size_t i = 0; i < v.size(); ++i) {
    if (t.dtype == DType::kF32) {
      std::memcpy(&v[i], p + 4 * i, 4);
    } else if (t.dtype == DType::kF16 || t.dtype == DType::kBF16) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      v[i] = t.dtype == DType::kF16 ? F16ToF32(h) : BF16ToF32(h);
    } else {
      return Unsupported(origin + ": tensor '" + t.name + "' has dtype " +
                         std::string(DTypeName(t.dtype)) + " (expected F32, F16 or BF16)");
    }
    if (!std::isfinite(v[i])) {
      return CorruptData(origin + ": tensor '" + t.name + "' holds a non-finite value");
    }
  }
  return v;
}

}  // namespace

std::string HeadStem(const std::string& path) {
  if (EndsWith(path, ".safetensors")) return path.substr(0, path.size() - 12);
  if (EndsWith(path, ".json")) return path.substr(0, path.size() - 5);
  return path;
}

Result<const std::vector<float>*> HeadFile::Tensor(const std::string& name,
                                                   const std::vector<int64_t>& shape) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) return NotFound(origin + ": no tensor '" + name + "'");
  const auto& got = shapes.at(name);
  if (got != shape) {
    return InvalidArgument(origin + ": tensor '" + name + "' has shape " + ShapeText(got) +
                           ", expected " + ShapeText(shape));
  }
  return &it->second;
}

Result<HeadFile> ReadHeadFile(const std::string& path, const std::string& kind) {
  const std::string stem = HeadStem(path);
  HeadFile head;
  head.origin = stem + ".safetensors";
  ER_ASSIGN_OR_RETURN(head.config, ReadJsonFile(stem + ".json"));
  if (!head.config.is_object()) {
    return InvalidArgument(stem + ".json: the config must be a JSON object");
  }
  auto k = head.config.find("kind");
  if (k == head.config.end() || !k->is_string() || k->get<std::string>() != kind) {
    return InvalidArgument(stem + ".json: field 'kind' must be \"" + kind + "\"");
  }
  ER_ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::Open(head.origin));
  for (const SafetensorsTensor& t : file.tensors()) {
    ER_ASSIGN_OR_RETURN(std::vector<float> values, WidenToF32(t, head.origin));
    head.tensors[t.name] = std::move(values);
    head.shapes[t.name] = t.shape;
  }
  return head;
}

Status WriteHeadFile(const std::string& stem, const nlohmann::json& config,
                     const std::map<std::string, std::pair<std::vector<int64_t>,
                                                           std::vector<float>>>& tensors) {
  std::vector<TensorToWrite> out;
  for (const auto& [name, t] : tensors) {
    const auto* bytes = reinterpret_cast<const uint8_t*>(t.second.data());
    out.push_back({name, DType::kF32, t.first, {bytes, t.second.size() * sizeof(float)}});
  }
  ER_RETURN_IF_ERROR(WriteSafetensors(stem + ".safetensors", out));
  return WriteFileAtomic(stem + ".json", config.dump(2) + "\n");
}

}  // namespace edgereason
