#!/usr/bin/env bash
# Builds MixLab's targets and tests and fails when the compiler warns about MixLab's own code (Sources/,
# Tests/, Examples/); dependencies' warnings are not MixLab's to fix. Extra arguments go to `swift build`.
# A warning is reported only when its file is compiled: a clean build (as CI's) sees them all.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"${SWIFT:-swift}" build --build-tests "$@" 2>&1 | tee "$log"
if grep -E "^$PWD/(Sources|Tests|Examples)/[^:]+:[0-9]+(:[0-9]+)?: warning:" "$log" > "$log.warnings"; then
    echo "error: the build warns about MixLab's own code (fix each warning; CI fails on them):" >&2
    cat "$log.warnings" >&2
    rm -f "$log.warnings"
    exit 1
fi
rm -f "$log.warnings"
