package main

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/encoders/imageproc"
	"github.com/evalclip/evalclip/internal/npy"
)

const imagesDir = "../../testdata/images"

func readNPY(t *testing.T, path string) ([]float32, []int) {
	t.Helper()
	v, shape, err := npy.ReadFloat32(path)
	if err != nil {
		t.Fatal(err)
	}
	return v, shape
}

func maxAbsDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// TestPreprocessCommand checks the .npy output against the torchvision
// goldens of tools/fixtures/make_images.py.
func TestPreprocessCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.npy")
	imgs := []string{filepath.Join(imagesDir, "rgba.png"), filepath.Join(imagesDir, "gray.png"), filepath.Join(imagesDir, "rgba.png")}
	stdout, stderr, code := cli(t, "preprocess", "--size", "64", "--out", out, imgs[0], imgs[1], imgs[2])
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "[3 3 64 64]") {
		t.Errorf("stdout %q", stdout)
	}
	got, shape := readNPY(t, out)
	if !reflect.DeepEqual(shape, []int{3, 3, 64, 64}) {
		t.Fatalf("shape %v", shape)
	}
	want, _ := readNPY(t, filepath.Join(imagesDir, "golden", "rgba.png.64-shortest-bicubic-openai.npy"))
	n := 3 * 64 * 64
	if d := maxAbsDiff(got[:n], want); d > 1e-5 {
		t.Errorf("image 0: max abs diff %g", d)
	}
	if d := maxAbsDiff(got[2*n:], want); d > 1e-5 {
		t.Errorf("image 2: max abs diff %g", d)
	}
	// Options: bilinear + ImageNet statistics via flags, squash via a
	// preprocess_cfg.json.
	if _, stderr, code := cli(t, "preprocess", "--size", "64", "--interpolation", "bilinear", "--mean", "0.485,0.456,0.406",
		"--std", "0.229,0.224,0.225", "--out", out, filepath.Join(imagesDir, "photo-500x375.jpg")); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, _ = readNPY(t, out)
	want, _ = readNPY(t, filepath.Join(imagesDir, "golden", "photo-500x375.jpg.64-shortest-bilinear-imagenet.npy"))
	if d := maxAbsDiff(got, want); d > 1e-5 && imageproc.PillowExactJPEG {
		t.Errorf("bilinear/imagenet: max abs diff %g", d)
	}
	cfg := filepath.Join(t.TempDir(), "preprocess_cfg.json")
	os.WriteFile(cfg, []byte(`{"size": [40, 40], "mode": "RGB", "interpolation": "bilinear", "resize_mode": "squash"}`), 0o644)
	if _, stderr, code := cli(t, "preprocess", "--config", cfg, "--out", out, filepath.Join(imagesDir, "tall.png")); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, _ = readNPY(t, out)
	want, _ = readNPY(t, filepath.Join(imagesDir, "golden", "tall.png.40-squash-bilinear-openai.npy"))
	if d := maxAbsDiff(got, want); d > 1e-5 {
		t.Errorf("config: max abs diff %g", d)
	}
}

func TestPreprocessCommandErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.npy")
	bad := filepath.Join(dir, "broken.jpg")
	os.WriteFile(bad, []byte{0xff, 0xd8, 0xff, 0xe0, 1, 2}, 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"preprocess", filepath.Join(imagesDir, "rgba.png")}, 2, "--out is required"},
		{[]string{"preprocess", "--out", out}, 2, "no images"},
		{[]string{"preprocess", "--resize", "crop", "--out", out, bad}, 2, "unknown resize mode"},
		{[]string{"preprocess", "--std", "1,0,1", "--out", out, bad}, 2, "std[1]"},
		{[]string{"preprocess", "--mean", "a,b,c", "--out", out, bad}, 2, "not a number"},
		{[]string{"preprocess", "--config", filepath.Join(dir, "none.json"), "--out", out, bad}, 2, "none.json"},
		{[]string{"preprocess", "--out", out, filepath.Join(imagesDir, "rgba.png"), bad}, 1, "sample 1: " + bad},
	} {
		_, stderr, code := cli(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tc.args[1:], code, stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed run left %s behind", out)
	}
}
