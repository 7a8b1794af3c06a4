#!/usr/bin/env bash
# The main job on the built-in default: sets up, builds, and runs the reasoning
# pipeline (`edgereason run`) on the demo bundle (models/demo: a small
# Qwen2-architecture model trained from scratch with edgereason-train on the
# synthetic reasoning world; see models/demo/MODEL_CARD.md) for a few
# questions, easy and hard. For each it shows the route the switcher chose,
# the answer, the tokens generated and the timings.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
bundle=models/demo
for question in "Copy this number: 52871" "Reverse the digits of 4825." "What day is 2 days after Friday?" \
                "What is 37 + 45?" "Compute (23 - 9) × 4." "What is 45 - 17 + 36?" "Evaluate 3 × (41 - 29) + 8."; do
  echo "=== $question"
  build/edgereason run --bundle "$bundle" --threads 2 "$question"
done
