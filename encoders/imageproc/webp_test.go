package imageproc

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestLossyWebPMatchesPillow decodes lossy WebP files of several
// qualities, sizes (odd and even, down to 1x1) and with alpha, and
// compares every RGB value with Pillow's decode (libwebp 1.2.4;
// tools/fixtures/make_webp.py). A limited-range conversion would put black
// at 16 and white at 235.
func TestLossyWebPMatchesPillow(t *testing.T) {
	dir := filepath.Join(imagesDir, "webp")
	raw, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name          string
		Width, Height int
	}
	if err := json.Unmarshal(raw, &cases); err != nil || len(cases) < 10 {
		t.Fatalf("cases.json: %v (%d cases)", err, len(cases))
	}
	for _, c := range cases {
		img, err := DecodeFile(filepath.Join(dir, c.Name+".webp"))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		rgb := img.(*RGB)
		want, err := os.ReadFile(filepath.Join(dir, c.Name+".rgb"))
		if err != nil {
			t.Fatal(err)
		}
		if rgb.Rect.Dx() != c.Width || rgb.Rect.Dy() != c.Height {
			t.Fatalf("%s: %v, want %dx%d", c.Name, rgb.Rect, c.Width, c.Height)
		}
		for y := 0; y < c.Height; y++ {
			got := rgb.Pix[y*rgb.Stride : y*rgb.Stride+3*c.Width]
			if w := want[y*3*c.Width : (y+1)*3*c.Width]; !bytes.Equal(got, w) {
				for x := range got {
					if got[x] != w[x] {
						t.Errorf("%s: pixel (%d, %d) channel %d = %d, Pillow %d", c.Name, x/3, y, x%3, got[x], w[x])
						break
					}
				}
				break
			}
		}
	}
}
