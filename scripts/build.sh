#!/usr/bin/env bash
# Configures and builds one flavour: `release` (build/) or `asan` (build-asan/,
# AddressSanitizer + UndefinedBehaviorSanitizer).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
jobs=${JOBS:-$(nproc)}
case "$flavour" in
  release) dir=build;      flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  # -O1 and line tables only (-g1): sanitizer reports keep their file:line
  # stacks, and a typical test file compiles in 7 s instead of 16 (2-core CI).
  asan)    dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGEREASON_SANITIZE=ON -DEDGEREASON_BUILD_BENCH=OFF
                      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
                      # libtorch is not instrumented: the trainer and its tests run in release only.
                      -DEDGEREASON_BUILD_TRAINER=OFF) ;;
  *) echo "build.sh: unknown flavour '$flavour' (release or asan)" >&2; exit 2 ;;
esac
shared=${EDGEREASON_SHARED:-$PWD/../shared}
# Test discovery runs the sanitized test programs at build time.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
cmake -S . -B "$dir" -G Ninja "${flags[@]}" -DEDGEREASON_SHARED_DIR="$shared" >/dev/null
cmake --build "$dir" -j "$jobs"
