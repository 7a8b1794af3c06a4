#include "reasoning/eval_results_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/file.h"

namespace edgereason {

namespace {

// The file's complete records, one per index, and whether anything (a torn
// last line, a duplicate) was left out.
struct ParsedResults {
  std::vector<nlohmann::json> records;
  std::set<int64_t> done;
  std::string kept;  // the lines of `records`, to rewrite the file without the rest
  bool dropped = false;
};

Result<ParsedResults> ParseResults(const std::string& path) {
  ParsedResults p;
  ER_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  size_t start = 0;
  int64_t line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    const bool complete = end != std::string::npos;
    if (!complete) end = text.size();
    ++line_number;
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    const bool valid = !record.is_discarded() && record.is_object() &&
                       record.contains("index") && record["index"].is_number_integer();
    if (!valid || !complete) {
      // Only the last line can be torn by a kill; anything else is damage.
      if (start < text.size()) {
        return CorruptData(path + ":" + std::to_string(line_number) +
                           ": not a results record; remove the file to start over");
      }
      p.dropped = true;
      continue;
    }
    const int64_t index = record["index"].get<int64_t>();
    if (!p.done.insert(index).second) {
      p.dropped = true;  // a duplicate: keep the first
      continue;
    }
    p.kept += line + "\n";
    p.records.push_back(std::move(record));
  }
  return p;
}

}  // namespace

Result<EvalResultsFile> EvalResultsFile::Open(const std::string& path) {
  ParsedResults parsed;
  if (FileExists(path)) {
    ER_ASSIGN_OR_RETURN(parsed, ParseResults(path));
    if (parsed.dropped) ER_RETURN_IF_ERROR(WriteFileAtomic(path, parsed.kept));
  }
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) {
    return IoError(path + ": cannot open for appending (" + std::strerror(errno) + ")");
  }
  EvalResultsFile f(path, file);
  f.records_ = std::move(parsed.records);
  f.done_ = std::move(parsed.done);
  return f;
}

Result<std::vector<nlohmann::json>> ReadEvalResults(const std::string& path) {
  if (!FileExists(path)) return NotFound(path + ": no such results file");
  ER_ASSIGN_OR_RETURN(ParsedResults parsed, ParseResults(path));
  return std::move(parsed.records);
}

EvalResultsFile::EvalResultsFile(EvalResultsFile&& other) noexcept
    : path_(std::move(other.path_)),
      file_(other.file_),
      records_(std::move(other.records_)),
      done_(std::move(other.done_)) {
  other.file_ = nullptr;
}

EvalResultsFile::~EvalResultsFile() {
  if (file_ != nullptr) std::fclose(file_);
}

Status EvalResultsFile::Append(const nlohmann::json& record) {
  if (!record.contains("index") || !record["index"].is_number_integer()) {
    return Internal("eval results: a record without an index");
  }
  const int64_t index = record["index"].get<int64_t>();
  if (done_.count(index)) return Internal("eval results: item " + std::to_string(index) + " twice");
  // One write of the whole line, then flush to the kernel and to disk.
  const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    return IoError(path_ + ": write failed (" + std::strerror(errno) + ")");
  }
  ::fsync(::fileno(file_));
  done_.insert(index);
  records_.push_back(record);
  return Status::Ok();
}

}  // namespace edgereason
