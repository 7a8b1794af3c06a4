#!/usr/bin/env bash
# Runs the measurements the performance issues ask for on Qwen2.5-0.5B and
# -1.5B shapes (random weights) and writes one JSON line per run to
# $OUT/results.jsonl. Run it on a quiet machine: numbers from a loaded one
# mean nothing. Usage: bench/run_reference_benchmarks.sh [OUT_DIR] [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/reference-bench}
threads=${2:-2}
cli=build/edgereason
mkdir -p "$out"
model=$out/qwen2.5-0.5b
[[ -f $model/model.safetensors ]] || $cli make-random-model --shape qwen2.5-0.5b --out "$model"
for dtype in bf16 q8_0 q4_0 q4_pc; do
  [[ -f $out/$dtype/model.safetensors ]] || $cli quantize --model "$model" --dtype "$dtype" --out "$out/$dtype"
done
[[ -f $out/lora64/adapter_model.safetensors ]] || \
  $cli make-random-adapter --model "$model" --rank 64 --alpha 128 --out "$out/lora64"
results=$out/results.jsonl
: > "$results"
run() { echo "+ $*" >&2; "$@" --json >> "$results"; }
for dtype in bf16 q8_0 q4_0 q4_pc; do
  run $cli bench --model "$out/$dtype" --threads "$threads" -p 512 -n 128 --reps 5 --roofline
done
for dtype in q8_0 q4_0; do
  # f16 is llama.cpp's default cache type; int8 is the paper's KV8.
  for kv in f16 int8; do
    run $cli bench --model "$out/$dtype" --threads "$threads" -p 512 -n 128 --reps 3 --depth 4096 \
        --kv-dtype "$kv"
  done
  run $cli bench --model "$out/$dtype" --threads "$threads" -p 256 -n 128 --reps 3 \
      --parallel 1,2,4,8,16 --lora "$out/lora64" --lora-dtype q8_0
done
# The adapter's cost with 4-bit LoRA matrices (half the bytes of int8).
run $cli bench --model "$out/q4_0" --threads "$threads" -p 256 -n 128 --reps 5 \
    --lora "$out/lora64" --lora-dtype q4_0
echo "wrote $results" >&2
