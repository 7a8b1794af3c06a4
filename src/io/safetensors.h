// safetensors files: parsing (single files and sharded checkpoints through
// model.safetensors.index.json), memory-mapped reading, and atomic writing.
//
// Format: 8-byte little-endian header length N, N bytes of UTF-8 JSON
// {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [b, e]}},
// then the data buffer; offsets are relative to the start of the buffer.
// Validation follows the reference implementation: the header must be a JSON
// object, every tensor's byte length must equal dtype size × shape product
// (without overflow), the tensors must tile the data buffer exactly, with no
// gaps, overlaps or trailing bytes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/status.h"
#include "tensor/dtype.h"

namespace edgereason {

// One tensor of a parsed file. `data` points into the parsed bytes (the map).
struct SafetensorsTensor {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::span<const uint8_t> data;

  int64_t NumElements() const;
};

// A parsed view over safetensors bytes. Does not own the bytes unless opened
// from a file (then it owns the map). Immutable after parsing: thread-safe.
class SafetensorsFile {
 public:
  // Parses bytes owned by the caller, who keeps them alive. `origin` names the
  // source in error messages.
  static Result<SafetensorsFile> Parse(std::span<const uint8_t> bytes, const std::string& origin);
  // Maps and parses a file.
  static Result<SafetensorsFile> Open(const std::string& path);

  // Tensors in header order of their data offsets.
  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* Find(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  std::shared_ptr<MappedFile> map_;  // null when parsing caller-owned bytes
  std::vector<SafetensorsTensor> tensors_;
  std::map<std::string, size_t> index_;  // name -> position in tensors_
  std::map<std::string, std::string> metadata_;
};

// Every tensor of a checkpoint directory: model.safetensors, or the shards listed
// by model.safetensors.index.json ("weight_map": name -> file). Also accepts a
// path to a single .safetensors file.
class SafetensorsCheckpoint {
 public:
  static Result<SafetensorsCheckpoint> Open(const std::string& path);

  const SafetensorsTensor* Find(const std::string& name) const;
  std::vector<std::string> Names() const;
  // All files, in the order they were opened.
  const std::vector<SafetensorsFile>& files() const { return files_; }

 private:
  std::vector<SafetensorsFile> files_;
  std::map<std::string, const SafetensorsTensor*> by_name_;
};

// A tensor to write: raw little-endian bytes of dtype × shape.
struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::span<const uint8_t> data;
};

// Serialises tensors (in the order given, 8-byte aligned header padded with
// spaces, as the reference writer does) and writes the file atomically.
std::string SerializeSafetensors(const std::vector<TensorToWrite>& tensors,
                                 const std::map<std::string, std::string>& metadata = {});
Status WriteSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                        const std::map<std::string, std::string>& metadata = {});

}  // namespace edgereason
