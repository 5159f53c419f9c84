#!/usr/bin/env bash
# Data-parallel training over Open MPI against a single process (`make test-mpi`; not part of `make test`).
#
# 1. A tiny `mixlab train` (reversal with lengths 8–16, so token tasks score a varying number of positions) in
#    one process with global batch 12, then under `mpirun -np 2` (shards 6+6) and `-np 3` (shards 4+4+4) and
#    with batch 10 under `-np 3` (shards 3+3+4): every logged training loss within 1e-4·max(1,|loss|) and every
#    final weight within 1e-3 + 1e-3·|w| of the single process (not bitwise: the all-reduce sums in another order).
# 2. kill -9 of rank 1 in the middle of a 2-rank run: mpirun must fail naming the killed rank, the run folder must
#    hold no run.json, and `mixlab train --resume` from the last checkpoint, in one process and on 3 ranks, must end
#    within the same tolerance of an uninterrupted single-process run.
# 3. Clear errors: more ranks than the batch; ranks with different settings (MPMD); mpirun with libmpi missing.
# Needs openmpi-bin and python3 (comparison of the safetensors files, standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
MIXLAB=${MIXLAB:-.build/release/mixlab}
MIXLAB=$(realpath "$MIXLAB")
WORK=${WORK:-.build/test-mpi}
command -v mpirun >/dev/null || { echo "test-mpi: mpirun not found: sudo apt-get install libopenmpi-dev openmpi-bin (or make deps)" >&2; exit 1; }
rm -rf "$WORK" && mkdir -p "$WORK"
WORK=$(realpath "$WORK")

mpi=(mpirun --oversubscribe --bind-to none --mca btl_vader_single_copy_mechanism none)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
common=(--task reversal --set task.length=16 --set task.min-length=8 --set task.vocabulary=8 --set task.train-size=480
        --set hidden=16 --set ffn=32 --set layers=2 --set steps=40 --set warmup=4 --set lr=3e-3 --set dropout=0
        --set eval-every=20 --set log-every=2 --set checkpoint-every=10 --set threads=1 --quiet)
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

