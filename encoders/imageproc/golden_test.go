package imageproc

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/internal/npy"
)

// goldenCase is one entry of testdata/images/golden/manifest.json, written
// by tools/fixtures/make_images.py: torchvision's preprocessing on Pillow.
type goldenCase struct {
	Image         string        `json:"image"`
	Size          int           `json:"size"`
	Resize        ResizeMode    `json:"resize"`
	Interpolation Interpolation `json:"interpolation"`
	Mean          []float32     `json:"mean"`
	Std           []float32     `json:"std"`
	Golden        string        `json:"golden"`
}

const imagesDir = "../../testdata/images"

func loadGoldenCases(t testing.TB) []goldenCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(imagesDir, "golden", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func readNPY(t testing.TB, path string) ([]float32, []int) {
	t.Helper()
	v, shape, err := npy.ReadFloat32(path)
	if err != nil {
		t.Fatal(err)
	}
	return v, shape
}

// TestGoldenPillow compares Preprocess(Decode(file)) with torchvision on
// Pillow. JPEGs must match within 1e-5 only when decoded by libjpeg-turbo;
// the pure-Go fallback is held to a looser bound.
func TestGoldenPillow(t *testing.T) {
	for _, gc := range loadGoldenCases(t) {
		t.Run(strings.TrimSuffix(gc.Golden, ".npy"), func(t *testing.T) {
			want, shape := readNPY(t, filepath.Join(imagesDir, "golden", gc.Golden))
			if len(shape) != 3 || shape[0] != 3 || shape[1] != gc.Size || shape[2] != gc.Size {
				t.Fatalf("golden shape %v, want [3 %d %d]", shape, gc.Size, gc.Size)
			}
			img, err := DecodeFile(filepath.Join(imagesDir, gc.Image))
			if err != nil {
				t.Fatal(err)
			}
			c := Config{Size: gc.Size, Resize: gc.Resize, Interpolation: gc.Interpolation}
			copy(c.Mean[:], gc.Mean)
			copy(c.Std[:], gc.Std)
			got := make([]float32, c.PixelsPerImage())
			if err := c.Preprocess(img, got); err != nil {
				t.Fatal(err)
			}
			maxDiff, at := 0.0, 0
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > maxDiff {
					maxDiff, at = d, i
				}
			}
			tol := 1e-5
			if strings.HasSuffix(gc.Image, ".jpg") && !PillowExactJPEG {
				tol = 0.5 // a few 8-bit levels / std
			}
			if strings.HasSuffix(gc.Image, ".webp") {
				tol = 0 // lossless WebP has one right answer
			}
			if maxDiff > tol && !(tol == 0 && maxDiff == 0) {
				t.Errorf("max abs diff %.3g at %d (got %v, want %v), tolerance %g", maxDiff, at, got[at], want[at], tol)
			}
			t.Logf("max abs diff %.3g", maxDiff)
		})
	}
}
