#!/usr/bin/env bash
# The long-range study's efficiency table (the FNet paper's Table 6 at CPU scale): the median training
# step and the peak resident memory of the study's model (hidden 64, FFN 128, 2 layers, batch 16,
# byte vocabulary, every position computed as mean pooling needs) for each mixer at 512–4096 tokens,
# on one thread. One process per cell, so each peak is that cell's own. Run it on a quiet machine:
#
#     ./efficiency.sh > efficiency.jsonl
#
# MIXLAB: the mixlab binary (default: mixlab on PATH). About 15 minutes on one core.
set -euo pipefail
mixlab=${MIXLAB:-mixlab}
common=(--vocab 256 --hidden 64 --ffn 128 --layers 2 --batch 16 --every-position --threads 1 --json)
for seq in 512 1024 2048 4096; do
    for mixer in fourier hartley dct hadamard wavelet fractional-fourier learned-basis global-filter linear identity attention; do
        extra=()
        case $mixer in
            attention) extra=(--heads 2) ;;
            # Its basis is a dense T×T symmetric eigendecomposition (O(T³), minutes at 4096).
            fractional-fourier) [[ $seq -ge 4096 ]] && continue ;;
        esac
        # The quadratic mixers take seconds a step at 4096: fewer repetitions there.
        runs=10
        [[ $seq -ge 2048 && ( $mixer == attention || $mixer == linear || $mixer == fractional-fourier ) ]] && runs=4
        "$mixlab" bench train --mixer "$mixer" "${extra[@]}" --seq "$seq" --runs "$runs" --warmup 2 "${common[@]}" | tail -n 1
    done
done
