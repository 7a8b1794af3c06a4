// results.jsonl of an evaluation: one JSON record per finished item, appended
// and flushed as each item finishes, so a killed run loses at most the item it
// was working on. Reopening keeps every complete record, drops a torn last
// line (rewriting the file atomically without it) and reports which items are
// done, so the run resumes without losing or duplicating items.
//
// Not thread-safe; one writer per file.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason {

class EvalResultsFile {
 public:
  static Result<EvalResultsFile> Open(const std::string& path);
  EvalResultsFile(EvalResultsFile&& other) noexcept;
  EvalResultsFile& operator=(EvalResultsFile&&) = delete;
  ~EvalResultsFile();

  // Records read back and appended, in file order, one per item index.
  const std::vector<nlohmann::json>& records() const { return records_; }
  bool IsDone(int64_t index) const { return done_.count(index) > 0; }
  // Appends one record (which must have an integer "index") and flushes it.
  Status Append(const nlohmann::json& record);

 private:
  EvalResultsFile(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}

  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<nlohmann::json> records_;
  std::set<int64_t> done_;
};

// The complete records of a results file, read without changing it (a report
// over someone's finished run must not rewrite it): a torn last line and
// duplicate indexes are skipped as Open skips them. A missing file is an error.
Result<std::vector<nlohmann::json>> ReadEvalResults(const std::string& path);

}  // namespace edgereason
