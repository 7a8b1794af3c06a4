// Evaluation datasets as JSONL, one problem per line, in the formats of the
// shared data and the project's own:
//   MATH500   {"problem", "answer", "solution"?, "level"?, "subject"?, "unique_id"?}
//   GSM8K     {"question", "answer": "... #### 18"}  (gold = the text after ####)
//   AIME      {"problem" | "question", "answer": "033"}  (string)
//   AMC       {"problem", "answer": 27.0}  (a number)
//   own JSONL {"problem", "answer", "difficulty"?}
// The problem comes from "problem", else "question"; an "id" or "unique_id"
// names the item, else its line number. Blank lines are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace edgereason {

struct EvalItem {
  int64_t index = 0;     // position among the dataset's items, from 0
  std::string id;
  std::string problem;
  std::string gold;      // the reference final answer as text
  std::string difficulty;  // "level"/"difficulty" when present, as text
};

// Reads every item; a malformed row is an error naming the file and line.
// Rows longer than kMaxEvalRowBytes are refused.
inline constexpr size_t kMaxEvalRowBytes = 1 << 20;
Result<std::vector<EvalItem>> LoadEvalDataset(const std::string& path);
// One row (exposed for tests); `where` names it in errors.
Result<EvalItem> ParseEvalRow(const std::string& line, const std::string& where);

}  // namespace edgereason
