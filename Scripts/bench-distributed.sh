#!/usr/bin/env bash
# Per-step time of data-parallel training on this machine: 1 rank × 1 thread, 1 rank × 2 threads and 2 ranks ×
# 1 thread (mpirun), with rank 0's all-reduce time per step, for config A (vocab 256, hidden 128, 2 layers, ffn 512,
# batch 32, seq 512) and config B (vocab 8192, hidden 256, 4 layers, ffn 1024, batch 16, seq 512) of the PyTorch
# comparison. The model trains on associative-recall (64 value classes; keys fill the vocabulary: 1 + K + 64 = V),
# STEPS steps (the first 3 of each process are warm-up, left out of the medians). Prints one line per run and the
# machine's load average before and after (the numbers are only comparable within one invocation).
set -euo pipefail
cd "$(dirname "$0")/.."
MIXLAB=$(realpath "${MIXLAB:-.build/release/mixlab}")
WORK=${WORK:-.build/bench-distributed}
STEPS=${STEPS:-20}
rm -rf "$WORK" && mkdir -p "$WORK"
mpi=(mpirun --oversubscribe --bind-to none)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for config in "A 191 128 2 512 32" "B 8127 256 4 1024 16"; do
  set -- $config
  name=$1
  settings=(--task associative-recall --set task.key-vocabulary=$2 --set task.value-vocabulary=64 --set task.length=512
            --set task.pairs=16 --set task.queries=16 --set task.train-size=2000 --set task.validation-size=$6 --set task.test-size=$6
            --set hidden=$3 --set layers=$4 --set ffn=$5 --set batch=$6 --set steps=$STEPS --set eval-every=100000
            --set checkpoint-every=0 --set log-every=100000 --set warmup=2 --quiet --json)
  for variant in "1 1" "1 2" "2 1"; do
    set -- $variant
    out="$WORK/$name-r$1-t$2"
    if [ "$1" = 1 ]; then
      "$MIXLAB" train "${settings[@]}" --set threads=$2 --out "$out" > "$out.json"
    else
      "${mpi[@]}" -np "$1" "$MIXLAB" train "${settings[@]}" --set threads=$2 --out "$out" > "$out.json"
    fi
    python3 - "$name" "$1" "$2" "$out.json" <<'PY'
import json, sys
name, ranks, threads, path = sys.argv[1:]
r = json.load(open(path))
dp = r.get("dataParallelism") or {}
ar = dp.get("allReduceMedianMilliseconds")
share = "" if ar is None else "  all-reduce %.2f ms (%.1f %%) of %d floats" % (ar, 100 * ar / r["medianStepMilliseconds"], dp["gradientValues"])
print("config %s: %s rank(s) x %s thread(s): step %.1f ms (median), %d parameters%s" % (
    name, ranks, threads, r["medianStepMilliseconds"], r["parameterCount"], share))
PY
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
