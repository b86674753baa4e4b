package imageproc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(imagesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDecodeBadInput(t *testing.T) {
	jpg := readFixture(t, "photo-500x375.jpg")
	pngData := readFixture(t, "rgba.png")
	corruptJPEG := append([]byte(nil), jpg...)
	for i := 4; i < 400; i++ { // wreck the headers and tables
		corruptJPEG[i] = 0x5a
	}
	corruptPNG := append([]byte(nil), pngData...)
	corruptPNG[len(corruptPNG)/2] ^= 0xff // IDAT CRC no longer matches
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"zero bytes", nil, "empty image file"},
		{"truncated jpeg", jpg[:len(jpg)/2], "jpeg"},
		{"jpeg header only", jpg[:300], "jpeg"},
		{"corrupt jpeg", corruptJPEG, "jpeg"},
		{"truncated png", pngData[:len(pngData)/2], "png"},
		{"corrupt png", corruptPNG, "png"},
		{"text file", []byte("not an image\n"), "unknown image format"},
		{"png bomb", pngHeaderOnly(40000, 40000), "decompression bomb"},
		{"truncated ppm", []byte("P6\n# c\n4 4\n255\n\x01\x02"), "truncated data"},
		{"16-bit pgm", []byte("P5 2 2 65535\n\x00\x00\x00\x00\x00\x00\x00\x00"), "maxval 65535"},
		{"pgm header cut", []byte("P5 2 "), "header ends early"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Decode(tc.data)
			if err == nil {
				t.Fatalf("decoded %v, want an error", img.Bounds())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	if _, err := Decode(nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("zero bytes: %v, want ErrEmpty", err)
	}
}

func TestDecodeFileNamesPath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "broken.jpg")
	os.WriteFile(p, []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10}, 0o644)
	_, err := DecodeFile(p)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("error %v does not name %s", err, p)
	}
	if _, err := DecodeFile(filepath.Join(dir, "missing.png")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// pngHeaderOnly is a PNG signature and IHDR claiming w x h pixels.
func pngHeaderOnly(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.WriteString("IHDR")
	b.Write(ihdr)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("IHDR"), ihdr...)))
	return b.Bytes()
}

func TestOnePixelJPEG(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 1, 1))
	src.Set(0, 0, color.RGBA{10, 200, 60, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	img, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 1 || img.Bounds().Dy() != 1 {
		t.Fatalf("bounds %v", img.Bounds())
	}
	c := Default()
	dst := make([]float32, c.PixelsPerImage())
	if err := c.Preprocess(img, dst); err != nil {
		t.Fatal(err)
	}
	plane := c.Size * c.Size
	for ch := 0; ch < 3; ch++ {
		for i := 1; i < plane; i++ {
			if dst[ch*plane+i] != dst[ch*plane] {
				t.Fatalf("1x1 image: channel %d not uniform", ch)
			}
		}
	}
}

// TestPanorama checks that a 60000x2 image (resized to 6,720,000x224 before
// the crop) is handled without materialising the resized image, and that a
// horizontal gradient survives in the crop.
func TestPanorama(t *testing.T) {
	const w, h = 60000, 2
	src := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			src.Pix[y*w+x] = uint8((x + 1500) / 3000)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	img, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	c := Default()
	if rw, rh := c.ResizedSize(w, h); rw != 6720000 || rh != 224 {
		t.Fatalf("resized size %dx%d", rw, rh)
	}
	dst := make([]float32, c.PixelsPerImage())
	allocs := testing.AllocsPerRun(1, func() {
		if err := c.Preprocess(img, dst); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 50 {
		t.Errorf("%v allocations", allocs)
	}
	// The crop covers source columns ~29999..30001: value 10 everywhere.
	want := (float32(10)/255 - c.Mean[0]) / c.Std[0]
	if dst[0] != want || dst[c.Size*c.Size-1] != want {
		t.Errorf("crop values %v %v, want %v", dst[0], dst[c.Size*c.Size-1], want)
	}
}

func TestCropOffsetRoundsHalfToEven(t *testing.T) {
	for _, tc := range []struct{ size, crop, want int }{
		{257, 224, 16}, {259, 224, 18}, {224, 224, 0}, {298, 224, 37}, {225, 224, 0}, {227, 224, 2},
	} {
		if got := CropOffset(tc.size, tc.crop); got != tc.want {
			t.Errorf("CropOffset(%d, %d) = %d, want %d", tc.size, tc.crop, got, tc.want)
		}
	}
}

func TestResizedSize(t *testing.T) {
	c := Default()
	for _, tc := range []struct{ w, h, rw, rh int }{
		{500, 375, 298, 224}, {1920, 1080, 398, 224}, {375, 500, 224, 298}, {1, 1, 224, 224}, {224, 224, 224, 224},
	} {
		if rw, rh := c.ResizedSize(tc.w, tc.h); rw != tc.rw || rh != tc.rh {
			t.Errorf("%dx%d -> %dx%d, want %dx%d", tc.w, tc.h, rw, rh, tc.rw, tc.rh)
		}
	}
	c.Resize = ResizeSquash
	if rw, rh := c.ResizedSize(500, 375); rw != 224 || rh != 224 {
		t.Errorf("squash: %dx%d", rw, rh)
	}
}

func TestPreprocessErrors(t *testing.T) {
	c := Default()
	img := NewRGB(image.Rect(0, 0, 4, 4))
	if err := c.Preprocess(img, make([]float32, 10)); err == nil || !strings.Contains(err.Error(), "destination") {
		t.Errorf("short dst: %v", err)
	}
	bad := c
	bad.Interpolation = "lanczos"
	if err := bad.Preprocess(img, make([]float32, c.PixelsPerImage())); err == nil || !strings.Contains(err.Error(), "lanczos") {
		t.Errorf("bad interpolation: %v", err)
	}
	if err := c.Preprocess(NewRGB(image.Rect(0, 0, 0, 5)), make([]float32, c.PixelsPerImage())); err == nil {
		t.Error("empty image accepted")
	}
}

func TestParsePreprocessCfg(t *testing.T) {
	c, err := ParsePreprocessCfg([]byte(`{"size": [384, 384], "mode": "RGB", "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5],
		"interpolation": "bilinear", "resize_mode": "squash", "fill_color": 0}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Size: 384, Resize: ResizeSquash, Interpolation: Bilinear, Mean: [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.5, 0.5, 0.5}}
	if c != want {
		t.Errorf("got %+v, want %+v", c, want)
	}
	if c, err := ParsePreprocessCfg([]byte(`{"size": 336}`)); err != nil || c.Size != 336 || c.Mean != OpenAIMean {
		t.Errorf("defaults: %+v %v", c, err)
	}
	for in, want := range map[string]string{
		`{"size": [224, 256]}`:        "non-square",
		`{"size": "big"}`:             "size",
		`{"mode": "L"}`:               "mode",
		`{"mean": [0.5]}`:             "mean",
		`{"resize_mode": "longest"}`:  "longest",
		`{"interpolation": "random"}`: "random",
		`{"std": [0.5, 0, 0.5]}`:      "std",
		`{"size": 224`:                "unexpected EOF",
	} {
		if _, err := ParsePreprocessCfg([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one mentioning %q", in, err, want)
		}
	}
}
