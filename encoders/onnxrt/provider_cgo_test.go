//go:build cgo

package onnxrt

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildSharedLib compiles a C source into dir/name with gcc; extra are
// more compiler arguments (libraries to link).
func buildSharedLib(t *testing.T, dir, name, src string, extra ...string) string {
	t.Helper()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc to build provider stand-ins")
	}
	c := filepath.Join(t.TempDir(), "src.c")
	os.WriteFile(c, []byte(src), 0o644)
	out := filepath.Join(dir, name)
	args := append([]string{"-shared", "-fPIC", "-o", out, c}, extra...)
	if b, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	return out
}

// TestCheckProviderLoads: with the provider's files beside the library, the
// check dlopens the provider library, so a dependency missing from the
// loader path (here a library deleted after linking, standing in for
// libcublasLt.so.13) is named; a provider library that loads passes.
func TestCheckProviderLoads(t *testing.T) {
	dir := t.TempDir()
	core := filepath.Join(dir, "libonnxruntime.so.1")
	os.WriteFile(core, []byte("x"), 0o644)
	buildSharedLib(t, dir, SharedProviderFile, "int evalclip_shared(void) { return 1; }\n")
	deps := t.TempDir()
	buildSharedLib(t, deps, "libevalclipgone.so", "int evalclip_gone(void) { return 2; }\n")
	buildSharedLib(t, dir, "libonnxruntime_providers_cuda.so",
		"int evalclip_gone(void);\nint evalclip_cuda(void) { return evalclip_gone(); }\n", "-L"+deps, "-levalclipgone")
	os.Remove(filepath.Join(deps, "libevalclipgone.so"))
	lib := Library{Path: core, Version: "1.29.0"}
	err := CheckProvider(lib, "cuda")
	for _, want := range []string{"libonnxruntime_providers_cuda.so does not load", "libevalclipgone.so", "CUDA runtime"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing dependency: error lacks %q: %v", want, err)
		}
	}
	buildSharedLib(t, dir, "libonnxruntime_providers_tensorrt.so", "int evalclip_trt(void) { return 3; }\n")
	if err := CheckProvider(lib, "tensorrt"); err != nil {
		t.Errorf("loadable provider: %v", err)
	}
}

// TestProbeListsProviders: the probe reads the build's execution providers
// through the C API (the npm build lists CUDA and TensorRT even without
// their libraries).
func TestProbeListsProviders(t *testing.T) {
	lib := requireLibrary(t)
	p, err := Probe(lib.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !contains(p.Providers, "CPUExecutionProvider") {
		t.Errorf("providers %v lack the CPU provider", p.Providers)
	}
}
