#!/usr/bin/env bash
# Fault injection on this machine: kill -9 during training, study runs and dataset preparation; a full disk
# (a file-size limit) during a checkpoint, a results append and a report; a NaN gradient mid-run; an
# unwritable output folder and a missing home folder. Bounded in time; prints a summary table and fails
# when any check fails.
#
#   CHAOS_KILLS     kill -9 instants per kill scenario (default 50)
#   CHAOS_SCENARIOS space-separated subset of: train study fetch disk nan permissions (default: all)
#   CHAOS_SEED      seed of the random instants (default 1)
#   CHAOS_REPORT    also write the summary table (Markdown) to this file
#   MIXLAB          the mixlab binary (default .build/release/mixlab; `make chaos` builds it)
#
# Everything happens under .build-chaos/ (removed first). The fetch scenario needs the digits artifact
# (Debian's python3-sklearn 1.2.1+dfsg-1), downloaded once with `apt-get download`; without apt's lists
# or network it is reported as skipped.
set -uo pipefail
cd "$(dirname "$0")/.."

MIXLAB=$(realpath "${MIXLAB:-.build/release/mixlab}")
KILLS=${CHAOS_KILLS:-50}
SCENARIOS=${CHAOS_SCENARIOS:-train study fetch disk nan permissions}
RANDOM=${CHAOS_SEED:-1}
WORK=$PWD/.build-chaos
[ -x "$MIXLAB" ] || { echo "chaos: no mixlab binary at $MIXLAB (build it: make release, or set MIXLAB)" >&2; exit 2; }
[[ "$KILLS" =~ ^[0-9]+$ ]] && [ "$KILLS" -ge 1 ] || { echo "chaos: CHAOS_KILLS must be a whole number ≥ 1 (got '$KILLS')" >&2; exit 2; }
for scenario in $SCENARIOS; do
    case "$scenario" in train|study|fetch|disk|nan|permissions) ;; *)
        echo "chaos: unknown scenario '$scenario'; choose from: train study fetch disk nan permissions" >&2; exit 2 ;;
    esac
done
rm -rf "$WORK" && mkdir -p "$WORK"

