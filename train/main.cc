// edgereason-train: see `edgereason-train --help`.
#include "train/cli.h"

int main(int argc, char** argv) { return edgereason::train::RunCli(argc, argv); }
