#include "cli_common.h"

#include <cstdio>
#include <iostream>

#include "base/file.h"

namespace edgereason::cli {

int Fail(const std::string& command, const Status& status) {
  std::cerr << "edgereason " << command << ": " << status.message() << "\n";
  return 1;
}

Result<std::vector<int32_t>> ParseTokenIds(const std::string& text) {
  std::vector<int32_t> ids;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == ',' || text[i] == '\t' || text[i] == '\n') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    if (j == i || j - i > 10 || (j < text.size() && text[j] != ' ' && text[j] != ',' &&
                                 text[j] != '\t' && text[j] != '\n')) {
      size_t end = text.find_first_of(" ,\t\n", i);
      return InvalidArgument("--ids: '" + text.substr(i, end == std::string::npos ? end : end - i) +
                             "' is not a token id (expected non-negative integers)");
    }
    const int64_t v = std::stoll(text.substr(i, j - i));
    if (v > INT32_MAX) return InvalidArgument("--ids: token id " + text.substr(i, j - i) + " is too large");
    ids.push_back(static_cast<int32_t>(v));
    i = j;
  }
  if (ids.empty()) return InvalidArgument("--ids: no token ids given");
  return ids;
}

Result<std::unique_ptr<Tokenizer>> LoadTokenizerIfPresent(const std::string& dir) {
  const bool has_any = FileExists(JoinPath(dir, "tokenizer.json")) ||
                       FileExists(JoinPath(dir, "vocab.json")) ||
                       FileExists(JoinPath(dir, "merges.txt"));
  if (!has_any) return std::unique_ptr<Tokenizer>();
  return Tokenizer::LoadFromDirectory(dir);
}

Result<std::string> DecodeKnown(const Tokenizer& tokenizer, const std::vector<int32_t>& ids) {
  std::vector<int32_t> known;
  for (int32_t id : ids) {
    if (id >= 0 && id < tokenizer.vocab_size() && tokenizer.IdToToken(id).has_value()) {
      known.push_back(id);
    }
  }
  return tokenizer.Decode(known);
}

Result<std::shared_ptr<const Model>> LoadModelFlag(const std::string& dir, const std::string& dtype) {
  ModelLoadOptions load;
  if (!dtype.empty()) {
    load.weight_format = WeightFormatFromName(dtype);
    if (!load.weight_format) {
      return InvalidArgument("--dtype '" + dtype + "' is not one of f32, bf16, q8_0, q4_0, q4_pc");
    }
  }
  return Model::Load(dir, load);
}

Result<KvDType> ParseKvDTypeFlag(const std::string& name) {
  auto dtype = KvDTypeFromName(name);
  if (!dtype) return InvalidArgument("--kv-dtype '" + name + "' is not one of f32, f16, bf16, int8");
  return *dtype;
}

Result<int16_t> AddAdapterFlag(Engine& engine, const std::string& dir, const std::string& lora_dtype) {
  auto format = WeightFormatFromName(lora_dtype);
  if (!format) return InvalidArgument("--lora-dtype '" + lora_dtype + "' is not one of f32, bf16, q8_0, q4_0");
  ER_ASSIGN_OR_RETURN(auto adapter,
                      LoraAdapter::Load(dir, engine.model().adapter_shape(), {.format = *format}));
  return engine.AddAdapter(std::move(adapter));
}

void PrintJson(const nlohmann::ordered_json& value) {
  std::cout << value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  std::cout.flush();
}

}  // namespace edgereason::cli
