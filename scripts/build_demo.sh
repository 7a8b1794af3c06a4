#!/usr/bin/env bash
# Rebuilds the demo reasoning bundle from nothing with edgereason-train:
#   world  -> corpora: direct answers for the base, verbose traces for SFT,
#             problems for GRPO and the heads (train split only)
#   bpe    -> byte-level BPE tokenizer
#   base   -> Qwen2-architecture base pretrained on direct answers and chat,
#             then on direct answers mixed with worked solutions as raw text
#             (the language of reasoning; its chat turns still answer directly),
#             then briefly on direct answers alone again
#   sft    -> masked-LoRA reasoning adapter on the verbose traces
#   grpo   -> the same adapter after GRPO with the soft-barrier budget reward
#   heads  -> switcher (chat vs reasoning) and verifier heads
#   bundle -> bundle.json tying them together
#
# Usage: scripts/build_demo.sh [OUT] [--tiny] [--column-sft]
#   OUT     bundle directory (default models/demo); intermediate files go to
#           OUT/work (not part of the bundle). A stage whose output exists is
#           skipped, and pretrain/sft resume from their checkpoints, so an
#           interrupted rebuild continues where it stopped.
#   --tiny  minutes-long scaled-down run that checks the mechanics (tests).
#   --column-sft  SFT on the same traces with every multi-digit step worked
#           column by column (`world --column-work`); tokenizer and base still
#           read the plain ones. Not the committed bundle: on its base it
#           lifts SFT k = 3..6 from 82.5/74/66/56.5 to 93/90/82.5/65% (seed-7
#           test split), but its RL adapter needs a 512-token budget, voting
#           gains less over its better single samples, and its longer traces
#           make SFT ~8 minutes slower with bf16 (MODEL_CARD.md).
# Full size: about an hour on 2 cores with native bf16 (AVX-512 BF16 or AMX;
# timings per stage in OUT/work/build.json). Without it the trainer runs in
# f32 (`--bf16` falls back; OpenBLAS then gets the cores, libtorch one
# thread): ~3x slower on a 2-core AVX2 EPYC (about 2.5 h), and the weights
# differ from the committed ones, which were trained in bf16.
set -euo pipefail
cd "$(dirname "$0")/.."
out=models/demo
tiny=0
column_sft=0
for arg in "$@"; do
  case $arg in
    --tiny) tiny=1 ;;
    --column-sft) column_sft=1 ;;
    -h|--help) sed -n '2,/^[^#]/{/^#/p}' "$0"; exit 0 ;;
    *) out=$arg ;;
  esac
done
T=${EDGEREASON_TRAIN:-build/edgereason-train}
[[ -x $T ]] || { echo "build_demo: $T not found; run scripts/build.sh release first" >&2; exit 1; }
threads=${EDGEREASON_THREADS:-2}
work=$out/work
mkdir -p "$work"

# Sizes: full, or tiny for the tests.
if (( tiny )); then
  direct_count=150 trace_count=60 text_count=60 problem_count=20
  hidden=48 layers=2 heads=4 kv_heads=2 intermediate=96
  base_steps=40 base_batch=32 base2_steps=20 base3_steps=10 sft_steps=30 sft_batch=8 sft_rank=8
  grpo_steps=3 grpo_prompts=2 grpo_group=4 grpo_tokens=96
  verifier_samples=4 verifier_tokens=96
else
  direct_count=30000 trace_count=12000 text_count=12000 problem_count=2000
  hidden=192 layers=4 heads=6 kv_heads=2 intermediate=576
  base_steps=3200 base_batch=128 base2_steps=1700 base3_steps=300 sft_steps=1000 sft_batch=32 sft_rank=32
  grpo_steps=160 grpo_prompts=8 grpo_group=8 grpo_tokens=512
  verifier_samples=8 verifier_tokens=512
fi
buckets=64,128,192,256
preamble=$'<think>\nThinking budget: {budget} tokens.\n'

stage_start=0
declare -A seconds
begin() { echo "== $1" >&2; stage_start=$(date +%s%3N); }
end() { local ms=$(($(date +%s%3N) - stage_start)); seconds[$1]=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000))); }

