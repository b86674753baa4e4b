# evalclip build, demo and test entry points. `make help` lists the targets.
# Works as root on a fresh Debian machine: missing Debian packages are
# installed, Go and ONNX Runtime are fetched into .cache/ when absent.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO          ?= tools/go.sh
ORT_VERSION := 1.30.0
ORT_LIB     := .cache/onnxruntime/$(ORT_VERSION)/libonnxruntime.so.1
# ONNX Runtime with its CUDA 13 / cuDNN 9 execution provider, for GPU runners.
ORT_GPU_VERSION := 1.29.0
ORT_GPU_DIR     := .cache/onnxruntime/$(ORT_GPU_VERSION)-cuda
BIN         := bin/evalclip
VERSION     := $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS     := -X github.com/evalclip/evalclip/internal/buildinfo.version=$(VERSION)
# Debian packages the build needs; PACKAGE:COMMAND counts as present when
# COMMAND is on PATH.
DEB_PACKAGES := gcc:gcc g++:g++ libc6-dev npm:npm ca-certificates libopenblas-dev libturbojpeg0-dev
FUZZTIME    ?= 30s
# FUZZQUICK is how much make test fuzzes each target: a count of executions
# ("1000x"), not a duration: Go 1.26's fuzz coordinator can fail a
# duration-bounded run with "context deadline exceeded" at the deadline,
# with no crashing input (go.dev/issue/75804, fixed in Go 1.27).
FUZZQUICK   ?= 1000x
# Every fuzz target, as package:Target.
FUZZ_TARGETS := ./suites:FuzzParse ./suites:FuzzScanKeys ./encoders/tokenizer:FuzzEncode ./encoders/tokenizer:FuzzHFEncode \
	./encoders/tokenizer:FuzzLoadTokenizerJSON ./encoders/imageproc:FuzzDecode \
	./internal/npy:FuzzRead ./datasets/internal/mat5:FuzzRead ./datasets:FuzzMNIST ./datasets:FuzzWDS ./datasets:FuzzCSV \
	./datasets:FuzzLOCSolution ./datasets:FuzzPetsAnnotations ./reports:FuzzResults ./encoders/onnx:FuzzExternalData ./encoders/onnx:FuzzGraphInputs
