#!/usr/bin/env bash
# The main job on the built-in default: sets up, builds, and runs a generation.
# Until the trained demo bundle exists this makes a small random-weight model
# with a byte-level tokenizer and a chat template, and generates from it (the
# text is noise; the point is the whole path: load, tokenize, template, decode).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
model=build/demo-model
[[ -f $model/config.json ]] || build/edgereason make-random-model --shape tiny --out "$model"
build/edgereason generate --model "$model" --chat "What is 2+3?" -n 24 --seed 7 --json
