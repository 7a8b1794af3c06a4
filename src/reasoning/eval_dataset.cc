#include "reasoning/eval_dataset.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/file.h"

namespace edgereason {
namespace {

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// A JSON number as an answer: 27.0 -> "27", 0.5 -> "0.5".
Result<std::string> NumberText(const nlohmann::json& v, const std::string& where) {
  if (v.is_number_integer()) return v.dump();
  const double d = v.get<double>();
  if (!std::isfinite(d)) return InvalidArgument(where + ": field 'answer' is not finite");
  if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", d);
  return std::string(buf);
}

std::string ScalarText(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

Result<EvalItem> ParseEvalRow(const std::string& line, const std::string& where) {
  if (line.size() > kMaxEvalRowBytes) {
    return InvalidArgument(where + ": the row has " + std::to_string(line.size()) +
                           " bytes, more than the limit of " + std::to_string(kMaxEvalRowBytes));
  }
  nlohmann::json row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (row.is_discarded()) return InvalidArgument(where + ": not valid JSON");
  if (!row.is_object()) return InvalidArgument(where + ": the row must be a JSON object");
  EvalItem item;
  for (const char* key : {"problem", "question"}) {
    if (auto it = row.find(key); it != row.end()) {
      if (!it->is_string()) return InvalidArgument(where + ": field '" + key + "' must be a string");
      item.problem = it->get<std::string>();
      break;
    }
  }
  if (Trim(item.problem).empty()) {
    return InvalidArgument(where + ": no problem text (field 'problem' or 'question')");
  }
  auto answer = row.find("answer");
  if (answer == row.end()) return InvalidArgument(where + ": field 'answer' is missing");
  if (answer->is_number()) {
    ER_ASSIGN_OR_RETURN(item.gold, NumberText(*answer, where));
  } else if (answer->is_string()) {
    item.gold = answer->get<std::string>();
    // GSM8K: the worked solution ends with "#### <answer>".
    if (const size_t hash = item.gold.rfind("####"); hash != std::string::npos) {
      item.gold = item.gold.substr(hash + 4);
    }
    item.gold = Trim(item.gold);
  } else {
    return InvalidArgument(where + ": field 'answer' must be a string or a number");
  }
  if (item.gold.empty()) return InvalidArgument(where + ": field 'answer' is empty");
  for (const char* key : {"id", "unique_id"}) {
    if (auto it = row.find(key); it != row.end() && (it->is_string() || it->is_number())) {
      item.id = ScalarText(*it);
      break;
    }
  }
  for (const char* key : {"difficulty", "level"}) {
    if (auto it = row.find(key); it != row.end() && (it->is_string() || it->is_number())) {
      item.difficulty = ScalarText(*it);
      break;
    }
  }
  return item;
}

Result<std::vector<EvalItem>> LoadEvalDataset(const std::string& path) {
  ER_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::vector<EvalItem> items;
  size_t start = 0;
  int64_t line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++line_number;
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (Trim(line).empty()) continue;
    ER_ASSIGN_OR_RETURN(EvalItem item,
                        ParseEvalRow(line, path + ":" + std::to_string(line_number)));
    item.index = static_cast<int64_t>(items.size());
    if (item.id.empty()) item.id = "line-" + std::to_string(line_number);
    items.push_back(std::move(item));
  }
  if (items.empty()) return InvalidArgument(path + ": the dataset has no rows");
  return items;
}

}  // namespace edgereason
