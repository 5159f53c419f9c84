#!/usr/bin/env python3
"""Model of a data-parallel MixLab training step on N nodes (docs/distributed.md prints its tables).

One rank per node; ring all-reduce of the gradient buffer (4·(P + 2) bytes) at link bandwidth BW with per-message
latency a:   t_ar(N) = 2(N − 1)/N · bytes / BW + 2(N − 1)·a.
Fixed global batch B (strong scaling, N ≤ B):       t(N) = T1/N + t_ar(N),   speed-up T1 / t(N).
Fixed batch per node (weak scaling, global N·B):    t(N) = T1 + t_ar(N),     efficiency T1 / t(N).
T1 is one node's step time for batch B. Compute is assumed to shrink in proportion to the rows per rank (it does
not quite: small GEMMs run below peak), and the all-reduce is not overlapped with the backward pass.
Usage: distributed-step-model.py NAME PARAMETERS BATCH T1_SECONDS [NAME PARAMETERS BATCH T1_SECONDS ...]
"""
import sys

NETWORKS = [("10 Gb/s Ethernet", 1.25e9, 20e-6), ("25 Gb/s Ethernet", 3.125e9, 20e-6), ("100 Gb/s InfiniBand", 12.5e9, 2e-6)]
NODES = [2, 4, 8, 16, 32, 64]


def all_reduce(nodes, size, bandwidth, latency):
    return 2 * (nodes - 1) / nodes * size / bandwidth + 2 * (nodes - 1) * latency


args = sys.argv[1:]
if len(args) == 0 or len(args) % 4:
    sys.exit(__doc__)
for i in range(0, len(args), 4):
    name, parameters, batch, t1 = args[i], int(args[i + 1]), int(args[i + 2]), float(args[i + 3])
    size = 4 * (parameters + 2)
    print(f"\n{name}: {parameters:,} parameters, {size / 1e6:.1f} MB of gradients per step, batch {batch}, T1 = {t1 * 1e3:.0f} ms\n")
    print("| network | " + " | ".join(f"N = {n}" for n in NODES) + " |")
    print("|---|" + "---|" * len(NODES))
    for label, bandwidth, latency in NETWORKS:
        cells = []
        for n in NODES:
            t = all_reduce(n, size, bandwidth, latency)
            strong = f"×{t1 / (t1 / n + t):.1f}" if n <= batch else "—"
            cells.append(f"{t * 1e3:.1f} ms; {strong}; {100 * t1 / (t1 + t):.0f} %")
        print(f"| {label} | " + " | ".join(cells) + " |")
