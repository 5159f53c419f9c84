#!/usr/bin/env bash
# Accuracy by input length of every finished ListOps and Text (news20) run of the long-range study:
# `mixlab eval` of each run's final weights on the test split, its examples in at most 4 bins of about
# equal size by real length (ListOps: 500–2,000 tokens; news20: bytes of the post up to the 1,024 kept,
# so the posts truncated to 1,024 all fall in the last bin and news20 gets 3 bins), one JSON line per
# run with the cell, task and bins, written to by-length.jsonl (replaced only when every run evaluated).
# It reads the run folders (runs/<cell>/, which stay on the machine that trained them), so it runs where
# the study ran; runs whose folders are elsewhere are skipped with a message:
#
#     MIXLAB=.build/release/mixlab Experiments/long-range/by-length.sh
#
# MIXLAB: the mixlab binary (default: mixlab on PATH). Needs jq. A few minutes on one core (forward
# passes only). The evaluations are also written into runs/<cell>/eval/test-last/.
set -euo pipefail
mixlab=${MIXLAB:-mixlab}
[[ $mixlab == */* ]] && mixlab=$(realpath "$mixlab")
cd "$(dirname "$0")"
command -v jq > /dev/null || { echo "by-length.sh: jq is needed (apt install jq)" >&2; exit 1; }
partial=$(mktemp by-length.jsonl.partial-XXXXXX)
trap 'rm -f "$partial"' EXIT
# fromjson? skips a line a running study is still appending.
cells=$(jq -R -r 'fromjson? | select(.settings.task == "listops" or .settings.task == "news20") | .cell' results.jsonl)
for cell in $cells; do
    if [[ ! -f runs/$cell/run.json ]]; then
        echo "by-length.sh: runs/$cell has no finished run on this machine; skipped" >&2
        continue
    fi
    evaluation=$("$mixlab" eval "runs/$cell" --split test --checkpoint last --length-bins 4 --threads 1 --force --json < /dev/null) \
        || { echo "by-length.sh: mixlab eval runs/$cell failed; by-length.jsonl is left as it was" >&2; exit 1; }
    jq -c --arg cell "$cell" '{cell: $cell, task, checkpointStep, examples, accuracy: .metrics.accuracy, byLength}' <<< "$evaluation" >> "$partial"
done
mv "$partial" by-length.jsonl
trap - EXIT
