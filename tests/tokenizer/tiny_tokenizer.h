// A small synthetic byte-level BPE tokenizer.json for rule-level tests: the
// 256 byte tokens (ids 0..255) plus a few merges, built as JSON so that each
// test can alter one field and write it to a temp dir.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace edgereason::test {

// The byte-level spelling of `text` ("Ġ" for a space, ...).
std::string ByteLevel(const std::string& text);

// Merges (in rank order) as "left right" pairs over byte-level strings; each
// result gets the next id from 256 on.
nlohmann::json TinyTokenizerJson(const std::vector<std::pair<std::string, std::string>>& merges);

// Writes `doc` as dir/tokenizer.json in a fresh temp dir and returns the dir.
std::string WriteTokenizerDir(const nlohmann::json& doc);

}  // namespace edgereason::test
