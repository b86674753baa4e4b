package onnx

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var externalDir = filepath.Join("..", "..", "testdata", "onnx", "external")

// TestExternalDataMatchesOnnx: the scanner finds the locations onnx's own
// external_data_helper finds (tools/fixtures/make_external_onnx.py wrote
// them to locations.json), in initializers, Constant attributes and
// subgraphs.
func TestExternalDataMatchesOnnx(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(externalDir, "locations.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string][]string
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"affine.onnx", "nested.onnx"} {
		got, err := ExternalData(filepath.Join(externalDir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want[name]) {
			t.Errorf("%s: %q, want %q", name, got, want[name])
		}
	}
	// A self-contained model names none.
	got, err := ExternalData(filepath.Join("..", "..", "testdata", "models", "tinyclip-digits", "visual", "model.onnx"))
	if err != nil || len(got) != 0 {
		t.Errorf("self-contained model: %q, %v", got, err)
	}
}

func TestExternalDataRefusesEscapes(t *testing.T) {
	_, err := ExternalData(filepath.Join(externalDir, "escape.onnx"))
	if err == nil || !strings.Contains(err.Error(), `"../outside.bin" is outside the model's folder`) {
		t.Fatalf("escape: %v", err)
	}
}

func TestExternalDataDamaged(t *testing.T) {
	whole, err := os.ReadFile(filepath.Join(externalDir, "nested.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, n := range []int{1, 7, len(whole) / 2, len(whole) - 1} {
		p := filepath.Join(dir, "cut.onnx")
		os.WriteFile(p, whole[:n], 0o644)
		if _, err := ExternalData(p); err == nil {
			t.Errorf("cut at %d of %d bytes: no error", n, len(whole))
		}
	}
}

func FuzzExternalData(f *testing.F) {
	for _, name := range []string{"affine.onnx", "nested.onnx", "escape.onnx"} {
		if b, err := os.ReadFile(filepath.Join(externalDir, name)); err == nil {
			f.Add(b)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "m.onnx")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		locs, err := ExternalData(p)
		if err != nil {
			return
		}
		for _, l := range locs {
			if strings.HasPrefix(l, "/") || l == ".." || strings.HasPrefix(l, "../") {
				t.Fatalf("location %q leaves the folder", l)
			}
		}
	})
}
