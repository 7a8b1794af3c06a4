#!/usr/bin/env bash
# Fuzzes the answer checker (extraction, LaTeX parsing, CAS equivalence) with
# libFuzzer + ASan/UBSan for SECONDS seconds (default 120), seeded with the
# shared answer-equivalence cases and MATH500 answers. Needs clang-14 and
# libclang-rt-14-dev. Crashes and hangs (> 5 s per input) are saved in
# build-fuzz/artifacts/ and fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
shared=${EDGEREASON_SHARED:-$PWD/../shared}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DEDGEREASON_FUZZ=ON \
  -DEDGEREASON_BUILD_TESTS=OFF -DEDGEREASON_BUILD_BENCH=OFF -DEDGEREASON_BUILD_TRAINER=OFF >/dev/null
cmake --build build-fuzz --target answer_checker_fuzz -j "$(nproc)"
corpus=build-fuzz/corpus
mkdir -p "$corpus" build-fuzz/artifacts
/usr/bin/python3 - "$shared" "$corpus" <<'PY'
import json, sys, os
shared, corpus = sys.argv[1], sys.argv[2]
n = 0
for line in open(os.path.join(shared, "data/math-equivalence/cases.jsonl")):
    row = json.loads(line)
    open(os.path.join(corpus, f"eq{n}"), "w").write(row["gold"] + "\n" + row["pred"]); n += 1
for i, line in enumerate(open(os.path.join(shared, "data/math500/test.jsonl"))):
    row = json.loads(line)
    if i % 5 == 0:
        open(os.path.join(corpus, f"m{i}"), "w").write(row["answer"] + "\n" + row["solution"][-400:])
PY
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
build-fuzz/answer_checker_fuzz "$corpus" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=4096 \
  -max_len=4096 -artifact_prefix=build-fuzz/artifacts/ -print_final_stats=1
