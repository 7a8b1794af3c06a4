#!/usr/bin/env bash
# The main job on the built-in default: sets up, builds, and runs the reasoning
# pipeline (`edgereason run`) on a few questions, easy and hard.
#
# Until the trained demo bundle exists this makes a small random-weight
# Qwen2-architecture model (byte-level tokenizer, ChatML template) and a
# random bundle around it (reasoning LoRA adapter, switcher and verifier
# heads). The answers are noise; what runs is the whole path: base prefill,
# switcher route, preamble with the adapter on the shared prompt KV, parallel
# streams under a budget cap, verification, vote, and the statistics.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
demo=build/demo
[[ -f $demo/base/config.json ]] || build/edgereason make-random-model --shape tiny --out "$demo/base"
[[ -f $demo/bundle/bundle.json ]] || build/edgereason make-random-bundle --model "$demo/base" --out "$demo/bundle"
for question in "Say hello." "What is 2+3?" "Compute (17 * 4 - 9) * 3 + 12."; do
  echo "=== $question"
  build/edgereason run --bundle "$demo/bundle" --parallel 4 --threads 2 "$question"
done
