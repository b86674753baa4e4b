package imageproc

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds damaged images to Decode and Preprocess: they must
// return an error or a valid image, never panic.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"gray.jpg", "cmyk.jpg", "palette.png", "rgb16.png", "anim.gif", "image.bmp", "lossless.webp", "tiny-1x1.png"} {
		data, err := os.ReadFile(filepath.Join(imagesDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	c := Config{Size: 8, Resize: ResizeShortest, Interpolation: Bicubic, Std: [3]float32{1, 1, 1}}
	dst := make([]float32, c.PixelsPerImage())
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data)
		if err != nil {
			return
		}
		if b := img.Bounds(); b.Dx() < 1 || b.Dy() < 1 || int64(b.Dx())*int64(b.Dy()) > 1<<22 {
			return
		}
		if err := c.Preprocess(img, dst); err != nil {
			t.Fatalf("decoded %v but Preprocess failed: %v", img.Bounds(), err)
		}
	})
}
