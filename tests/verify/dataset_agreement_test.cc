// The checker against the reference data: the extracted equivalence cases of
// Math-Verify, lighteval, Hendrycks MATH and open-instruct, MATH500 solutions
// against their answers, and GSM8K answers against themselves.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_util.h"
#include "verify/answer_checker.h"

namespace edgereason {
namespace {

using nlohmann::json;

std::vector<json> ReadJsonl(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> rows;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) rows.push_back(json::parse(line));
  }
  return rows;
}

// The comparison settings a case's upstream test used, as CheckOptions.
// Every config in the shared file maps onto an option: match_types latex /
// expr choose where answers may come from, NativeLetters asks for a choice
// letter, precision is the number of digits, and the Hendrycks MATH harness
// compares normalized strings, so its lists are ordered.
CheckOptions OptionsFor(const json& row) {
  CheckOptions options;
  const json& config = row.value("config", json::object());
  if (config.contains("match_types") && config["match_types"].is_array()) {
    bool latex = false, expr = false, letters = false;
    for (const auto& type : config["match_types"]) {
      latex |= type == "latex";
      expr |= type == "expr";
      letters |= type == "NativeLetters";
    }
    options.extract_latex = latex;
    options.extract_plain_numbers = expr;
    if (letters) options.kind = CheckOptions::AnswerKind::kChoiceLetter;
  }
  if (config.contains("precision") && config["precision"].is_number_integer()) {
    options.precision = config["precision"].get<int>();
  }
  if (row["source"].get<std::string>().starts_with("hendrycks/math")) options.ordered_lists = true;
  return options;
}

std::string SourceName(const json& row) {
  std::string source = row["source"];
  return source.substr(0, source.find('@'));
}

TEST(DatasetAgreement, MathEquivalenceCases) {
  auto rows = ReadJsonl(test::SharedPath("data/math-equivalence/cases.jsonl"));
  ASSERT_GT(rows.size(), 200u);
  std::map<std::string, std::pair<int, int>> per_source;  // agreed, total
  int agreed = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& row = rows[i];
    CheckResult r = CheckAnswer(row["gold"].get<std::string>(), row["pred"].get<std::string>(),
                                OptionsFor(row));
    bool ok = r.match == row["match"].get<bool>();
    auto& [source_agreed, source_total] = per_source[SourceName(row)];
    ++source_total;
    if (ok) {
      ++agreed;
      ++source_agreed;
      continue;
    }
    std::cout << "disagree line " << i + 1 << " (" << row["test"].get<std::string>()
              << "): expected " << row["match"] << " got " << r.verdict << "\n  gold: "
              << r.gold_extracted << "\n  pred: " << r.pred_extracted << "\n";
  }
  for (const auto& [source, counts] : per_source) {
    std::cout << source << ": " << counts.first << "/" << counts.second << "\n";
  }
  double rate = double(agreed) / rows.size();
  std::cout << "overall: " << agreed << "/" << rows.size() << " = " << rate * 100 << "%\n";
  EXPECT_GE(rate, 0.95);
}

TEST(DatasetAgreement, Math500SolutionsMatchTheirAnswers) {
  auto rows = ReadJsonl(test::SharedPath("data/math500/test.jsonl"));
  ASSERT_EQ(rows.size(), 500u);
  int matched = 0;
  double slowest_ms = 0;
  for (const json& row : rows) {
    auto start = std::chrono::steady_clock::now();
    CheckResult r = CheckAnswer(row["answer"].get<std::string>(), row["solution"].get<std::string>());
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    slowest_ms = std::max(slowest_ms, ms);
    if (r.match) { ++matched; continue; }
    std::cout << "exception " << row["unique_id"].get<std::string>() << ": " << r.verdict
              << "\n  answer:    " << row["answer"].get<std::string>()
              << "\n  extracted: " << r.pred_extracted << "\n";
  }
  std::cout << "MATH500: " << matched << "/500, slowest check " << slowest_ms << " ms\n";
  EXPECT_GE(matched, 495);
  EXPECT_LT(slowest_ms, 1000);
}

TEST(DatasetAgreement, Gsm8kAnswersMatchThemselvesAndTheirNumber) {
  auto rows = ReadJsonl(test::SharedPath("data/gsm8k/test.jsonl"));
  ASSERT_EQ(rows.size(), 1319u);
  int matched = 0;
  for (const json& row : rows) {
    std::string answer = row["answer"];
    std::string number = answer.substr(answer.rfind("####") + 4);
    number.erase(std::remove(number.begin(), number.end(), ','), number.end());
    std::optional<std::string> extracted = ExtractAnswer(answer);
    CheckResult self = CheckAnswer(answer, answer);
    CheckResult plain = CheckAnswer(answer, number);
    CheckResult reverse = CheckAnswer(number, answer);
    if (extracted && self.match && plain.match && reverse.match) { ++matched; continue; }
    std::cout << "GSM8K exception: '" << number << "' extracted '" << extracted.value_or("")
              << "' " << self.verdict << "/" << plain.verdict << "/" << reverse.verdict << "\n";
  }
  std::cout << "GSM8K: " << matched << "/" << rows.size() << "\n";
  EXPECT_EQ(matched, int(rows.size()));
}

}  // namespace
}  // namespace edgereason
