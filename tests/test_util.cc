#include "test_util.h"

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

namespace edgereason::test {

namespace {

// Every directory MakeTempDir hands out lives under one per-process root,
// removed when the process exits if every test in it passed (kept, and its
// path printed, when one failed, to look at what the test left). Without
// this each run of the suite left ~200 directories, hundreds of MB, in /tmp.
class TempRoot {
 public:
  const std::filesystem::path& path() {
    if (path_.empty()) {
      std::random_device rd;
      const auto base = std::filesystem::temp_directory_path();
      for (int attempt = 0; attempt < 100 && path_.empty(); ++attempt) {
        auto dir = base / ("edgereason-test-" + std::to_string(rd()));
        std::error_code ec;
        if (std::filesystem::create_directory(dir, ec)) path_ = dir;
      }
    }
    return path_;
  }
  ~TempRoot() {
    if (path_.empty()) return;
    const ::testing::UnitTest* unit = ::testing::UnitTest::GetInstance();
    if (unit != nullptr && !unit->Passed()) {
      std::fprintf(stderr, "test directories kept for inspection: %s\n", path_.c_str());
      return;
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

 private:
  std::filesystem::path path_;
};

}  // namespace

std::string MakeTempDir(const std::string& prefix) {
  // Constructed after gtest's UnitTest (tests run inside it), so destroyed first.
  static TempRoot root;
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto dir = root.path() / (prefix + "-" + std::to_string(rd()));
    std::error_code ec;
    if (std::filesystem::create_directory(dir, ec)) return dir.string();
  }
  return {};
}

std::vector<std::string> HfFixtureDirs() {
  std::vector<std::string> dirs;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(SharedPath("fixtures/hf-reference"), ec)) {
    if (std::filesystem::exists(e.path() / "model" / "config.json")) dirs.push_back(e.path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::string FixtureTestName(const std::string& dir) {
  std::string name = std::filesystem::path(dir).filename();
  std::replace_if(name.begin(), name.end(), [](char ch) { return !std::isalnum(ch); }, '_');
  return name;
}

std::vector<float> F32Values(const SafetensorsTensor& t) {
  std::vector<float> v(t.NumElements());
  std::memcpy(v.data(), t.data.data(), v.size() * sizeof(float));
  return v;
}

std::vector<int32_t> TokenIds(const SafetensorsTensor& t) {
  std::vector<int32_t> v(t.NumElements());
  for (size_t i = 0; i < v.size(); ++i) {
    int64_t x;
    std::memcpy(&x, t.data.data() + 8 * i, 8);
    v[i] = static_cast<int32_t>(x);
  }
  return v;
}

float MaxAbsDiff(const float* a, const float* b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

CommandResult RunCommand(const std::string& command, bool merge_stderr) {
  CommandResult result;
  std::string full = command + (merge_stderr ? " 2>&1" : "");
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), n);
  }
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace edgereason::test