begin world
[[ -s $work/direct.jsonl ]] || $T world --seed 101 --split train --format direct --count "$direct_count" \
  --weights 5,3,1.5,0.5,0.5,0.5,0.5 --out "$work/direct.jsonl"
[[ -s $work/traces.jsonl ]] || $T world --seed 102 --split train --format traces --count "$trace_count" \
  --weights 0.5,0.5,0.8,1,1.2,1.4,1.6 --buckets "$buckets" --preamble "$preamble" --out "$work/traces.jsonl"
sft_traces=$work/traces.jsonl
if (( column_sft )); then
  sft_traces=$work/worked.jsonl
  [[ -s $sft_traces ]] || $T world --seed 102 --split train --format traces --count "$trace_count" \
    --weights 0.5,0.5,0.8,1,1.2,1.4,1.6 --buckets "$buckets" --preamble "$preamble" --column-work \
    --out "$sft_traces"
fi
[[ -s $work/text.jsonl ]] || $T world --seed 106 --split train --format text --count "$text_count" \
  --weights 0.5,0.5,0.8,1,1.2,1.4,1.6 --buckets "$buckets" --preamble "$preamble" --out "$work/text.jsonl"
[[ -s $work/grpo.jsonl ]] || $T world --seed 103 --split train --count "$problem_count" \
  --weights 0.3,0.5,0.7,1,1,1,1 --out "$work/grpo.jsonl"
[[ -s $work/heads.jsonl ]] || $T world --seed 104 --split train --count $((problem_count / 4)) --out "$work/heads.jsonl"
[[ -s $work/verifier.jsonl ]] || $T world --seed 105 --split train --count $((problem_count / 10)) \
  --difficulties 1,2,3,4,5,6 --out "$work/verifier.jsonl"
end world

begin bpe
[[ -s $work/tokenizer/tokenizer.json ]] ||
  $T bpe "$work/direct.jsonl" "$work/traces.jsonl" --field prompt,response --vocab-size 512 \
    --out "$work/tokenizer" --json > "$work/bpe.json"
end bpe

begin base
[[ -s $work/base_phase1/config.json || -s $out/base/config.json ]] ||
  $T pretrain --tokenizer "$work/tokenizer" --data "$work/direct.jsonl" --out "$work/base_phase1" \
    --hidden $hidden --layers $layers --heads $heads --kv-heads $kv_heads --intermediate $intermediate \
    --max-positions 2048 --steps $base_steps --batch $base_batch --micro-batch 32 --lr 6e-4 --warmup 100 \
    --bf16 --threads "$threads" --seed 1 --checkpoint-dir "$work/base.ckpt" --save-every 500 --resume \
    --log "$work/base.log.jsonl" --json > "$work/base.json"
end base

# Phase 2: the reasoning text, two rows of it to one direct answer, gives
# every token the adapter will write a trained embedding (LoRA cannot train
# embeddings) and teaches the full model the arithmetic of worked steps, so
# the adapter's rank is left for switching into them. Micro-batches of 4: the
# attention scores of long rows make larger ones slower per token.
begin base2
if [[ ! -s $work/base_phase2/config.json && ! -s $out/base/config.json ]]; then
  text_rows=$(wc -l < "$work/text.jsonl")
  { head -n $((text_rows / 2)) "$work/direct.jsonl"; cat "$work/text.jsonl"; } > "$work/base2.jsonl"
  $T pretrain --init-model "$work/base_phase1" --data "$work/base2.jsonl" --out "$work/base_phase2" \
    --max-positions 2048 --steps $base2_steps --batch 32 --micro-batch 4 --lr 3e-4 --warmup 50 \
    --bf16 --threads "$threads" --seed 6 --checkpoint-dir "$work/base2.ckpt" --save-every 200 --resume \
    --log "$work/base2.log.jsonl" --json > "$work/base2.json"
fi
end base2

