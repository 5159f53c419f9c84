#!/usr/bin/env bash
# Builds MixLab's libFuzzer targets (Fuzz/, with AddressSanitizer) and runs each for a while; fails on a
# crash, a hang, a leak or a sanitizer report, and prints one summary row per target.
#
#   FUZZ_SECONDS   seconds per target (default 10)
#   FUZZ_RUNS      stop a target after this many executions instead (default: no limit)
#   FUZZ_TARGETS   space-separated target names (default: every target in Fuzz/Sources/MixLabFuzz/FuzzTarget.swift)
#   FUZZ_REPORT    also write the summary table (Markdown) to this file
#
# The working corpus of each target grows in .build-fuzz/corpus/<target> (seeded from Fuzz/Corpus/<target>,
# which stays as committed); a finding is saved as .build-fuzz/artifacts/<target>-crash-… and reproduced with
#   MIXLAB_FUZZ_TARGET=<target> Fuzz/.build/release/MixLabFuzz <file>
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-10}
WORK=.build-fuzz
BINARY=Fuzz/.build/release/MixLabFuzz

if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || [ "$SECONDS_PER_TARGET" -lt 1 ]; then
    echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, at least 1 (got '$SECONDS_PER_TARGET')" >&2; exit 2
fi
if [ -n "${FUZZ_RUNS:-}" ] && ! [[ "$FUZZ_RUNS" =~ ^[0-9]+$ ]]; then
    echo "fuzz: FUZZ_RUNS must be a whole number of executions (got '$FUZZ_RUNS')" >&2; exit 2
fi

echo "fuzz: building the fuzz targets (release, -sanitize=fuzzer,address)"
# SwiftPM does not notice files added to a path dependency once it has planned a build: plan anew.
rm -f Fuzz/.build/release.yaml
"$SWIFT" build --package-path Fuzz -c release \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing 2>&1 | tail -n 3

ALL_TARGETS=$(sed -n 's/^ *FuzzTarget(name: "\([a-z0-9-]*\)".*/\1/p' Fuzz/Sources/MixLabFuzz/FuzzTarget.swift)
TARGETS=${FUZZ_TARGETS:-$ALL_TARGETS}
for target in $TARGETS; do
    if ! grep -qx "$target" <<<"$ALL_TARGETS"; then
        echo "fuzz: no fuzz target is named '$target'; the targets are: $(echo $ALL_TARGETS)" >&2; exit 2
    fi
done

dictionary() {
    case "$1" in
        safetensors|checkpoint|trainer-state|hf-config|tokenizer-json|run-config|run-settings|run-record|results-jsonl|manifest) echo Fuzz/Dictionaries/json.dict ;;
        study-spec) echo Fuzz/Dictionaries/yaml.dict ;;
        notebook) echo Fuzz/Dictionaries/markdown.dict ;;
        html) echo Fuzz/Dictionaries/html.dict ;;
    esac
}

mkdir -p "$WORK/artifacts" "$WORK/logs"
rows=()
failed=()
for target in $TARGETS; do
    corpus="$WORK/corpus/$target"
    mkdir -p "$corpus"
    options=(-max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1
             -artifact_prefix="$WORK/artifacts/$target-")
    [ -n "${FUZZ_RUNS:-}" ] && options+=(-runs="$FUZZ_RUNS")
    dict=$(dictionary "$target")
    [ -n "$dict" ] && options+=(-dict="$dict")
    log="$WORK/logs/$target.log"
    status=0
    MIXLAB_FUZZ_TARGET="$target" SWIFT_BACKTRACE=enable=no \
        ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0" \
        "$BINARY" "${options[@]}" "$corpus" "Fuzz/Corpus/$target" >"$log" 2>&1 || status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    elapsed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    coverage=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1 | awk '{print $2 " edges, " $4 " features"}')
    units=$(find "$corpus" -type f | wc -l)
    if [ "$status" -eq 0 ]; then verdict=clean; else verdict="FAILED (exit $status, see $log)"; failed+=("$target"); fi
    rows+=("| $target | ${executions:-?} | ${elapsed:-?} | ${coverage:-?} | $units | $verdict |")
    printf 'fuzz: %-15s %10s executions  %s\n' "$target" "${executions:-?}" "$verdict"
done

table="| target | executions | seconds | coverage | corpus | result |
|---|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")"
echo
echo "$table"
[ -n "${FUZZ_REPORT:-}" ] && echo "$table" >"$FUZZ_REPORT"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: findings in: ${failed[*]} (inputs in $WORK/artifacts/)" >&2
    exit 1
fi
