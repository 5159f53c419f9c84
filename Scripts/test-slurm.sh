#!/usr/bin/env bash
# `make test-slurm`: runs a tiny study as a Slurm job array on a single-node Slurm cluster started here
# from Debian's packages, and checks that its results match a local run of the same study.
#
# What it does:
#   1. installs slurm-wlm, munge and jq with apt-get when they are missing (needs root);
#   2. starts munged (as user munge, on its own socket and key) and slurmctld + slurmd with a minimal
#      slurm.conf naming this host as controller and only node, all state in a scratch folder;
#   3. copies Experiments/tiny-slurm/study.yaml twice into the scratch folder; runs one copy locally with
#      `mixlab study run`, and submits the other with the array script of `mixlab study slurm --shards 3`
#      (every task appending to one results file under flock), then a third copy with --separate-results
#      (one results file per task) joined by `mixlab study merge`;
#   4. waits for the arrays, then checks that all three results files hold the same cells with the same
#      settings and metrics, one row per cell;
#   5. trains a tiny model data-parallel from the sbatch script of `mixlab train --slurm` (1 node, 2 ranks) and
#      checks its losses against a local single-process run (skipped without Open MPI's mpirun);
#   6. stops the daemons it started (trap), whatever happened.
#
# Environment: MIXLAB (the mixlab executable; default .build/debug/mixlab), RUNNER (the study runner;
# default process: a `mixlab train` per cell; echo trains nothing and checks the machinery alone), KEEP=1 keeps the scratch folder for inspection.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mixlab="$(realpath "${MIXLAB:-$here/.build/debug/mixlab}")"
runner="${RUNNER:-process}"
study_source="$here/Experiments/tiny-slurm/study.yaml"
shards=3

say() { echo "test-slurm: $*"; }
fail() { echo "test-slurm: FAILED: $*" >&2; exit 1; }

[ -x "$mixlab" ] || fail "no mixlab executable at $mixlab (run swift build, or set MIXLAB)"
[ "$(id -u)" -eq 0 ] || fail "needs root (to install packages and run slurmd/munged as the Slurm and munge users)"

# 1. Packages.
missing=()
for command_package in slurmctld:slurm-wlm slurmd:slurm-wlm sbatch:slurm-client munged:munge jq:jq; do
  command -v "${command_package%%:*}" >/dev/null 2>&1 || missing+=("${command_package##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
fi
say "$(slurmctld -V), $(munged --version 2>&1 | head -1), $("$mixlab" --version 2>&1 | head -1)"

# 2. Daemons, all state in a scratch folder.
scratch="$(mktemp -d /tmp/mixlab-slurm.XXXXXX)"
chmod 755 "$scratch"
started_pids=()
cleanup() {
  status=$?
  for pid_file in "$scratch/slurmd.pid" "$scratch/slurmctld.pid" "$scratch/munge/munged.pid"; do
    if [ -s "$pid_file" ]; then
      pid="$(cat "$pid_file")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for log in "$scratch"/slurmctld.log "$scratch"/slurmd.log "$scratch"/cluster/slurm-logs/*.out "$scratch"/separate/slurm-logs/*.out; do
      [ -f "$log" ] && { echo "---- $log (last 20 lines)"; tail -20 "$log"; }
    done
  fi
  if [ "${KEEP:-0}" = 1 ] || [ "$status" -ne 0 ]; then say "scratch folder kept: $scratch"; else rm -rf "$scratch"; fi
  exit "$status"
}
trap cleanup EXIT INT TERM

host="$(hostname -s)"
mkdir -p "$scratch/munge" "$scratch/state" "$scratch/spool"
chown munge:munge "$scratch/munge"
chmod 700 "$scratch/munge"
dd if=/dev/urandom of="$scratch/munge/munge.key" bs=1024 count=1 status=none
chown munge:munge "$scratch/munge/munge.key"
chmod 400 "$scratch/munge/munge.key"
chmod 755 "$scratch/munge"   # clients must reach the socket
socket="$scratch/munge/munge.socket"
runuser -u munge -- munged --socket="$socket" --key-file="$scratch/munge/munge.key" \
  --pid-file="$scratch/munge/munged.pid" --log-file="$scratch/munge/munged.log" --seed-file="$scratch/munge/munged.seed"
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || fail "munged did not start (see $scratch/munge/munged.log)"
say "munged running on $socket"

cat > "$scratch/slurm.conf" <<CONF
ClusterName=mixlab-test
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
StateSaveLocation=$scratch/state
SlurmdSpoolDir=$scratch/spool
SlurmctldPidFile=$scratch/slurmctld.pid
SlurmdPidFile=$scratch/slurmd.pid
SlurmctldLogFile=$scratch/slurmctld.log
SlurmdLogFile=$scratch/slurmd.log
NodeName=$host CPUs=2 State=UNKNOWN
PartitionName=mixlab Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
# No cgroup plugin is used (proctrack/linuxproc, task/none); the file keeps slurmd from looking for one.
cat > "$scratch/cgroup.conf" <<CONF
CgroupAutomount=no
ConstrainCores=no
ConstrainRAMSpace=no
CONF
export SLURM_CONF="$scratch/slurm.conf"
slurmctld -f "$SLURM_CONF" -i
slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do
  state="$(sinfo -h -n "$host" -o %T 2>/dev/null || true)"
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] || fail "the node did not become idle (state: '${state:-none}')"
say "slurmctld and slurmd running; node $host is idle"

# 3. The same study three times: locally, as an array on one results file, as an array on separate files.
for copy in local cluster separate; do
  mkdir -p "$scratch/$copy"
  cp "$study_source" "$scratch/$copy/study.yaml"
