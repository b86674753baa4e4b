# evalclip build, demo and test entry points. `make help` lists the targets.
# Works as root on a fresh Debian machine: missing Debian packages are
# installed, Go and ONNX Runtime are fetched into .cache/ when absent.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO          ?= tools/go.sh
ORT_VERSION := 1.30.0
ORT_LIB     := .cache/onnxruntime/$(ORT_VERSION)/libonnxruntime.so.1
BIN         := bin/evalclip
VERSION     := $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS     := -X github.com/evalclip/evalclip/internal/buildinfo.version=$(VERSION)
# Debian packages the build needs; PACKAGE:COMMAND counts as present when
# COMMAND is on PATH.
DEB_PACKAGES := gcc:gcc libc6-dev npm:npm ca-certificates libopenblas-dev libturbojpeg0-dev
FUZZTIME    ?= 30s
BENCHTIME   ?= 1s

.PHONY: help deps ort build demo test vet fmt-check bench fuzz clean

help: ## list the targets
	@echo "evalclip: make <target>"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install missing Debian packages (as root; otherwise list them)
	@tools/system-deps.sh $(DEB_PACKAGES)

ort: $(ORT_LIB) ## fetch ONNX Runtime 1.30.0 (npm onnxruntime-node) into .cache/onnxruntime

$(ORT_LIB): tools/fetch-ort.sh
	@tools/fetch-ort.sh $(dir $@)

build: deps ## build bin/evalclip
	@mkdir -p bin
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/evalclip

demo: build ort ## run configs/quickstart.toml on the shipped model and data
	$(BIN) version
	$(BIN) validate configs/*.toml
	$(BIN) run configs/quickstart.toml

test: deps ort fmt-check vet ## build everything, then run all tests
	$(GO) build ./...
	CGO_ENABLED=0 $(GO) build ./...
	EVALCLIP_REQUIRE_ORT=1 $(GO) test -count=1 ./...

vet: ## go vet
	$(GO) vet ./...

fmt-check: ## fail if gofmt would change a file
	@bad=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $$(find . -name '*.go' -not -path './.cache/*')); \
	if [ -n "$$bad" ]; then echo "gofmt needed: $$bad"; exit 1; fi

bench: deps ort ## run the Go benchmarks (BENCHTIME=1s by default)
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) ./...

fuzz: ## run each fuzz target for FUZZTIME (30s by default)
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./suites
	$(GO) test -run '^$$' -fuzz '^FuzzEncode$$' -fuzztime $(FUZZTIME) ./encoders/tokenizer
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./encoders/imageproc

clean: ## remove build outputs (keeps fetched toolchains and libraries)
	rm -rf bin
