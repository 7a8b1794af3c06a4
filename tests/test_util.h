// Helpers shared by the tests: where the reference data lives, reading
// reference safetensors, running the CLI.
#pragma once

#include <cstdlib>
#include <string>

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

// A fresh empty directory under the system temp dir, unique per call.
std::string MakeTempDir(const std::string& prefix);

// Runs a shell command, capturing stdout (and stderr when merge_stderr).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& command, bool merge_stderr = false);

}  // namespace edgereason::test