BENCHTIME   ?= 1s
# CUDA kernels: CUDA C in kernels/cuda, PTX committed in kernels/cuda/ptx.
NVCC        ?= nvcc
PTX_ARCH    := compute_80
CUDA_SRC    := $(wildcard kernels/cuda/*.cu)
CUDA_HDR    := $(wildcard kernels/cuda/*.cuh)
PTX         := $(patsubst kernels/cuda/%.cu,kernels/cuda/ptx/%.ptx,$(CUDA_SRC))
# CUDA_REQUIRED=1 (set by .ci/run) turns a missing CUDA toolkit into an error.
CUDA_REQUIRED ?=

.PHONY: help deps ort ort-gpu gpu-runner build demo test vet fmt-check bench fuzz fuzz-quick hub-interop report-deps clean ptx ptx-check ptx-resources cuda cuda-check cuda-emu cuda-toolkit gpu-bins

help: ## list the targets
	@echo "evalclip: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install missing Debian packages (as root; otherwise list them)
	@tools/system-deps.sh $(DEB_PACKAGES)

ort: $(ORT_LIB) ## fetch ONNX Runtime 1.30.0 (npm onnxruntime-node) into .cache/onnxruntime

$(ORT_LIB): tools/fetch-ort.sh
	@tools/fetch-ort.sh $(patsubst %/,%,$(dir $@))

ort-gpu: ## fetch ONNX Runtime 1.29.0 with its CUDA and TensorRT providers (npm) into .cache/onnxruntime/1.29.0-cuda
	@tools/fetch-ort-gpu.sh $(ORT_GPU_DIR)

# gpu-runner sets up a GPU machine in one command: the CUDA toolkit (a no-op
# when nvcc and cuda.h are there; on Debian it enables non-free), the CUDA build of
# evalclip, ONNX Runtime with the CUDA provider, then what the binary sees
# (evalclip version lists each provider, or what it lacks).
gpu-runner: cuda-toolkit cuda ort-gpu ## set up a GPU runner (root on Debian): CUDA toolkit, make cuda, make ort-gpu, evalclip version
	$(BIN) version

build: deps ## build bin/evalclip
	@mkdir -p bin
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/evalclip

demo: build ort ## run configs/quickstart.toml on the shipped model and data
	$(BIN) version
	$(BIN) validate configs/*.toml
	$(BIN) run configs/quickstart.toml

# test runs the tests in the default build, then again in each fallback
# build: without cgo (pure-Go JPEG, BLAS; the ONNX Runtime tests skip),
# without OpenBLAS and without libjpeg-turbo, then the CUDA kernels on the
# host emulator.
test: deps ort fmt-check vet cuda-check ## build everything, then run all tests (default, CGO_ENABLED=0, noopenblas, noturbojpeg, CUDA emulator)
	$(GO) build ./...
	CGO_ENABLED=0 $(GO) build ./...
	EVALCLIP_REQUIRE_ORT=1 $(GO) test -count=1 ./...
	CGO_ENABLED=0 $(GO) test -count=1 ./...
	EVALCLIP_REQUIRE_ORT=1 $(GO) test -count=1 -tags noopenblas ./...
	EVALCLIP_REQUIRE_ORT=1 $(GO) test -count=1 -tags noturbojpeg ./...
	@$(MAKE) --no-print-directory fuzz-quick
	@$(MAKE) --no-print-directory cuda-emu

vet: ## go vet (default build and each fallback build)
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) vet ./...
	$(GO) vet -tags noopenblas ./...
	$(GO) vet -tags noturbojpeg ./...

fmt-check: ## fail if gofmt would change a file
	@bad=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $$(find . -name '*.go' -not -path './.cache/*')); \
	if [ -n "$$bad" ]; then echo "gofmt needed: $$bad"; exit 1; fi

bench: deps ort ## run the Go benchmarks (BENCHTIME=1s by default)
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./...

fuzz: ## run each fuzz target for FUZZTIME (30s by default)
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz: $${t%%:*} $${t#*:} for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s "$${t%%:*}" || exit 1; \
	done

# fuzz-quick runs every fuzz target briefly (part of make test): a crash on
# new input fails the build, and the input joins testdata/fuzz as a
# regression case.
fuzz-quick:
	@for t in $(FUZZ_TARGETS); do \
	  $(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZQUICK) -fuzzminimizetime 100x "$${t%%:*}" >/tmp/evalclip-fuzz.$$$$.log 2>&1 || \
	    { cat /tmp/evalclip-fuzz.$$$$.log; rm -f /tmp/evalclip-fuzz.$$$$.log; echo "fuzz-quick: $${t#*:} in $${t%%:*} failed" >&2; exit 1; }; \
	  echo "fuzz-quick: $${t%%:*} $${t#*:}: $$(grep -o 'execs: [0-9]*' /tmp/evalclip-fuzz.$$$$.log | tail -1)"; \
	done; rm -f /tmp/evalclip-fuzz.$$$$.log

# hub-interop runs huggingface_hub (the Python client; a release built on
# requests, e.g. v0.36.2, with python3-requests -filelock -fsspec -packaging
# -yaml -tqdm -typing-extensions) against the loopback Hub and on the caches
# both clients write: HF_HUB_SRC is its src/ folder. Not part of make test.
hub-interop: ## check the Hub client and cache against huggingface_hub (HF_HUB_SRC=.../huggingface_hub/src)
	@test -n "$(HF_HUB_SRC)" || { echo "hub-interop: set HF_HUB_SRC to huggingface_hub's src folder" >&2; exit 2; }
	EVALCLIP_HF_HUB_SRC="$(abspath $(HF_HUB_SRC))" EVALCLIP_PYTHON="$(or $(PYTHON),python3)" $(GO) test -count=1 -v -run Interop ./internal/hub

ptx: $(PTX) ## compile kernels/cuda/*.cu to the committed PTX (nvcc 11.8, compute_80)

kernels/cuda/ptx/%.ptx: kernels/cuda/%.cu $(CUDA_HDR)
	@mkdir -p $(dir $@)
	$(NVCC) -arch=$(PTX_ARCH) -O3 --ptx -o $@ $<

ptx-check: ## fail if the committed PTX differs from what nvcc makes of kernels/cuda
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for src in $(CUDA_SRC); do \
	  out=$$tmp/$$(basename $${src%.cu}).ptx; \
	  $(NVCC) -arch=$(PTX_ARCH) -O3 --ptx -o $$out $$src || exit 1; \
	  if ! cmp -s $$out kernels/cuda/ptx/$$(basename $$out); then \
	    echo "kernels/cuda/ptx/$$(basename $$out) is stale: run make ptx and commit it" >&2; exit 1; \
	  fi; \
	done; echo "ptx-check: committed PTX is current ($$($(NVCC) --version | tail -1))"

ptx-resources: ## registers, spills, shared memory and blocks/SM of every kernel (ptxas on the committed PTX)
	@tools/ptx-resources.sh

cuda: deps ## build bin/evalclip with the CUDA kernels (-tags cuda; needs the CUDA toolkit's libcuda and headers)
	@mkdir -p bin
	$(GO) build -tags cuda -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/evalclip

# cuda-check builds and vets -tags cuda and checks the committed PTX when the
# CUDA toolkit is installed; without it, it says so and carries on, unless
# CUDA_REQUIRED=1 (CI).
cuda-check:
	@if command -v $(NVCC) >/dev/null 2>&1 && [ -e /usr/include/cuda.h ]; then \
	  $(MAKE) --no-print-directory ptx-check && \
	  tools/ptx-resources.sh >/dev/null && echo "cuda-check: ptxas assembles the committed PTX for sm_80 and sm_90" && \
	  $(GO) vet -tags cuda ./... && $(GO) build -tags cuda ./... && \
	  echo "cuda-check: -tags cuda builds and vets (tests included; they need a GPU to run)"; \
	elif [ -n "$(CUDA_REQUIRED)" ]; then \
	  echo "cuda-check: the CUDA toolkit (nvcc, cuda.h) is missing; run make cuda-toolkit" >&2; exit 1; \
	else \
	  echo "cuda-check: skipped: no CUDA toolkit (nvcc and cuda.h); 'make cuda-toolkit' installs it (Debian non-free)"; \
	fi

# gpu-bins also compiles two variants of the fused kernels as PTX
# overrides the check times against the committed PTX: bin/ptx-minblocks2
# (two blocks per multiprocessor forced, spilling) and bin/ptx-bn64
# (128x64 tensor-core tiles staged whole for the top-k scan: two blocks per
# multiprocessor without spills for k <= 8).
# GPU_TAGS=cudaemu builds the same binaries on the host emulator, for a dry
# run of the check script without a GPU.
GPU_TAGS ?= cuda
gpu-bins: ## build bin/evalclip-cuda, the test binaries and variant PTX for tools/gpu/kernels-check.sh and encoders-check.sh
	@mkdir -p bin/ptx-minblocks2 bin/ptx-bn64
	$(GO) build -tags "$(GPU_TAGS) noopenblas" -trimpath -ldflags "-s -w $(LDFLAGS)" -o bin/evalclip-cuda ./cmd/evalclip
	$(GO) test -c -tags "$(GPU_TAGS) noopenblas" -trimpath -ldflags "-s -w" -o bin/kernels-cuda.test ./kernels
	$(GO) test -c -trimpath -ldflags "-s -w" -o bin/onnx.test ./encoders/onnx
	@if command -v $(NVCC) >/dev/null 2>&1; then \
	  for m in simt mma; do $(NVCC) -arch=$(PTX_ARCH) -O3 --ptx -DFUSED_MIN_BLOCKS=2 -o bin/ptx-minblocks2/$$m.ptx kernels/cuda/$$m.cu; done; \
	  $(NVCC) -arch=$(PTX_ARCH) -O3 --ptx -DFUSED_MMA_BN=64 -o bin/ptx-bn64/mma.ptx kernels/cuda/mma.cu; \
	else echo "gpu-bins: no $(NVCC): PTX variants not built (the check skips them)"; rm -rf bin/ptx-minblocks2 bin/ptx-bn64; fi

# cuda-emu runs the CUDA kernels through the launcher on the host emulator
# (kernels/internal/cudrv): the same CUDA C, compiled for the CPU, against
# the float64 reference; then the tensor-core and fused kernels again with
# the last warp running ahead and cp.async copies landing at once.
cuda-emu: deps ## test the CUDA kernels on the host emulator (-tags cudaemu; needs only g++)
	$(GO) vet -tags cudaemu ./kernels/...
	$(GO) test -count=1 -tags cudaemu ./kernels/internal/cudrv
	$(GO) test -count=1 -tags cudaemu -run 'TestCUDA' ./kernels
	EVALCLIP_EMU_SCHEDULE=reverse EVALCLIP_EMU_CPASYNC=eager $(GO) test -count=1 -tags cudaemu -run 'TestCUDA(Fused|MMA)' ./kernels
	EVALCLIP_EMU_VARIANT=bn64 $(GO) test -count=1 -tags cudaemu -run 'TestCUDAFused' ./kernels

cuda-toolkit: ## enable Debian contrib/non-free and install nvidia-cuda-toolkit (as root; changes apt sources)
	@tools/cuda-toolkit.sh

report-deps: ## install pdflatex and siunitx (Debian texlive-latex-base, -recommended, -science; as root) so the report.tex test compiles it
	@if command -v pdflatex >/dev/null 2>&1 && kpsewhich siunitx.sty >/dev/null 2>&1; then echo "report-deps: $$(command -v pdflatex), $$(kpsewhich siunitx.sty)"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends texlive-latex-base texlive-latex-recommended texlive-science; \
	else echo "report-deps: as root, or: apt-get install texlive-latex-base texlive-latex-recommended texlive-science" >&2; exit 1; fi

clean: ## remove build outputs (keeps fetched toolchains and libraries)
	rm -rf bin
