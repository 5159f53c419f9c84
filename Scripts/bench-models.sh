#!/usr/bin/env bash
# One training step and one inference batch of FNet-style classifiers on the configurations of the
# PyTorch comparison (HuggingFace FNet/BERT timed the same way; A = vocab 256, hidden 128, 2 layers,
# FFN 512, batch 32; B = vocab 8192, hidden 256, 4 layers, FFN 1024, batch 16).
# Usage: Scripts/bench-models.sh [MIXER] [RUNS] [OPTION...] > models.jsonl   (needs `make release` first)
# Options go to every run, e.g. --every-position (the last block computes every position, as HF does).
set -euo pipefail
cd "$(dirname "$0")/.."
mixer=${1:-fourier}
runs=${2:-10}
shift $(( $# < 2 ? $# : 2 ))
extra=("$@")
mixlab=.build/release/mixlab
run() { "$mixlab" bench "$@" --mixer "$mixer" --runs "$runs" --warmup 3 --json ${extra[@]+"${extra[@]}"}; }
for seq in 128 512 1024 2048 4096; do
  for pass in train infer; do run "$pass" --vocab 256 --hidden 128 --layers 2 --ffn 512 --batch 32 --seq "$seq" --heads 2; done
done
for seq in 128 512 2048; do
  for pass in train infer; do run "$pass" --vocab 8192 --hidden 256 --layers 4 --ffn 1024 --batch 16 --seq "$seq" --heads 4; done
done
