# MixLab: `make demo` and `make test` are the two commands a new user needs.
# Both install the Debian packages MixLab needs (FFTW, GSL, OpenBLAS) when they are missing.

SWIFT ?= swift
# Release builds use this CPU's vector units (AVX2/AVX-512 where present) for MixLab's own loops.
RELEASE_FLAGS = -c release -Xswiftc -target-cpu -Xswiftc native
MIXLAB = .build/release/mixlab

.PHONY: all deps build release test test-mpi test-slurm test-asan test-tsan fuzz chaos reliability-smoke notebooks demo doctor bench bench-plain-build crossover fixtures docs clean

all: release

deps:
	@Scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

# A build of every target and test that fails on a compiler warning in MixLab's own code, the whole test
# suite (debug build), then the example mixer package's tests, every notebook in smoke mode, and the
# documentation (`make docs`: fails on a broken symbol link). The example package and the notebooks'
# Swift blocks build with MixLab's own build folder as scratch path, so MixLab's modules compile once.
test: deps
	SWIFT=$(SWIFT) Scripts/build-without-warnings.sh
	$(SWIFT) test
	$(SWIFT) test --package-path Examples/SmoothingMixer --scratch-path .build
	.build/debug/mixlab notebook run --smoke notebooks-md/[0-9]*.md
	$(MAKE) docs
	$(MAKE) reliability-smoke

# Reliability (see README, "Reliability"). `make fuzz` runs every libFuzzer target (Fuzz/) for FUZZ_SECONDS
# each (FUZZ_RUNS to stop at a number of executions); `make chaos` runs Scripts/fault-injection.sh on a
# release build (CHAOS_KILLS kill instants per scenario). Both fail on any finding.
FUZZ_SECONDS ?= 60
fuzz: deps
	SWIFT=$(SWIFT) FUZZ_SECONDS=$(FUZZ_SECONDS) Scripts/fuzz.sh

CHAOS_KILLS ?= 50
chaos: release
	MIXLAB=$(MIXLAB) CHAOS_KILLS=$(CHAOS_KILLS) Scripts/fault-injection.sh

# A minute or two of both, part of `make test`: 3 seconds per fuzz target; 5 kills per kill scenario with
# the debug build `make test` made (the fetch scenario downloads one Debian package when it can).
reliability-smoke: deps
	SWIFT=$(SWIFT) FUZZ_SECONDS=3 Scripts/fuzz.sh
	MIXLAB=.build/debug/mixlab CHAOS_KILLS=5 Scripts/fault-injection.sh

# The whole test suite under AddressSanitizer (memory errors; leak checking is off here because
# Foundation's Process leaks on every run of a child process, which fails the tests that start one — the
# fuzz targets check the readers for leaks) and under ThreadSanitizer with 4 threads, so the kernels'
# multi-threaded paths run with more threads than cores. Each uses its own build folder.
test-asan: deps
	ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no $(SWIFT) test --sanitize=address --scratch-path .build-asan

test-tsan: deps
	MIXLAB_THREADS=4 SWIFT_BACKTRACE=enable=no $(SWIFT) test --sanitize=thread --scratch-path .build-tsan

# Runs every notebook for real (release build) and writes the outputs and figures back.
notebooks: release
	$(MIXLAB) notebook run notebooks-md/[0-9]*.md

# Data-parallel training under Open MPI (Scripts/test-mpi.sh): `mpirun -np 2` and `-np 3` (uneven shards) of a tiny
# run against one process within a stated tolerance, a rank killed mid-run (the job fails, the checkpoint resumes
# in one process) and the clear errors. Needs openmpi-bin (make deps) and python3; not part of `make test`.
test-mpi: release
	MIXLAB=$(MIXLAB) Scripts/test-mpi.sh

# A real single-node Slurm cluster (Debian's slurm-wlm and munge, installed when missing; needs root) runs
# Experiments/tiny-slurm as a job array; its merged results must match a local run; then a data-parallel
# `mixlab train --slurm` job (1 node × 2 ranks, needs openmpi-bin) must match a local run. Not part of `make test`.
test-slurm: build
	Scripts/test-slurm.sh

# The mixer check and timing demo, then a small real ablation study (Experiments/demo/study.yaml: six
# mixers, three seeds, a few minutes), run in a scratch copy under .build/demo and reported.
DEMO = .build/demo
demo: release
	$(MIXLAB) demo
	rm -rf $(DEMO) && mkdir -p $(DEMO) && cp Experiments/demo/study.yaml $(DEMO)/study.yaml
	$(MIXLAB) study run $(DEMO)/study.yaml
	$(MIXLAB) study report $(DEMO)/study.yaml

