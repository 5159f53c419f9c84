#!/usr/bin/env python3
"""Generates MixLab's golden test fixtures (run by hand; CI never runs Python).

Usage: python3 Scripts/generate_fixtures.py [NAME ...]
  (needs numpy, scipy, statsmodels and PyWavelets; with NAMEs, only Scripts/fixtures/NAME.py runs)

Each module in Scripts/fixtures/ defines FIXTURES, a map from a fixture path (relative to the
repository root) to a function returning its cases. A case holds an input (float32 values, stored
exactly), the reference output computed by numpy/scipy/pywt in float64 from that input, the settings that
produced it and the reference call. The Swift tests load the files and compare MixLab's kernels to them.
wordpiece.py encodes tricky strings with MixLab's committed tokenizer.json through HuggingFace
`tokenizers`. listops.py is different: a port of LRA's ListOps generator (Python and numpy only) that writes trees
with their labels and lengths, and the exact length law of the generator's windows, for the task tests.
"""
import importlib
import importlib.util
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
GENERATORS = ROOT / "Scripts" / "fixtures"


def versions():
    found = {}
    for name in ("numpy", "scipy", "statsmodels", "pywt", "tokenizers", "torch", "transformers"):
        try:
            found[name] = importlib.import_module(name).__version__
        except ImportError:
            pass
    return ", ".join(f"{k} {v}" for k, v in found.items())


def load_generator(module_name):
    """Scripts/fixtures/NAME.py as a module of its own name space: a generator named like a standard
    module (statistics.py) must not shadow it for the libraries the generators import (scipy)."""
    spec = importlib.util.spec_from_file_location(f"mixlab_fixtures_{module_name}", GENERATORS / f"{module_name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(names):
    sys.path.append(str(GENERATORS))  # for `from common import ...`, after the standard library
    modules = names or sorted(p.stem for p in GENERATORS.glob("*.py") if p.stem != "common")
    for module_name in modules:
        module = load_generator(module_name)
        for relative, make_cases in module.FIXTURES.items():
            path = ROOT / relative
            cases = make_cases()
            path.parent.mkdir(parents=True, exist_ok=True)
            document = {"generator": f"Scripts/fixtures/{module_name}.py", "source": versions(), "cases": cases}
            path.write_text(json.dumps(document, separators=(",", ":")) + "\n")
            print(f"wrote {relative} ({len(cases)} cases)")


if __name__ == "__main__":
    main(sys.argv[1:])
