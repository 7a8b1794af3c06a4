// The edgereason-train command line: one subcommand per training job.
#pragma once

namespace edgereason::train {

// Parses argv, runs the chosen command, prints errors as one sentence on
// stderr; returns the process exit code.
int RunCli(int argc, char** argv);

}  // namespace edgereason::train