compare() {  # compare REFERENCE_FOLDER FOLDER: training losses of curve.jsonl and final weights
  python3 - "$1" "$2" <<'PY'
import json, struct, sys
def curve(folder):
    return {p["step"]: p["trainLoss"] for p in map(json.loads, open(folder + "/curve.jsonl"))}
def weights(folder):
    raw = open(folder + "/checkpoint-last.safetensors", "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or name.startswith("optimizer."): continue
        begin, end = info["data_offsets"]
        out[name] = struct.unpack("<%df" % ((end - begin) // 4), raw[8 + n + begin:8 + n + end])
    return out
a, b = sys.argv[1], sys.argv[2]
ca, cb = curve(a), curve(b)
assert ca.keys() == cb.keys(), "different curve steps"
loss = max(abs(ca[s] - cb[s]) / max(1, abs(ca[s])) for s in ca)
wa, wb = weights(a), weights(b)
assert wa.keys() == wb.keys(), "different tensors"
excess = max(abs(x - y) - 1e-3 * abs(x) for k in wa for x, y in zip(wa[k], wb[k]))
worst = max(abs(x - y) for k in wa for x, y in zip(wa[k], wb[k]))
print("loss rel diff %.2e, weight max abs diff %.2e" % (loss, worst))
sys.exit(0 if loss <= 1e-4 and excess <= 1e-3 else 1)
PY
}

for batch in 12 10; do
  "$MIXLAB" train "${common[@]}" --set batch=$batch --out "$WORK/single-$batch" > "$WORK/single-$batch.stdout"
done
for case in "2 12" "3 12" "3 10"; do
  set -- $case
  out="$WORK/np$1-batch$2"
  if "${mpi[@]}" -np "$1" "$MIXLAB" train "${common[@]}" --set batch=$2 --out "$out" > "$out.stdout" 2> "$out.log"; then
    if result=$(compare "$WORK/single-$2" "$out"); then pass "-np $1, batch $2 vs one process: $result"; else fail "-np $1, batch $2 vs one process: $result"; fi
    ranks=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dataParallelism"]["ranks"])' "$out/run.json")
    [ "$ranks" = "$1" ] && pass "-np $1: run.json records $ranks ranks" || fail "-np $1: run.json records $ranks ranks"
  else
    fail "-np $1, batch $2 failed:"; cat "$out.log" >&2
  fi
done

# kill -9 of one rank mid-run; the checkpoint then resumes in one process and, separately, on 3 ranks, and both
# end within the tolerance of an uninterrupted single process.
killed=(--set batch=12 --set steps=300 --set checkpoint-every=5 --set eval-every=100)
"$MIXLAB" train "${common[@]}" "${killed[@]}" --out "$WORK/uninterrupted" > "$WORK/uninterrupted.stdout"
out="$WORK/killed"
"${mpi[@]}" -np 2 "$MIXLAB" train "${common[@]}" "${killed[@]}" --out "$out" > "$out.stdout" 2> "$out.log" &
launcher=$!
for _ in $(seq 600); do [ -f "$out/checkpoint-last.safetensors" ] && break; sleep 0.05; done
victim=""
for pid in $(pgrep -P "$launcher"); do
  if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then victim=$pid; fi
done
if [ -z "$victim" ]; then fail "kill: rank 1 not found among the children of mpirun"; kill "$launcher" || true; fi
[ -n "$victim" ] && kill -9 "$victim"
status=0; wait "$launcher" || status=$?
if [ "$status" -ne 0 ] && grep -q "exited on signal 9" "$out.log"; then
  pass "kill -9 of rank 1: mpirun failed with status $status: $(grep -m1 'exited on signal 9' "$out.log" | sed 's/^ *//')"
else
  fail "kill -9 of rank 1: status $status, log:"; cat "$out.log" >&2
fi
[ ! -f "$out/run.json" ] && pass "kill: no run.json (the run is unfinished)" || fail "kill: run.json written"
cp -r "$out" "$out-np3"
if "$MIXLAB" train --resume --out "$out" --quiet --json > "$out.resumed.json" 2> "$out.resume.log"; then
  resumed=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["resumedAtSteps"], r["steps"])' "$out.resumed.json")
  if result=$(compare "$WORK/uninterrupted" "$out"); then pass "kill: resumed in one process at step $resumed: $result"
  else fail "kill: resumed in one process at step $resumed: $result"; fi
else
  fail "kill: resuming in one process failed:"; cat "$out.resume.log" >&2
fi
if "${mpi[@]}" -np 3 "$MIXLAB" train --resume --out "$out-np3" --quiet > "$out-np3.stdout" 2> "$out-np3.log"; then
  if result=$(compare "$WORK/uninterrupted" "$out-np3"); then pass "kill: resumed on 3 ranks: $result"; else fail "kill: resumed on 3 ranks: $result"; fi
else
  fail "kill: resuming on 3 ranks failed:"; cat "$out-np3.log" >&2
fi

# Clear errors.
expect_error() {  # expect_error NAME PATTERN COMMAND...
  local name=$1 pattern=$2; shift 2
  if "$@" > "$WORK/error.out" 2>&1; then fail "$name: succeeded"; return; fi
  if grep -q -- "$pattern" "$WORK/error.out"; then pass "$name: $(grep -m1 -- "$pattern" "$WORK/error.out" | sed 's/^ *//' | cut -c1-160)"
  else fail "$name: no '$pattern' in:"; cat "$WORK/error.out" >&2; fi
}
expect_error "3 ranks, batch 2" "3 ranks are more than the global batch of 2" \
  "${mpi[@]}" -np 3 "$MIXLAB" train "${common[@]}" --set batch=2 --out "$WORK/too-many"
expect_error "ranks with other settings" "rank 1 of 2 disagrees with rank 0: lr: rank 0 has 0.003, this rank 0.001" \
  "${mpi[@]}" -np 1 "$MIXLAB" train "${common[@]}" --set batch=12 --out "$WORK/mpmd" : \
  -np 1 "$MIXLAB" train "${common[@]}" --set batch=12 --set lr=1e-3 --out "$WORK/mpmd"
expect_error "libmpi missing" "sudo apt-get install libopenmpi-dev openmpi-bin" \
  "${mpi[@]}" -np 2 -x MIXLAB_MPI_LIBRARY=/nonexistent/libmpi.so.40 "$MIXLAB" train "${common[@]}" --set batch=12 --out "$WORK/no-mpi"

if [ "$failures" -gt 0 ]; then echo "test-mpi: $failures failure(s)" >&2; exit 1; fi
echo "test-mpi: all checks passed"
