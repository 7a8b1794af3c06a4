// Helpers shared by the tests: where the reference data lives, reading
// reference safetensors, running the CLI.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/safetensors.h"

namespace edgereason::test {

// Path under the shared reference data (../shared by default; the
// EDGEREASON_SHARED environment variable overrides it).
inline std::string SharedPath(const std::string& relative) {
  const char* env = std::getenv("EDGEREASON_SHARED");
  std::string root = env != nullptr ? env : EDGEREASON_SHARED_DIR;
  return root + "/" + relative;
}

// Path under the project's source tree.
inline std::string SourcePath(const std::string& relative) {
  return std::string(EDGEREASON_SOURCE_DIR) + "/" + relative;
}

// The built `edgereason` CLI binary.
inline std::string CliPath() { return EDGEREASON_CLI_PATH; }

// A fresh empty directory under the system temp dir, unique per call; all of
// a test process's directories are removed when it exits with every test
// passed.
std::string MakeTempDir(const std::string& prefix);

// The transformers fixture directories under shared/fixtures/hf-reference
// (every one with a model/config.json, whatever its name or shape), sorted.
std::vector<std::string> HfFixtureDirs();
// A test-name suffix for a fixture directory: its base name with every
// character that is not alphanumeric replaced by '_'.
std::string FixtureTestName(const std::string& dir);
// A reference array as f32 values / as token ids (stored I64).
std::vector<float> F32Values(const SafetensorsTensor& t);
std::vector<int32_t> TokenIds(const SafetensorsTensor& t);
// Largest |a[i] - b[i]|.
float MaxAbsDiff(const float* a, const float* b, size_t n);

// Runs a shell command, capturing stdout (and stderr when merge_stderr).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& command, bool merge_stderr = false);

}  // namespace edgereason::test