doctor: release
	$(MIXLAB) doctor

# The FNet mixing benchmark on the shape of the PyTorch/numpy comparison ([32, 512, 256]).
bench: release
	$(MIXLAB) bench mixer fourier --shape 32,512,256
	$(MIXLAB) bench mixer fourier --shape 8,4096,256
	$(MIXLAB) bench mixer fourier --shape 32,128,768

# A package that depends on MixLab built the plain way (`swift build -c release`: SwiftPM passes no
# -target-cpu to dependencies, so MixLab's Swift loops compile for the baseline) against `make release`'s
# mixlab. Each benchmark runs on both binaries in turn (alternating which goes first), ROUNDS times (timings on a shared machine are
# noisy: compare ratios, not times); prints the median over rounds of each binary's median and the ratio.
PLAIN = Examples/SmoothingMixer/.build/release/mixlab-smoothing
ROUNDS ?= 5
COMPARED = \
	"mixer fourier --shape 32,512,256" "mixer wavelet --shape 32,512,256" "mixer dct --shape 32,512,256" \
	"train --mixer fourier --vocab 256 --hidden 128 --layers 2 --ffn 512 --batch 32 --seq 512" \
	"train --mixer fourier --vocab 8192 --hidden 256 --layers 4 --ffn 1024 --batch 16 --seq 512" \
	"infer --mixer fourier --vocab 256 --hidden 128 --layers 2 --ffn 512 --batch 32 --seq 1024" \
	"infer --mixer attention --vocab 256 --hidden 128 --layers 2 --ffn 512 --batch 32 --seq 1024"
bench-plain-build: release
	cd Examples/SmoothingMixer && $(SWIFT) build -c release
	@$(PLAIN) doctor | grep '^kernels'
	@rm -f .build/plain-build.tsv
	@for round in $$(seq $(ROUNDS)); do for bench in $(COMPARED); do \
	  order="native plain"; [ $$((round % 2)) = 0 ] && order="plain native"; for kind in $$order; do \
	  binary=$(MIXLAB); [ $$kind = plain ] && binary=$(PLAIN); \
	  $$binary bench $$bench --runs 10 --json | sed -n 's/.*"median_ms":\([0-9.]*\).*"pass":"\([^"]*\)".*/\2 \1/p' | \
	  while read pass ms; do printf '%s (%s)\t%s\t%s\n' "$$bench" "$$pass" $$kind $$ms >> .build/plain-build.tsv; done; \
	done; done; echo "round $$round of $(ROUNDS) done"; done
	@sort -t '	' -k1,1 -k2,2 -k3,3g .build/plain-build.tsv | awk -F '\t' ' \
	  { key = $$1 SUBSEP $$2; v[key, ++n[key]] = $$3; names[$$1] = 1 } \
	  END { for (key in n) { m = n[key]; med[key] = m % 2 ? v[key, (m + 1) / 2] : (v[key, m / 2] + v[key, m / 2 + 1]) / 2 } \
	        for (b in names) printf "%-100s native %8.1f ms  plain %8.1f ms  plain/native %.2f\n", b, \
	          med[b, "native"], med[b, "plain"], med[b, "plain"] / med[b, "native"] }' | sort

crossover: release
	$(MIXLAB) bench crossover

# Regenerates the golden fixtures (never run in CI). Needs a Python with the packages of
# Scripts/fixtures/requirements.txt (numpy, scipy, PyWavelets, torch, transformers), for example:
#   python3 -m venv .venv-fixtures && .venv-fixtures/bin/pip install -r Scripts/fixtures/requirements.txt
#   make fixtures PYTHON=.venv-fixtures/bin/python
PYTHON ?= python3
fixtures:
	$(PYTHON) Scripts/generate_fixtures.py

# The DocC documentation of every library product, one archive per module in
# .build/plugins/Swift-DocC/outputs/<Module>.doccarchive. Warnings are errors, so a broken ``symbol`` or
# <doc:article> link fails the build. Preview one module with
#   swift package --disable-sandbox preview-documentation --target MixLabMixers
DOC_TARGETS = MixLabCore MixLabKernels MixLabMixers MixLabModels MixLabTasks MixLabDistributed MixLabTraining MixLabStudies \
	MixLabNotebooks MixLabTestKit MixLab MixLabCommandLine
docs: deps
	$(SWIFT) package generate-documentation --warnings-as-errors $(addprefix --target ,$(DOC_TARGETS))

clean:
	rm -rf .build
