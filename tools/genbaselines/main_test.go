package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// findReference looks for shared/reference beside the repository (or in a
// parent folder); tests that need it skip when it is absent.
func findReference(t *testing.T) string {
	if p := os.Getenv("EVALCLIP_REFERENCE"); p != "" {
		return p
	}
	dir, _ := filepath.Abs(".")
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "shared", "reference")
		if _, err := os.Stat(filepath.Join(p, "clip_paper_baselines.csv")); err == nil {
			return p
		}
	}
	t.Skip("shared/reference not found (set EVALCLIP_REFERENCE)")
	return ""
}

// TestShippedDataIsGenerated checks that reports/baselines/data is exactly
// what this generator makes from the reference files.
func TestShippedDataIsGenerated(t *testing.T) {
	files, err := Generate(findReference(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "..", "reports", "baselines", "data", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output: run go run ./tools/genbaselines", name)
		}
	}
}

func TestBadReference(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "clip_paper_baselines.csv"), []byte("model,dataset,protocol,metric,value,source\nRN50,Digits,zero-shot,acc1,1,x\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "openclip_results.csv"), []byte("name,pretrained,params (M),FLOPs (B),Average perf. on 38 datasets,ImageNet 1k\nRN50,openai,1,1,0.5,0.6\n"), 0o644)
	if _, err := Generate(dir); err == nil || err.Error() != filepath.Join(dir, "clip_paper_baselines.csv")+`:2: unknown dataset "Digits"` {
		t.Fatalf("%v", err)
	}
}
