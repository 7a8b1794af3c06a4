// Whole-file reads, read-only memory maps and atomic writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace edgereason {

// Reads the whole file as bytes.
Result<std::string> ReadFile(const std::string& path);

// Writes `bytes` to `path` without ever leaving a half-written file behind:
// the data goes to a temporary file in the same directory which is fsync'd and
// renamed over `path`.
Status WriteFileAtomic(const std::string& path, std::string_view bytes);

// Creates `dir` and its missing parents (nothing to do when it exists).
Status CreateDirectories(const std::string& dir);

bool FileExists(const std::string& path);
bool IsDirectory(const std::string& path);
// Joins two path components with exactly one '/'.
std::string JoinPath(std::string_view dir, std::string_view name);

// Gives the whole pages inside [data, data + bytes) of a read-only file map
// back to the kernel (madvise MADV_DONTNEED): for a tensor repacked into its
// own memory at load, so its mapped pages stop counting in the process's
// memory. Reading them again reads the file. Only for ranges of a MappedFile.
void DropMappedPages(const void* data, size_t bytes);

// A read-only memory map of a whole file. Move-only; unmaps on destruction.
// Thread-safety: immutable after Open, safe to read from any thread.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const uint8_t* data_;
  size_t size_;
};

}  // namespace edgereason
