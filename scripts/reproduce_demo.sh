#!/usr/bin/env bash
# Measures the paper's results on the demo bundle (models/demo, rebuilt by
# scripts/build_demo.sh) with `edgereason eval` on a held-out test split, and
# writes the report with `edgereason report`.
#
# Usage: scripts/reproduce_demo.sh [--bundle DIR] [--out DIR] [--count N] [--seed S]
#   --bundle  the demo bundle (default models/demo)
#   --out     where eval runs and the report go (default docs/results/demo)
#   --count   test problems per difficulty (default 200)
#   --seed    seed of the test split (default 7; any seed gives a fresh
#             split that never overlaps the training data)
# Every eval run resumes if interrupted (same --out). Per-item records go to
# OUT/runs (not committed); the report, plots and per-run summaries to OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=models/demo out=docs/results/demo count=200 seed=7
while (($#)); do
  case $1 in
    --bundle) bundle=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 0 ;;
    *) echo "reproduce_demo: unknown argument $1" >&2; exit 2 ;;
  esac
done
E=${EDGEREASON:-build/edgereason}
T=${EDGEREASON_TRAIN:-build/edgereason-train}
threads=${EDGEREASON_THREADS:-2}
runs=$out/runs
mkdir -p "$runs"
data=$runs/test.jsonl
$T world --seed "$seed" --split test --count "$count" --out "$data"

caps=32,64,96,128,192,256,384,512,768
ev() { local name=$1; shift; echo "== eval $name" >&2; $E eval --bundle "$bundle" --data "$data" --out "$runs/$name" --threads "$threads" "$@" > /dev/null; }

# The base model alone (chat route, greedy direct answers).
ev base --reasoning off
# SFT vs RL adapter, always reasoning, greedy, one stream, a cap above the
# SFT adapter's longest traces (k = 6 runs to ~600 tokens); the hard-cap table
# grades the same streams cut at each cap.
ev sft --lora "$bundle/adapter_sft" --reasoning on --no-chat --temp 0 --parallel 1 --budget 1024 --caps $caps
ev rl --reasoning on --no-chat --temp 0 --parallel 1 --budget 1024 --caps $caps
# Parallel streams at T = 0.7 with the chat route recorded too: vote curves
# over N (random draws from each item's 8 streams), the switcher threshold
# sweep, and early stop replayed at waves of all/2/3/4 streams and margins
# 0..4; then the same streams with early stop on (waves of three streams,
# margin 3: the next wave starts only while no answer leads by three), to
# measure its tokens, accuracy and wall time live.
ev parallel8 --reasoning on --temp 0.7 --parallel 8 --budget 512 --no-early-stop --early-stop-margin 3 --wave 3
ev parallel8_early --reasoning on --temp 0.7 --parallel 8 --budget 512 --no-chat --early-stop-margin 3 --wave 3
# The composed pipeline: the bundle's defaults (switcher, RL adapter under the
# bundle's budget, parallel streams, weighted vote, consensus early stop).
ev composed

$E report --out "$out" --subset 3,4,5 --compare sft,rl \
  --run base="$runs/base" --run sft="$runs/sft" --run rl="$runs/rl" \
  --run parallel8="$runs/parallel8" --run parallel8_early="$runs/parallel8_early" \
  --run composed="$runs/composed"

# The per-item records stay out of the repository (megabytes); each run's
# summary is kept next to the report.
mkdir -p "$out/summaries"
for run in "$runs"/*/; do
  name=$(basename "$run")
  [[ -f $run/summary.json ]] && cp "$run/summary.json" "$out/summaries/$name.json"
done
echo "report: $out/report.md" >&2
