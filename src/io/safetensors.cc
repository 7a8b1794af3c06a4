#include "io/safetensors.h"

#include <algorithm>
#include <limits>
#include <set>

#include "io/json_file.h"

namespace edgereason {
namespace {

// The reference implementation caps the header at 100 MB.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

uint64_t ReadLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

bool IsValidUtf8(std::span<const uint8_t> s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = s[i];
    size_t extra;
    if (c < 0x80) extra = 0;
    else if ((c >> 5) == 0x6) extra = 1;
    else if ((c >> 4) == 0xe) extra = 2;
    else if ((c >> 3) == 0x1e) extra = 3;
    else return false;
    if (extra > s.size() - i - 1) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

// Multiplies without overflow; returns false on overflow.
bool CheckedMul(uint64_t a, uint64_t b, uint64_t* out) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) return false;
  *out = a * b;
  return true;
}

}  // namespace

int64_t SafetensorsTensor::NumElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Result<SafetensorsFile> SafetensorsFile::Parse(std::span<const uint8_t> bytes,
                                               const std::string& origin) {
  if (bytes.size() < 8) {
    return CorruptData(origin + ": file is " + std::to_string(bytes.size()) +
                       " bytes, too short for the 8-byte safetensors header length");
  }
  const uint64_t header_len = ReadLe64(bytes.data());
  if (header_len > kMaxHeaderBytes) {
    return CorruptData(origin + ": header length " + std::to_string(header_len) +
                       " exceeds the 100 MB limit");
  }
  if (header_len > bytes.size() - 8) {
    return CorruptData(origin + ": header length " + std::to_string(header_len) +
                       " runs past the end of the file (" + std::to_string(bytes.size()) +
                       " bytes); the file is truncated or not safetensors");
  }
  auto header_bytes = bytes.subspan(8, header_len);
  if (!IsValidUtf8(header_bytes)) return CorruptData(origin + ": header is not valid UTF-8");
  std::string header_text(header_bytes.begin(), header_bytes.end());
  auto parsed = ParseJson(header_text, origin + " (safetensors header)");
  if (!parsed.ok()) return parsed.status();
  const nlohmann::json& header = *parsed;
  if (!header.is_object()) return CorruptData(origin + ": safetensors header is not a JSON object");

  SafetensorsFile file;
  file.origin_ = origin;
  const auto data = bytes.subspan(8 + header_len);
  struct Range {
    uint64_t begin, end;
    size_t tensor;
  };
  std::vector<Range> ranges;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) return CorruptData(origin + ": __metadata__ is not an object");
      for (const auto& [key, value] : info.items()) {
        if (!value.is_string()) {
          return CorruptData(origin + ": __metadata__ field '" + key + "' is not a string");
        }
        file.metadata_[key] = value.get<std::string>();
      }
      continue;
    }
    const std::string where = origin + ": tensor '" + name + "'";
    if (!info.is_object()) return CorruptData(where + " has no info object");
    auto dtype_it = info.find("dtype");
    auto shape_it = info.find("shape");
    auto offsets_it = info.find("data_offsets");
    if (dtype_it == info.end() || !dtype_it->is_string()) {
      return CorruptData(where + " has no string field 'dtype'");
    }
    auto dtype = DTypeFromName(dtype_it->get<std::string>());
    if (!dtype) {
      return CorruptData(where + " has unknown dtype '" + dtype_it->get<std::string>() + "'");
    }
    if (shape_it == info.end() || !shape_it->is_array()) {
      return CorruptData(where + " has no array field 'shape'");
    }
    if (offsets_it == info.end() || !offsets_it->is_array() || offsets_it->size() != 2 ||
        !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned()) {
      return CorruptData(where + " field 'data_offsets' is not two non-negative integers");
    }
    SafetensorsTensor tensor;
    tensor.name = name;
    tensor.dtype = *dtype;
    uint64_t elements = 1;
    for (const auto& dim : *shape_it) {
      if (!dim.is_number_unsigned()) {
        return CorruptData(where + " has a shape entry that is not a non-negative integer");
      }
      uint64_t d = dim.get<uint64_t>();
      if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          !CheckedMul(elements, d, &elements)) {
        return CorruptData(where + " has a shape whose element count overflows");
      }
      tensor.shape.push_back(static_cast<int64_t>(d));
    }
    uint64_t bits;
    if (!CheckedMul(elements, static_cast<uint64_t>(DTypeBits(*dtype)), &bits)) {
      return CorruptData(where + " has a shape whose byte size overflows");
    }
    const uint64_t begin = (*offsets_it)[0].get<uint64_t>();
    const uint64_t end = (*offsets_it)[1].get<uint64_t>();
    if (end < begin || bits % 8 != 0 || end - begin != bits / 8) {
      return CorruptData(where + " data_offsets [" + std::to_string(begin) + ", " +
                         std::to_string(end) + "] do not match dtype " +
                         std::string(DTypeName(*dtype)) + " and its shape");
    }
    ranges.push_back({begin, end, file.tensors_.size()});
    file.tensors_.push_back(std::move(tensor));
  }
  // The tensors must tile the data buffer exactly: sorted by offset, each starts
  // where the previous one ended, and the last ends at the end of the file.
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected_begin = 0;
  for (const Range& r : ranges) {
    if (r.begin != expected_begin) {
      return CorruptData(origin + ": tensor '" + file.tensors_[r.tensor].name +
                         "' starts at byte " + std::to_string(r.begin) + " of the data, expected " +
                         std::to_string(expected_begin) + " (gap or overlap)");
    }
    expected_begin = r.end;
  }
  if (expected_begin != data.size()) {
    return CorruptData(origin + ": data section is " + std::to_string(data.size()) +
                       " bytes but the tensors describe " + std::to_string(expected_begin) +
                       (expected_begin > data.size() ? " (file truncated)" : " (trailing bytes)"));
  }
  std::vector<SafetensorsTensor> ordered;
  ordered.reserve(ranges.size());
  for (const Range& r : ranges) {
    SafetensorsTensor t = std::move(file.tensors_[r.tensor]);
    t.data = data.subspan(r.begin, r.end - r.begin);
    file.index_[t.name] = ordered.size();
    ordered.push_back(std::move(t));
  }
  file.tensors_ = std::move(ordered);
  return file;
}

