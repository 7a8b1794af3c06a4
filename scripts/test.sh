#!/usr/bin/env bash
# Sets up, builds and runs every test: first the release build, then the same
# suite under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
for flavour in release asan; do
  echo "== $flavour build"
  scripts/build.sh "$flavour"
  dir=build; [[ $flavour == asan ]] && dir=build-asan
  echo "== $flavour tests"
  ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 900
done
