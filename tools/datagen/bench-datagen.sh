#!/bin/bash
# Rows per minute of `llama3j datagen` on the Llama-3.2-1B shape (random weights, Q8_0): every request
# of a stage in flight at once through the engine's continuous batching, against one request at a
# time. Random weights never stop early, so every answer is exactly max_tokens long.
#   tools/datagen/bench-datagen.sh [MODEL.gguf] [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
model="${1:-/tmp/llama-1b-q8_0.gguf}"
rows="${2:-4}"
work="$(mktemp -d)"
[ -f "$model" ] || bin/llama3j synthetic-gguf --shape 1b --type q8_0 -o "$model"
questions=("What is the capital of France?" "Hello!" "What is 12 + 7?" "Who are you?"
    "What is the capital of Japan?" "Bonjour !" "Write a haiku about snow." "Explain photosynthesis in one sentence.")
for ((i = 0; i < rows; i++)); do
    printf '{"instruction": "%s"}\n' "${questions[i % ${#questions[@]}]} ($i)"
done > "$work/prompts.jsonl"
for mode in "batched --batch $rows --parallel $((2 * rows))" "one-at-a-time --batch 1 --parallel 1"; do
    set -- $mode
    name=$1
    shift
    echo "== $name: $*"
    bin/llama3j datagen --prompts "$work/prompts.jsonl" \
        --generator "$model@max_tokens=16" --generator "$model@temperature=0.8,seed=1,max_tokens=16" \
        --judge "$model@max_tokens=16" --out "$work/$name.jsonl" --ctx-size 1024 "$@" 2>&1 | grep -v WARNING
done
rm -rf "$work"
