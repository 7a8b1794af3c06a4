#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "test_util.h"

namespace edgereason {
namespace {

std::vector<uint8_t> FromHex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string ToHex(std::span<const uint8_t> bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::vector<nlohmann::json> ReadCases() {
  std::ifstream in(test::SharedPath("data/safetensors/cases.jsonl"));
  std::vector<nlohmann::json> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

TEST(SafetensorsTest, ReferenceCasesParseOrFailAsExpected) {
  auto cases = ReadCases();
  ASSERT_EQ(cases.size(), 21u) << "cannot read " << test::SharedPath("data/safetensors/cases.jsonl");
  int deserialize_cases = 0;
  for (const auto& row : cases) {
    if (row["kind"] != "deserialize") continue;
    ++deserialize_cases;
    const std::string name = row["name"];
    std::vector<uint8_t> bytes = FromHex(row["hex"]);
    auto parsed = SafetensorsFile::Parse(bytes, name);
    if (row["expect"] == "error") {
      ASSERT_FALSE(parsed.ok()) << name << " should be rejected (" << row["error"] << ")";
      EXPECT_NE(parsed.status().message().find(name), std::string::npos)
          << "error should name its origin: " << parsed.status().message();
      continue;
    }
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status().ToString();
    const auto& expected = row["asserted"]["tensors"];
    EXPECT_EQ(parsed->tensors().size(), expected.size()) << name;
    for (const auto& [tensor_name, want] : expected.items()) {
      const SafetensorsTensor* t = parsed->Find(tensor_name);
      ASSERT_NE(t, nullptr) << name << ": missing " << tensor_name;
      EXPECT_EQ(DTypeName(t->dtype), want["dtype"].get<std::string>());
      EXPECT_EQ(t->shape, want["shape"].get<std::vector<int64_t>>());
      EXPECT_EQ(ToHex(t->data), want["data_hex"].get<std::string>());
    }
  }
  EXPECT_EQ(deserialize_cases, 16);
}

TEST(SafetensorsTest, SerializerMatchesReferenceBytes) {
  for (const auto& row : ReadCases()) {
    if (row["kind"] != "serialize_expected_output") continue;
    const std::string name = row["name"];
    const auto& input = row["asserted"]["serialize_input"];
    std::vector<std::vector<uint8_t>> buffers;
    std::vector<TensorToWrite> tensors;
    for (const auto& [tensor_name, spec] : input.items()) {
      std::vector<uint8_t> data;
      if (spec.contains("values_f32_le")) {
        for (float v : spec["values_f32_le"].get<std::vector<float>>()) {
          auto* p = reinterpret_cast<const uint8_t*>(&v);
          data.insert(data.end(), p, p + 4);
        }
      } else {
        data = FromHex(spec["data_hex"]);
      }
      buffers.push_back(std::move(data));
      tensors.push_back({tensor_name, *DTypeFromName(spec["dtype"].get<std::string>()),
                         spec["shape"].get<std::vector<int64_t>>(), buffers.back()});
    }
    std::map<std::string, std::string> metadata;
    if (row["asserted"]["metadata"].is_object()) {
      metadata = row["asserted"]["metadata"].get<std::map<std::string, std::string>>();
    }
    std::string out = SerializeSafetensors(tensors, metadata);
    std::span<const uint8_t> out_bytes(reinterpret_cast<const uint8_t*>(out.data()), out.size());
    EXPECT_EQ(ToHex(out_bytes), row["hex"].get<std::string>()) << name;
    auto back = SafetensorsFile::Parse(out_bytes, name);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->tensors().size(), tensors.size());
  }
}

TEST(SafetensorsTest, TruncationAtEveryLengthIsRejectedNotCrashed) {
  std::vector<float> values(37, 1.5f);
  std::span<const uint8_t> raw(reinterpret_cast<const uint8_t*>(values.data()), values.size() * 4);
  std::string full = SerializeSafetensors({{"w", DType::kF32, {37}, raw}}, {{"format", "pt"}});
  for (size_t len = 0; len < full.size(); ++len) {
    std::span<const uint8_t> cut(reinterpret_cast<const uint8_t*>(full.data()), len);
    EXPECT_FALSE(SafetensorsFile::Parse(cut, "cut").ok()) << "length " << len;
  }
  std::span<const uint8_t> whole(reinterpret_cast<const uint8_t*>(full.data()), full.size());
  auto ok = SafetensorsFile::Parse(whole, "whole");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->metadata().at("format"), "pt");
}

TEST(SafetensorsTest, ShardedCheckpointThroughIndex) {
  std::string dir = test::MakeTempDir("er-shards");
  float a = 1.0f, b = 2.0f;
  auto bytes_of = [](const float& f) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&f), 4);
  };
  ASSERT_TRUE(WriteSafetensors(JoinPath(dir, "part-1.safetensors"), {{"a", DType::kF32, {1}, bytes_of(a)}}).ok());
  ASSERT_TRUE(WriteSafetensors(JoinPath(dir, "part-2.safetensors"), {{"b", DType::kF32, {1}, bytes_of(b)}}).ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(dir, "model.safetensors.index.json"),
      R"({"metadata": {}, "weight_map": {"a": "part-1.safetensors", "b": "part-2.safetensors"}})").ok());
  auto checkpoint = SafetensorsCheckpoint::Open(dir);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
  ASSERT_NE(checkpoint->Find("b"), nullptr);
  EXPECT_EQ(checkpoint->files().size(), 2u);
  EXPECT_EQ(checkpoint->Names(), (std::vector<std::string>{"a", "b"}));

  ASSERT_TRUE(WriteFileAtomic(JoinPath(dir, "model.safetensors.index.json"),
      R"({"weight_map": {"a": "part-1.safetensors", "c": "missing.safetensors"}})").ok());
  auto missing = SafetensorsCheckpoint::Open(dir);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing.safetensors"), std::string::npos);

  ASSERT_TRUE(WriteFileAtomic(JoinPath(dir, "model.safetensors.index.json"),
      R"({"weight_map": {"a": "../escape.safetensors"}})").ok());
  EXPECT_FALSE(SafetensorsCheckpoint::Open(dir).ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(dir, "model.safetensors.index.json"), "{not json").ok());
  EXPECT_FALSE(SafetensorsCheckpoint::Open(dir).ok());
}

TEST(SafetensorsTest, MissingFilesAreNamed) {
  auto r = SafetensorsFile::Open("/nonexistent/dir/model.safetensors");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/dir/model.safetensors"), std::string::npos);
  std::string dir = test::MakeTempDir("er-empty");
  EXPECT_EQ(SafetensorsCheckpoint::Open(dir).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace edgereason