Result<SafetensorsFile> SafetensorsFile::Open(const std::string& path) {
  ER_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> map, MappedFile::Open(path));
  std::shared_ptr<MappedFile> shared(std::move(map));
  ER_ASSIGN_OR_RETURN(SafetensorsFile file, Parse(shared->bytes(), path));
  file.map_ = std::move(shared);
  return file;
}

const SafetensorsTensor* SafetensorsFile::Find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

Result<SafetensorsCheckpoint> SafetensorsCheckpoint::Open(const std::string& path) {
  SafetensorsCheckpoint checkpoint;
  std::vector<std::string> files;
  if (!IsDirectory(path)) {
    files.push_back(path);
  } else if (FileExists(JoinPath(path, "model.safetensors"))) {
    files.push_back(JoinPath(path, "model.safetensors"));
  } else {
    const std::string index_path = JoinPath(path, "model.safetensors.index.json");
    if (!FileExists(index_path)) {
      return NotFound(path + ": no model.safetensors or model.safetensors.index.json");
    }
    ER_ASSIGN_OR_RETURN(nlohmann::json index, ReadJsonFile(index_path));
    auto map_it = index.is_object() ? index.find("weight_map") : index.end();
    if (map_it == index.end() || !map_it->is_object()) {
      return CorruptData(index_path + ": missing object field 'weight_map'");
    }
    std::set<std::string> seen;
    for (const auto& [tensor, shard] : map_it->items()) {
      if (!shard.is_string()) {
        return CorruptData(index_path + ": weight_map entry '" + tensor + "' is not a file name");
      }
      const std::string name = shard.get<std::string>();
      if (name.empty() || name.find('/') != std::string::npos || name == "..") {
        return CorruptData(index_path + ": weight_map entry '" + tensor +
                           "' names an invalid shard file '" + name + "'");
      }
      if (seen.insert(name).second) files.push_back(JoinPath(path, name));
    }
    if (files.empty()) return CorruptData(index_path + ": weight_map is empty");
  }
  checkpoint.files_.reserve(files.size());
  for (const std::string& file : files) {
    auto opened = SafetensorsFile::Open(file);
    if (!opened.ok()) {
      if (opened.status().code() == StatusCode::kNotFound && files.size() > 1) {
        return NotFound(file + ": shard listed in model.safetensors.index.json does not exist");
      }
      return opened.status();
    }
    checkpoint.files_.push_back(std::move(opened).value());
  }
  for (const SafetensorsFile& file : checkpoint.files_) {
    for (const SafetensorsTensor& t : file.tensors()) {
      if (!checkpoint.by_name_.emplace(t.name, &t).second) {
        return CorruptData(file.origin() + ": tensor '" + t.name +
                           "' also appears in another shard");
      }
    }
  }
  return checkpoint;
}

const SafetensorsTensor* SafetensorsCheckpoint::Find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<std::string> SafetensorsCheckpoint::Names() const {
  std::vector<std::string> names;
  names.reserve(by_name_.size());
  for (const auto& [name, tensor] : by_name_) names.push_back(name);
  return names;
}

std::string SerializeSafetensors(const std::vector<TensorToWrite>& tensors,
                                 const std::map<std::string, std::string>& metadata) {
  // nlohmann::ordered_json keeps insertion order, so tensors appear in the order
  // given with offsets increasing.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const TensorToWrite& t : tensors) {
    header[t.name] = {{"dtype", DTypeName(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string header_text = header.dump();
  header_text.append((8 - header_text.size() % 8) % 8, ' ');
  std::string out;
  out.reserve(8 + header_text.size() + offset);
  const uint64_t n = header_text.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out += header_text;
  for (const TensorToWrite& t : tensors) {
    out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size());
  }
  return out;
}

Status WriteSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  return WriteFileAtomic(path, SerializeSafetensors(tensors, metadata));
}

}  // namespace edgereason
