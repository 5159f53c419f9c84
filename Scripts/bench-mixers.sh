#!/usr/bin/env bash
# Times every registered mixer (forward and forward+backward) at the benchmark shapes.
# Usage: Scripts/bench-mixers.sh [RUNS] > mixers.jsonl   (needs `make release` first)
# Compare with a PyTorch/numpy timing of the same shapes run right before or after, on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
mixlab=.build/release/mixlab
for shape in 32,512,256 8,4096,256; do
  for name in $("$mixlab" mixers | awk 'NF && $1 !~ /^settings:/ {print $1}'); do
    case "$name" in
      attention) settings=(--set heads=4) ;;
      *) settings=() ;;
    esac
    "$mixlab" bench mixer "$name" --shape "$shape" --runs "$runs" --warmup 2 --json "${settings[@]}" \
      || echo "{\"mixer\":\"$name\",\"shape\":\"$shape\",\"error\":\"see stderr\"}"
  done
done