done
say "local run"
# One thread everywhere: a run is bit-for-bit reproducible for a given thread count.
"$mixlab" study run "$scratch/local/study.yaml" --runner "$runner" --threads 1 2> "$scratch/local-progress.log" | tail -1

"$mixlab" study slurm "$scratch/cluster/study.yaml" --shards "$shards" --runner "$runner" --threads 1 --time 00:10:00 \
  --cpus-per-task 1 --output "$scratch/cluster/array.sh"
"$mixlab" study slurm "$scratch/separate/study.yaml" --shards "$shards" --runner "$runner" --threads 1 --time 00:10:00 \
  --cpus-per-task 1 --separate-results --output "$scratch/separate/array.sh"
say "array script:"
sed 's/^/    /' "$scratch/cluster/array.sh"
jobs=()
for copy in cluster separate; do
  jobs+=("$(sbatch --parsable "$scratch/$copy/array.sh")")
done
say "submitted arrays ${jobs[*]}; waiting"
for _ in $(seq 600); do
  [ -z "$(squeue -h -j "$(IFS=,; echo "${jobs[*]}")" 2>/dev/null)" ] && break
  sleep 0.5
done
[ -z "$(squeue -h -j "$(IFS=,; echo "${jobs[*]}")")" ] || fail "the arrays did not finish in 5 minutes"
for copy in cluster separate; do
  logs=("$scratch/$copy"/slurm-logs/*.out)
  [ ${#logs[@]} -eq "$shards" ] || fail "$copy: expected $shards task logs, found ${#logs[@]}"
  for log in "${logs[@]}"; do
    grep -q "^study tiny-slurm, shard [0-9]/$shards: [0-9]* ran" "$log" || fail "task log $log has no summary line"
  done
done
say "task logs (shared results file):"
tail -q -n 1 "$scratch"/cluster/slurm-logs/*.out | sed 's/^/    /'
"$mixlab" study merge "$scratch/separate/results.jsonl" "$scratch"/separate/results.shard-*.jsonl

# 4. The same cells, settings and metrics everywhere, each once.
normalise() {
  jq -c '{study, cell, settings, status, steps, test, validation, bestValidation, bestStep, curve}' "$1" | sort
}
cells="$(grep -c . "$scratch/local/results.jsonl")"
for copy in cluster separate; do
  rows="$(grep -c . "$scratch/$copy/results.jsonl")"
  [ "$rows" -eq "$cells" ] || fail "$copy: $rows rows, the local run has $cells"
  diff <(normalise "$scratch/local/results.jsonl") <(normalise "$scratch/$copy/results.jsonl") > "$scratch/$copy.diff" \
    || { cat "$scratch/$copy.diff"; fail "$copy results differ from the local run"; }
  unique="$(jq -r .cell "$scratch/$copy/results.jsonl" | sort -u | wc -l)"
  [ "$unique" -eq "$cells" ] || fail "$copy: a cell appears twice"
done
"$mixlab" study status "$scratch/cluster/study.yaml" --shards "$shards" | sed 's/^/    /'
say "the rows (cell, mixer, seed, steps, validation and test accuracy), identical in the three results files:"
jq -r '[.cell, .settings.mixer, .settings.seed, .steps, .validation.accuracy, .test.accuracy] | @tsv' "$scratch/local/results.jsonl" \
  | sort -k2,2 -k3,3n | sed 's/^/    /'
say "OK: $cells cells; the Slurm array (shared results file) and the Slurm array (separate files + merge) match the local run"

# 5. Data-parallel training from the script of `mixlab train --slurm` (1 node × 2 ranks, mpirun in the allocation)
#    against a local single-process run: the same steps, every logged training loss within 1e-4·max(1, |loss|).
if command -v mpirun > /dev/null; then
  dp=(--task reversal --set task.length=16 --set task.min-length=8 --set batch=12 --set hidden=16 --set ffn=32 --set steps=30
      --set warmup=3 --set dropout=0 --set threads=1 --set eval-every=10 --set log-every=2 --quiet)
  "$mixlab" train "${dp[@]}" --out "$scratch/dp-local" > /dev/null
  "$mixlab" train --slurm --nodes 1 --tasks-per-node 2 --cpus-per-task 1 --time 00:10:00 "${dp[@]}" --out "$scratch/dp" \
    --output "$scratch/dp.sh"
  say "data-parallel job script:"
  sed 's/^/    /' "$scratch/dp.sh"
  job="$(sbatch --parsable "$scratch/dp.sh")"
  for _ in $(seq 600); do [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break; sleep 0.5; done
  [ -f "$scratch/dp/run.json" ] || { cat "$scratch"/slurm-"$job".out >&2; fail "the data-parallel job wrote no run.json"; }
  ranks="$(jq .dataParallelism.ranks "$scratch/dp/run.json")"
  [ "$ranks" = 2 ] || fail "the data-parallel run records $ranks ranks, not 2"
  worst="$(jq -s '[.[0].curve, .[1].curve] | transpose | map(((.[0].trainLoss - .[1].trainLoss) | fabs) / ([1, (.[0].trainLoss | fabs)] | max)) | max' \
    "$scratch/dp-local/run.json" "$scratch/dp/run.json")"
  awk -v w="$worst" 'BEGIN { exit !(w <= 1e-4) }' || fail "data-parallel losses differ from the local run by up to $worst (relative)"
  say "OK: data-parallel job $job (2 ranks) matches the local run: largest relative loss difference $worst"
else
  say "skipped the data-parallel job: mpirun is missing (make deps installs openmpi-bin)"
fi
