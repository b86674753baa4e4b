package onnxrt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCacheOrderForProvider: the newest cached library serves the CPU; a
// GPU provider prefers the newest cached folder that holds its library.
func TestCacheOrderForProvider(t *testing.T) {
	root := t.TempDir()
	put := func(rel string) {
		p := filepath.Join(root, CacheDir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("x"), 0o644)
	}
	put("1.30.0/libonnxruntime.so.1")
	put("1.29.0-cuda/libonnxruntime.so.1")
	put("1.29.0-cuda/libonnxruntime_providers_cuda.so")
	put("1.29.0-cuda/" + SharedProviderFile)
	put("1.28.0/libonnxruntime.so.1")
	old := searchRoots
	defer func() { searchRoots = old }()
	searchRoots = func() []string { return []string{root} }
	base := func(ps []string) []string {
		var out []string
		for _, p := range ps {
			out = append(out, filepath.Base(filepath.Dir(p)))
		}
		return out
	}
	if got := strings.Join(base(cacheCandidates("")), " "); got != "1.30.0 1.29.0-cuda 1.28.0" {
		t.Errorf("cpu order: %s", got)
	}
	if got := strings.Join(base(cacheCandidates("cuda")), " "); got != "1.29.0-cuda 1.30.0 1.28.0" {
		t.Errorf("cuda order: %s", got)
	}
	if got := strings.Join(base(cacheCandidates("tensorrt")), " "); got != "1.30.0 1.29.0-cuda 1.28.0" {
		t.Errorf("tensorrt order (no tensorrt library cached): %s", got)
	}
}

// TestCheckProviderFiles covers the checks that need no loader: a provider
// the build lacks, provider libraries missing beside the core library, and
// an unknown provider name.
func TestCheckProviderFiles(t *testing.T) {
	dir := t.TempDir()
	core := filepath.Join(dir, "libonnxruntime.so.1")
	os.WriteFile(core, []byte("x"), 0o644)
	lib := Library{Path: core, Version: "1.30.0", Providers: []string{"CPUExecutionProvider", "CUDAExecutionProvider"}}
	if err := CheckProvider(lib, "cpu"); err != nil {
		t.Errorf("cpu: %v", err)
	}
	if err := CheckProvider(lib, ""); err != nil {
		t.Errorf("default provider: %v", err)
	}
	err := CheckProvider(lib, "cuda")
	for _, want := range []string{"execution provider cuda is not available in ONNX Runtime 1.30.0 at " + core,
		"libonnxruntime_providers_cuda.so and " + SharedProviderFile + " not beside it", "make ort-gpu"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("no provider files: error lacks %q: %v", want, err)
		}
	}
	err = CheckProvider(lib, "tensorrt")
	if err == nil || !strings.Contains(err.Error(), "the build has no TensorrtExecutionProvider (it has CPUExecutionProvider, CUDAExecutionProvider)") ||
		!strings.Contains(err.Error(), "make ort-gpu") {
		t.Errorf("provider missing from the build: %v", err)
	}
	if err := CheckProvider(lib, "rocm"); err == nil || !strings.Contains(err.Error(), `unknown execution provider "rocm" (cpu, cuda, tensorrt)`) {
		t.Errorf("unknown provider: %v", err)
	}
}

func TestVersionOrder(t *testing.T) {
	if !versionLess("1.9.0", "1.30.0") || versionLess("1.30.0", "1.30.0") || !versionLess("1.30", "1.30.1") {
		t.Error("versionLess")
	}
	if !tooOld("1.23.2") || tooOld("1.24.0") || tooOld("2.0") || tooOld("garbage") {
		t.Error("tooOld")
	}
}
