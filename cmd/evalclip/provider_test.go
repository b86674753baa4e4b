//go:build cgo

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/encoders/onnxrt"
)

// TestValidateCUDAWithCPULibrary: a suite asking for the CUDA provider with
// the CPU-only npm library fails validate and run before any work, exit 2,
// naming the suite's provider key and make ort-gpu.
func TestValidateCUDAWithCPULibrary(t *testing.T) {
	lib, err := onnxrt.Find("")
	if err != nil {
		if os.Getenv("EVALCLIP_REQUIRE_ORT") != "" {
			t.Fatalf("ONNX Runtime required: %v", err)
		}
		t.Skipf("no ONNX Runtime library: %v", err)
	}
	if onnxrt.HasProviderFile(lib.Path, "cuda") {
		t.Skipf("%s has the CUDA provider beside it", lib.Path)
	}
	root, _ := filepath.Abs(filepath.Join("..", "..", "testdata"))
	dir := t.TempDir()
	suite := filepath.Join(dir, "gpu.toml")
	os.WriteFile(suite, []byte(`name = "gpu"
[runtime]
provider = "cuda"
onnxruntime = "`+lib.Path+`"
[[models]]
name = "tiny"
path = "`+filepath.Join(root, "models", "tinyclip-digits")+`"
[[datasets]]
name = "digits"
format = "mnist"
path = "`+filepath.Join(root, "datasets", "digits")+`"
[[tasks]]
type = "zeroshot"
`), 0o644)
	for _, args := range [][]string{{"validate", suite}, {"run", "--out", filepath.Join(dir, "out"), suite}} {
		_, stderr, code := cli(t, args...)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d\n%s", args[0], code, exitUsage, stderr)
		}
		for _, want := range []string{"gpu.toml:3: runtime.provider:", "execution provider cuda is not available", "make ort-gpu"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", args[0], want, stderr)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "results.json")); err == nil {
		t.Error("run wrote results before failing the provider check")
	}
	if _, stderr, code := cli(t, "validate", "--schema-only", suite); code != exitOK {
		t.Errorf("--schema-only checks no libraries, got exit %d: %s", code, stderr)
	}
}