# Phase 3: a short refresher on direct answers the first two phases did not
# use, at a low LR. Phase 2's worked solutions cost the chat turns accuracy
# (weekdays 91% -> 57%, k = 1 100% -> 90% on a test split); 300 steps bring
# them back (98%, 93%) and leave the reasoning text's tokens trained.
begin base3
if [[ ! -s $out/base/config.json ]]; then
  text_rows=$(wc -l < "$work/text.jsonl")
  first_row=$((text_rows / 2 + 1))
  sed -n "${first_row},$((first_row + base3_steps * 128 - 1))p" "$work/direct.jsonl" > "$work/base3.jsonl"
  $T pretrain --init-model "$work/base_phase2" --data "$work/base3.jsonl" --out "$out/base" \
    --max-positions 2048 --steps $base3_steps --batch 128 --micro-batch 32 --lr 1e-4 --warmup 20 \
    --bf16 --threads "$threads" --seed 7 --checkpoint-dir "$work/base3.ckpt" --save-every 100 --resume \
    --log "$work/base3.log.jsonl" --json > "$work/base3.json"
fi
end base3

begin sft
[[ -s $out/adapter_sft/adapter_config.json ]] ||
  $T sft --model "$out/base" --data "$sft_traces" --out "$out/adapter_sft" \
    --rank $sft_rank --alpha $((sft_rank * 2)) --lr 2.5e-3 --warmup 50 --steps $sft_steps --batch $sft_batch \
    --micro-batch 4 --bf16 --threads "$threads" --seed 2 --checkpoint-dir "$work/sft.ckpt" --save-every 100 \
    --resume --log "$work/sft.log.jsonl" --json > "$work/sft.json"
end sft

begin grpo
[[ -s $out/adapter/adapter_config.json ]] ||
  $T grpo --model "$out/base" --adapter "$out/adapter_sft" --data "$work/grpo.jsonl" --out "$out/adapter" \
    --group $grpo_group --prompts-per-step $grpo_prompts --steps $grpo_steps --lr 2.5e-5 --temperature 0.6 \
    --max-new-tokens $grpo_tokens --buckets ${buckets//,/ } --window 0.2 --floor 0 --beta 1e-3 \
    --epsilon 0.2 --preamble "$preamble" --bf16 --threads "$threads" --runtime-threads "$threads" --seed 3 \
    --checkpoint-dir "$work/grpo.ckpt" --save-every 10 --resume --log "$work/grpo.log.jsonl" --json > "$work/grpo.json"
end grpo

begin switcher
[[ -s $out/switcher.safetensors ]] ||
  $T switcher --model "$out/base" --data "$work/heads.jsonl" --out "$out/switcher" --difficulty-threshold 1 \
    --threads "$threads" --seed 4 --json > "$work/switcher.json"
end switcher

# A minutes-long tiny model answers nothing right, and a verifier needs right
# and wrong answers to learn from: --tiny leaves the verifier out (train_tests
# cover its training on their own data).
begin verifier
(( tiny )) || [[ -s $out/verifier.safetensors ]] ||
  $T verifier --model "$out/base" --adapter "$out/adapter" --data "$work/verifier.jsonl" --out "$out/verifier" \
    --samples $verifier_samples --max-new-tokens $verifier_tokens --temperature 0.7 --preamble "$preamble" \
    --threads "$threads" --seed 5 --json > "$work/verifier.json"
end verifier

verifier_line='"verifier": "verifier.safetensors",'
[[ -s $out/verifier.safetensors ]] || verifier_line=
cat > "$out/bundle.json" <<EOF
{
  "format": "edgereason.bundle.v1",
  "base": "base",
  "adapter": "adapter",
  "switcher": "switcher.safetensors",
  $verifier_line
  "templates": {
    "preamble": "<think>\nThinking budget: {budget} tokens.\n",
    "forced_answer": "\n</think>\n\nFinal answer: \\\\boxed{"
  },
  "defaults": {
    "reasoning": "auto",
    "budget": 256,
    "answer_tokens": 16,
    "buckets": [64, 128, 192, 256],
    "parallel": 8,
    "vote": "$([[ -n $verifier_line ]] && echo weighted || echo majority)",
    "early_stop": true,
    "early_stop_margin": 3,
    "wave": 3,
    "temperature": 0.7,
    "chat_max_tokens": 32
  }
}
EOF
{
  echo "{"
  first=1
  for s in world bpe base base2 base3 sft grpo switcher verifier; do
    (( first )) || echo ","
    first=0
    printf '  "%s_seconds": %s' "$s" "${seconds[$s]}"
  done
  printf '\n}\n'
} > "$work/build.json"
echo "demo bundle written to $out (stage timings: $work/build.json)" >&2
