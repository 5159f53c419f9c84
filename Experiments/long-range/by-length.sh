#!/usr/bin/env bash
# Accuracy by input length of every finished ListOps and Text (news20) run of the long-range study:
# `mixlab eval` of each run's final weights on the test split, its examples in 4 bins of about equal
# size by real length (ListOps: 500–2,000 tokens; news20: bytes of the post up to the 1,024 kept), one
# JSON line per run with the cell, task and bins. It reads the run folders (runs/<cell>/, which stay on
# the machine that trained them), so it runs where the study ran, after it:
#
#     MIXLAB=mixlab ./by-length.sh > by-length.jsonl
#
# MIXLAB: the mixlab binary (default: mixlab on PATH). Needs jq. A few minutes on one core (forward
# passes only). The evaluations are also written into runs/<cell>/eval/test-last/.
set -euo pipefail
cd "$(dirname "$0")"
mixlab=${MIXLAB:-mixlab}
command -v jq > /dev/null || { echo "by-length.sh: jq is needed (apt install jq)" >&2; exit 1; }
jq -r 'select(.settings.task == "listops" or .settings.task == "news20") | .cell' results.jsonl | while read -r cell; do
    if [[ ! -f runs/$cell/run.json ]]; then
        echo "by-length.sh: runs/$cell has no finished run on this machine; skipped" >&2
        continue
    fi
    "$mixlab" eval "runs/$cell" --split test --checkpoint last --length-bins 4 --threads 1 --force --json \
        | jq -c --arg cell "$cell" '{cell: $cell, task, checkpointStep, examples, accuracy: .metrics.accuracy, byLength}'
done