rows=()
failures=0
# Adds a row to the summary: scenario, what was done, what was checked, result (ok or FAILED: …).
record() {
    rows+=("| $1 | $2 | $3 | $4 |")
    case "$4" in ok*) ;; *) failures=$((failures + 1)) ;; esac
    printf 'chaos: %-28s %s — %s\n' "$1" "$2" "$4"
}
# A random delay in seconds, uniform in [0, $1).
random_delay() { awk -v r="$RANDOM" -v max="$1" 'BEGIN { printf "%.3f", r / 32768 * max }'; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# The SHA-256 of a safetensors file's tensor bytes (weights and optimiser state; the header holds times).
tensor_digest() {
    local header
    header=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
    tail -c +$((9 + header)) "$1" | sha256sum | cut -d' ' -f1
}
# The SHA-256 of a run record without what depends on timing or on having been resumed.
record_digest() {
    grep -v -E '"(mixlab.integrity|finishedAt|startedAt|medianStepMilliseconds|peakMemoryMiB|tokensPerSecond|wallSeconds)"' "$1" |
        awk '/"resumedAtSteps"/ { skip = 1 } skip { if (/\]/) skip = 0; next } { print }' | sha256sum | cut -d' ' -f1
}
run_digest() { echo "$(tensor_digest "$1/checkpoint-last.safetensors") $(record_digest "$1/run.json") $(sha256sum <"$1/curve.jsonl" | cut -d' ' -f1)"; }

TRAIN=(train --task parity --set task.length=16 --set task.train-size=256 --set task.validation-size=64
       --set task.test-size=64 --set hidden=16 --set ffn=32 --set layers=1 --set batch=8 --set steps=60
       --set warmup=2 --set eval-every=20 --set checkpoint-every=1 --set threads=1 --quiet)

# --- kill -9 during training ------------------------------------------------------------------------
scenario_train() {
    local reference="$WORK/train-reference" start duration expected
    start=$(now)
    "$MIXLAB" "${TRAIN[@]}" --out "$reference" >/dev/null || { record "train: kill -9" "reference run" "-" "FAILED: the reference run did not finish"; return; }
    duration=$(elapsed "$start")
    expected=$(run_digest "$reference")
    # A second uninterrupted run must agree with the first (reproducible by default).
    "$MIXLAB" "${TRAIN[@]}" --out "$WORK/train-again" >/dev/null
    local again_ok=ok
    [ "$(run_digest "$WORK/train-again")" = "$expected" ] || again_ok="FAILED: two uninterrupted runs differ"
    record "train: same run twice" "2 uninterrupted runs" "weights, optimiser, record, curve" "$again_ok"

    local kills=0 during_write=0 trials=0 differing=0 refused=0 folder pid
    while [ "$kills" -lt "$KILLS" ]; do
        trials=$((trials + 1))
        folder="$WORK/train-$trials"
        "$MIXLAB" "${TRAIN[@]}" --out "$folder" >/dev/null 2>&1 &
        pid=$!
        sleep "$(random_delay "$duration")"
        if kill -9 "$pid" 2>/dev/null; then
            kills=$((kills + 1))
            wait "$pid" 2>/dev/null
            ls "$folder" 2>/dev/null | grep -q '\.tmp-' && during_write=$((during_write + 1))
        else
            wait "$pid" 2>/dev/null
        fi
        # Resume (the same command) unless the kill came after the record, the last file a run writes.
        if [ ! -f "$folder/run.json" ] && ! "$MIXLAB" "${TRAIN[@]}" --out "$folder" >"$folder.log" 2>&1; then
            refused=$((refused + 1)); continue
        fi
        [ "$(run_digest "$folder")" = "$expected" ] || differing=$((differing + 1))
        rm -rf "$folder" "$folder.log"
    done
    local result=ok
    [ $((differing + refused)) -eq 0 ] || result="FAILED: $differing resumed runs differ, $refused resumes failed"
    record "train: kill -9" "$kills kills in $trials runs ($during_write during a checkpoint write)" \
        "resumed run bitwise equal to an uninterrupted one" "$result"
}

# --- kill -9 during study runs (two shards and a duplicate runner) ----------------------------------
scenario_study() {
    local folder="$WORK/study"
    mkdir -p "$folder"
    cat >"$folder/study.yaml" <<'YAML'
name: chaos
description: Twelve short training cells, run by two shards and a duplicate runner while runners are killed.
base:
  task: parity
  task.length: 16
  task.train-size: 128
  task.validation-size: 32
  task.test-size: 32
  hidden: 8
  ffn: 16
  layers: 1
  batch: 8
  steps: 30
  warmup: 2
  eval-every: 10
  checkpoint-every: 5
axes:
  - mixer: [fourier, dct, hadamard]
  - seed: [0, 1, 2, 3]
YAML
    local cells
    cells=$("$MIXLAB" study run "$folder/study.yaml" --dry-run 2>/dev/null | sed -n 's/.*: \([0-9]*\) of \([0-9]*\) cells.*/\2/p')
    local -a commands=("study run $folder/study.yaml --shard 0/2 --threads 1" "study run $folder/study.yaml --shard 1/2 --threads 1"
                       "study run $folder/study.yaml --threads 1")
    local -a pids=(0 0 0) finished=(0 0 0)
    local kills=0 i victim
    while [ "$kills" -lt "$KILLS" ]; do
        for i in 0 1 2; do
            if [ "${pids[$i]}" -ne 0 ] && ! kill -0 "${pids[$i]}" 2>/dev/null; then wait "${pids[$i]}" 2>/dev/null; pids[$i]=0; fi
            if [ "${pids[$i]}" -eq 0 ]; then
                # shellcheck disable=SC2086
                "$MIXLAB" ${commands[$i]} >>"$folder/runner-$i.log" 2>&1 &
                pids[$i]=$!
            fi
        done
        sleep "$(random_delay 1.5)"
        victim=$((RANDOM % 3))
        if kill -9 "${pids[$victim]}" 2>/dev/null; then kills=$((kills + 1)); fi
        wait "${pids[$victim]}" 2>/dev/null
        pids[$victim]=0
        # Start over once every cell is done, so that kills keep landing in running cells.
        if "$MIXLAB" study status "$folder/study.yaml" 2>/dev/null | grep -q "$cells of $cells"; then
            for i in 0 1 2; do [ "${pids[$i]}" -ne 0 ] && { kill -9 "${pids[$i]}" 2>/dev/null; wait "${pids[$i]}" 2>/dev/null; pids[$i]=0; }; done
            check_study_results "$folder" "$cells" || return
            # A fresh round: results and run folders aside, so that the next kills land in training again.
            mv "$folder/results.jsonl" "$folder/results-round-$kills.jsonl"
            rm -rf "$folder/runs"
        fi
    done
    for i in 0 1 2; do [ "${pids[$i]}" -ne 0 ] && wait "${pids[$i]}" 2>/dev/null; done
    "$MIXLAB" study run "$folder/study.yaml" --threads 1 >>"$folder/final.log" 2>&1
    check_study_results "$folder" "$cells" || return
    local rounds
    rounds=$(find "$folder" -name 'results-round-*.jsonl' | wc -l)
    record "study: kill -9" "$kills kills of 3 concurrent runners, $((rounds + 1)) complete rounds" \
        "every cell exactly once, no torn row" "ok ($cells cells, 0 lost, 0 duplicated)"
}

# Checks a study's results file: it parses, and holds each of the study's cells exactly once.
check_study_results() {
    local folder=$1 cells=$2 lines unique
    if ! "$MIXLAB" study status "$folder/study.yaml" >"$folder/status.log" 2>&1; then
        record "study: kill -9" "-" "results parse" "FAILED: $(tail -n 3 "$folder/status.log" | tr '\n' ' ')"; return 1
    fi
    lines=$(grep -c '' "$folder/results.jsonl")
    unique=$(grep -o '"cell":"[0-9a-f]*"' "$folder/results.jsonl" | sort -u | wc -l)
    if [ "$lines" -ne "$cells" ] || [ "$unique" -ne "$cells" ]; then
        record "study: kill -9" "-" "every cell exactly once" "FAILED: $lines rows, $unique distinct cells, $cells cells"; return 1
    fi
}

# --- kill -9 during dataset preparation, and corrupted caches ----------------------------------------
scenario_fetch() {
    local artifacts="$WORK/artifacts" artifact
    mkdir -p "$artifacts"
    if ! (cd "$artifacts" && apt-get download python3-sklearn=1.2.1+dfsg-1 >/dev/null 2>&1); then
        record "fetch: kill -9" "-" "-" "ok (skipped: apt-get download python3-sklearn=1.2.1+dfsg-1 failed here)"; return
    fi
    artifact=$(ls "$artifacts"/python3-sklearn_*.deb)
    local cache="$WORK/cache" start duration kills=0 trials=0 unrecovered=0 pid
    start=$(now)
    "$MIXLAB" data fetch digits --artifact "$artifact" --cache-dir "$WORK/cache-reference" >/dev/null 2>&1 ||
        { record "fetch: kill -9" "-" "-" "FAILED: preparing digits from $artifact failed"; return; }
    duration=$(elapsed "$start")
    while [ "$kills" -lt "$KILLS" ]; do
        trials=$((trials + 1))
        rm -rf "$cache"
        "$MIXLAB" data fetch digits --artifact "$artifact" --cache-dir "$cache" >/dev/null 2>&1 &
        pid=$!
        sleep "$(random_delay "$duration")"
        kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
        wait "$pid" 2>/dev/null
        # A training run must refuse a partial dataset (or find it complete), and a second fetch must finish it.
        "$MIXLAB" data fetch digits --artifact "$artifact" --cache-dir "$cache" >/dev/null 2>&1 &&
            MIXLAB_DATA_DIR="$cache" "$MIXLAB" train --task digits --set steps=2 --set warmup=0 --set hidden=8 --set ffn=8 \
                --set layers=1 --set threads=1 --out "$WORK/fetch-run-$trials" --quiet >/dev/null 2>&1 || unrecovered=$((unrecovered + 1))
    done
    local result=ok
    [ "$unrecovered" -eq 0 ] || result="FAILED: $unrecovered interrupted preparations did not recover"
    record "fetch: kill -9" "$kills kills in $trials preparations of digits" "the next fetch finishes; training reads it" "$result"

    # Corrupt a prepared file: one byte flipped, then the file truncated; training must refuse it, naming it.
    local accepted=0 unclear=0 variants=0 file name target size offset value
    for file in $(find "$WORK/cache-reference/digits" -type f ! -name manifest.json | sort); do
        name=$(basename "$file")
        for kind in flip truncate; do
            variants=$((variants + 1))
            rm -rf "$WORK/cache-corrupt" && cp -a "$WORK/cache-reference" "$WORK/cache-corrupt"
            target="$WORK/cache-corrupt/digits/$name"
            size=$(stat -c %s "$target")
            offset=$(( (RANDOM * 32768 + RANDOM) % (size > 0 ? size : 1) ))
            if [ "$kind" = flip ]; then
                value=$(( $(od -An -t u1 -j "$offset" -N 1 "$target") ^ 0x5A ))
                printf "\\x$(printf %02x "$value")" | dd of="$target" bs=1 seek="$offset" conv=notrunc status=none
            else
                truncate -s "$offset" "$target"
            fi
            if MIXLAB_DATA_DIR="$WORK/cache-corrupt" "$MIXLAB" train --task digits --set steps=2 --set warmup=0 --set hidden=8 \
                --set ffn=8 --set layers=1 --set threads=1 --out "$WORK/corrupt-run-$variants" --quiet >"$WORK/corrupt.log" 2>&1; then
                accepted=$((accepted + 1))
            elif ! grep -q "$name" "$WORK/corrupt.log"; then
                unclear=$((unclear + 1))
            fi
        done
    done
    rm -rf "$WORK/cache-corrupt"
    result=ok
    [ $((accepted + unclear)) -eq 0 ] || result="FAILED: $accepted corrupted caches accepted, $unclear refused without naming the file"
    record "fetch: corrupted cache" "$variants variants (flip, truncation of each file)" "refused, naming the file" "$result"
}

# --- a full disk: a file-size limit during a checkpoint, a results append and a report -------------------
scenario_disk() {
    local folder="$WORK/disk-train" pid before limit result
    # Train until the first checkpoint exists, stop, then resume under a limit below a checkpoint's size.
    local -a slow=("${TRAIN[@]}")
    slow[${#slow[@]}]=--set; slow[${#slow[@]}]=checkpoint-every=10
    "$MIXLAB" "${slow[@]}" --out "$folder" >/dev/null 2>&1 &
    pid=$!
    while [ ! -f "$folder/checkpoint-last.safetensors" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
    kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    before=$(sha256sum <"$folder/checkpoint-last.safetensors")
    limit=$(( $(stat -c %s "$folder/checkpoint-last.safetensors") / 1024 - 1 ))
    (ulimit -f "$limit"; "$MIXLAB" "${slow[@]}" --out "$folder" >"$WORK/disk-train.log" 2>&1)
    local status=$?
    result=ok
    if [ "$status" -eq 0 ]; then result="FAILED: training succeeded under a ${limit} KiB file-size limit"
    elif ! grep -q "checkpoint-last.safetensors" "$WORK/disk-train.log"; then result="FAILED: the error does not name the checkpoint: $(head -c 300 "$WORK/disk-train.log")"
    elif [ "$(sha256sum <"$folder/checkpoint-last.safetensors")" != "$before" ]; then result="FAILED: the previous checkpoint changed"
    elif ! "$MIXLAB" "${slow[@]}" --out "$folder" >/dev/null 2>&1; then result="FAILED: the run does not resume once space is back"
    fi
    record "disk full: checkpoint" "resume under ulimit -f $limit" "error names the file; previous checkpoint intact; resumes" "$result"

    # Results: the first cells' rows exist; the rest cannot be appended.
    local study="$WORK/disk-study"
    mkdir -p "$study"
    sed -e 's/^name: chaos/name: chaos-disk/' "$WORK/study/study.yaml" 2>/dev/null >"$study/study.yaml" || true
    [ -s "$study/study.yaml" ] || { record "disk full: results append" "-" "-" "FAILED: needs the study scenario's file (run it too)"; return; }
    # Two thirds of the cells first, so that the results file is clearly larger than a cell's checkpoint
    # (with its metadata): the limit then stops the append, not the training.
    "$MIXLAB" study run "$study/study.yaml" --shard 0/3 --threads 1 >/dev/null 2>&1
    "$MIXLAB" study run "$study/study.yaml" --shard 1/3 --threads 1 >/dev/null 2>&1
    before=$(sha256sum <"$study/results.jsonl")
    limit=$(( $(stat -c %s "$study/results.jsonl") / 1024 + 1 ))
    local checkpoint
    checkpoint=$(stat -c %s "$(find "$study/runs" -name checkpoint-last.safetensors | head -n 1)")
    if [ $(( limit * 1024 )) -le "$checkpoint" ]; then
        record "disk full: results append" "-" "-" "FAILED: the results file ($(stat -c %s "$study/results.jsonl") bytes) is not larger than a checkpoint ($checkpoint bytes): enlarge the first part of the study"
        return
    fi
    (ulimit -f "$limit"; "$MIXLAB" study run "$study/study.yaml" --threads 1 >"$WORK/disk-study.log" 2>&1)
    status=$?
    result=ok
    if [ "$status" -eq 0 ]; then result="FAILED: the study finished under a ${limit} KiB file-size limit"
    elif ! grep -q "results.jsonl" "$WORK/disk-study.log"; then result="FAILED: the error does not name the results file: $(head -c 300 "$WORK/disk-study.log")"
    elif [ "$(sha256sum <"$study/results.jsonl")" != "$before" ]; then result="FAILED: the earlier rows changed"
    elif ! "$MIXLAB" study run "$study/study.yaml" --threads 1 >/dev/null 2>&1; then result="FAILED: the study does not finish once space is back"
    fi
    record "disk full: results append" "study run under ulimit -f $limit" "error names the file; earlier rows intact" "$result"

    # Report: a first report exists; a second under a 1 KiB limit fails and leaves it.
    "$MIXLAB" study report "$study/study.yaml" >/dev/null 2>&1
    local report
    report=$(find "$study" -path '*report*' -name '*.md' | head -n 1)
    before=$(sha256sum <"$report")
    (ulimit -f 1; "$MIXLAB" study report "$study/study.yaml" >"$WORK/disk-report.log" 2>&1)
    status=$?
    result=ok
    if [ "$status" -eq 0 ]; then result="FAILED: the report was written under a 1 KiB limit"
    elif ! grep -q "report" "$WORK/disk-report.log"; then result="FAILED: the error does not name the report file: $(head -c 300 "$WORK/disk-report.log")"
    elif [ "$(sha256sum <"$report")" != "$before" ]; then result="FAILED: the previous report changed"
    fi
    record "disk full: report" "study report under ulimit -f 1" "error names the file; previous report intact" "$result"
}

# --- a NaN gradient mid-run ----------------------------------------------------------------------------
scenario_nan() {
    local folder="$WORK/nan" result=ok before
    local -a run=("${TRAIN[@]}")
    run[${#run[@]}]=--set; run[${#run[@]}]=checkpoint-every=10
    MIXLAB_INJECT_NAN_GRADIENT_AT_STEP=25 "$MIXLAB" "${run[@]}" --out "$folder" >"$WORK/nan.log" 2>&1
    local status=$?
    if [ "$status" -eq 0 ]; then result="FAILED: the run went on past a NaN gradient"
    elif ! grep -q "step 25" "$WORK/nan.log" || ! grep -q "last good checkpoint (step 20)" "$WORK/nan.log"; then
        result="FAILED: no diagnosis naming step 25 and the step-20 checkpoint: $(head -c 300 "$WORK/nan.log")"
    else
        before=$(tensor_digest "$folder/checkpoint-last.safetensors")
        "$MIXLAB" "${run[@]}" --out "$WORK/nan-reference" >/dev/null 2>&1
        if ! "$MIXLAB" "${run[@]}" --out "$folder" >/dev/null 2>&1; then result="FAILED: the run does not resume from its last good checkpoint"
        elif [ "$(run_digest "$folder")" != "$(run_digest "$WORK/nan-reference")" ]; then result="FAILED: the resumed run differs from an uninterrupted one"
        fi
    fi
    record "NaN gradient at step 25" "MIXLAB_INJECT_NAN_GRADIENT_AT_STEP=25" "stops with a diagnosis; resumes to the uninterrupted result" "$result"
}

# --- an unwritable output folder and a missing home folder --------------------------------------------
scenario_permissions() {
    local result=ok scratch folder binary="$MIXLAB"
    # Outside the project (whose folders another user may not be able to enter), readable by everyone.
    scratch=$(mktemp -d /tmp/mixlab-chaos.XXXXXX) && chmod 755 "$scratch"
    folder="$scratch/read-only"
    mkdir -p "$folder" && chmod 555 "$folder"
    local -a as_user=()
    # Root ignores permissions: run as nobody where we are root, with a copy of the binary nobody can run.
    if [ "$(id -u)" -eq 0 ]; then
        as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
        binary="$scratch/mixlab" && cp "$MIXLAB" "$binary" && chmod 755 "$binary"
    fi
    "${as_user[@]}" "$binary" "${TRAIN[@]}" --out "$folder/run" >"$WORK/read-only.log" 2>&1
    if [ $? -eq 0 ]; then result="FAILED: training wrote into a read-only folder"
    elif ! grep -q "$folder/run" "$WORK/read-only.log" || grep -q -i "fatal error\|backtrace" "$WORK/read-only.log"; then
        result="FAILED: unclear error: $(head -c 300 "$WORK/read-only.log")"
    fi
    rm -rf "$scratch"
    record "read-only output folder" "train --out in a read-only folder" "clear error naming the folder" "$result"

    result=ok
    env -u HOME -u MIXLAB_DATA_DIR -u XDG_CACHE_HOME "$MIXLAB" train --task digits --set steps=2 --set warmup=0 --out "$WORK/no-home" --quiet >"$WORK/no-home.log" 2>&1
    if [ $? -eq 0 ]; then result="FAILED: a dataset task ran without a data cache"
    elif ! grep -q -E "HOME|--cache-dir|MIXLAB_DATA_DIR" "$WORK/no-home.log" || grep -q -i "fatal error" "$WORK/no-home.log"; then
        result="FAILED: unclear error: $(head -c 300 "$WORK/no-home.log")"
    fi
    record "missing home folder" "train --task digits with HOME unset" "clear error naming HOME or MIXLAB_DATA_DIR" "$result"
}

for scenario in $SCENARIOS; do "scenario_$scenario"; done

table="| scenario | what was done | checked | result |
|---|---|---|---|
$(printf '%s\n' "${rows[@]}")"
echo
echo "$table"
[ -n "${CHAOS_REPORT:-}" ] && echo "$table" >"$CHAOS_REPORT"
[ "$failures" -eq 0 ] || { echo "chaos: $failures check(s) failed (logs in $WORK)" >&2; exit 1; }
