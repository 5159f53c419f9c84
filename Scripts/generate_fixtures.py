#!/usr/bin/env python3
"""Generates MixLab's golden test fixtures from numpy (run by hand; CI never runs Python).

Usage: python3 Scripts/generate_fixtures.py   (needs numpy; writes Tests/*/Fixtures/*.json)

Each fixture file holds cases: an input (float32 values, stored exactly as decimals of their float32
value), the reference output computed by numpy in float64 from that float32 input, and the settings that
produced it. The Swift tests load them and compare against MixLab's Float32 kernels.
"""
import json
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
MIXERS_FIXTURES = ROOT / "Tests" / "MixLabMixersTests" / "Fixtures"


def float32_list(array):
    return [float(v) for v in np.asarray(array, dtype=np.float32).ravel()]


def fourier_cases():
    """FNet mixing: np.fft.fftn(x, axes=(1, 2)).real, and single-axis variants."""
    rng = np.random.default_rng(20210513)
    shapes = [[2, 4, 6], [1, 5, 3], [2, 1, 8], [1, 7, 9], [1, 16, 12], [1, 40, 36]]
    numpy_axes = {"both": (1, 2), "sequence": (1,), "hidden": (2,)}
    cases = []
    for shape in shapes:
        x = rng.standard_normal(shape).astype(np.float32)
        norms = ("backward", "ortho", "forward") if shape[1] * shape[2] < 50 else ("backward",)
        for axes, dims in numpy_axes.items():
            for norm in norms:
                y = np.fft.fftn(x.astype(np.float64), axes=dims, norm=norm).real
                cases.append({
                    "shape": shape, "axes": axes, "norm": norm,
                    "numpy": f"np.fft.fftn(x, axes={dims}, norm='{norm}').real",
                    "input": float32_list(x), "output": [float(v) for v in y.ravel()],
                })
    return cases


def write(path, cases, source):
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"generator": "Scripts/generate_fixtures.py", "source": source, "cases": cases}
    path.write_text(json.dumps(document, separators=(",", ":")) + "\n")
    print(f"wrote {path.relative_to(ROOT)} ({len(cases)} cases)")


if __name__ == "__main__":
    write(MIXERS_FIXTURES / "fourier.json", fourier_cases(), f"numpy {np.__version__}")
