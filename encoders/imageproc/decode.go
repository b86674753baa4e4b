package imageproc

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/evalclip/evalclip/internal/limits"
)

// MaxPixels is the largest image (width x height) Decode accepts. It is
// Pillow's decompression-bomb limit (2 x Image.MAX_IMAGE_PIXELS), above
// which Pillow refuses to open a file.
const MaxPixels = limits.MaxImagePixels

// ErrEmpty is returned for zero-byte input.
var ErrEmpty = errors.New("empty image file (0 bytes)")

// Decode decodes a JPEG, PNG, GIF (first frame), BMP, TIFF, WebP or binary
// 8-bit PGM/PPM image
// and returns it as Pillow's Image.open(...).convert("RGB") would: an *RGB.
// EXIF orientation is not applied (CLIP's reference pipelines do not apply
// it either). JPEGs go through libjpeg-turbo when the build has cgo (see
// [JPEGDecoder]); the pure-Go fallback's pixels differ from Pillow's by a
// few levels (different IDCT rounding and chroma upsampling).
//
// Truncated or corrupt data, zero bytes, unknown formats and images over
// [MaxPixels] are errors.
func Decode(data []byte) (image.Image, error) {
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	switch {
	case len(data) >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff:
		img, err := decodeJPEG(data)
		if err != nil {
			return nil, fmt.Errorf("jpeg: %w", err)
		}
		return img, nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return decodePNG(data)
	case bytes.HasPrefix(data, []byte("GIF87a")) || bytes.HasPrefix(data, []byte("GIF89a")):
		return decodeGIF(data)
	case bytes.HasPrefix(data, []byte("BM")):
		return toRGB(decodeGo("bmp", data, bmp.DecodeConfig, bmp.Decode))
	case bytes.HasPrefix(data, []byte("II*\x00")) || bytes.HasPrefix(data, []byte("MM\x00*")):
		return toRGB(decodeGo("tiff", data, tiff.DecodeConfig, tiff.Decode))
	case len(data) >= 3 && (string(data[:2]) == "P5" || string(data[:2]) == "P6") && isPNMSpace(data[2]):
		return decodePNM(data)
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return decodeWebP(data)
	}
	n := min(len(data), 8)
	return nil, fmt.Errorf("unknown image format (first bytes % x; expected JPEG, PNG, GIF, BMP, TIFF, WebP, PGM or PPM)", data[:n])
}

// DecodeFile reads and decodes the image at path; errors name the path.
// Only a regular file of at most limits.MaxImageFileBytes is read (a FIFO
// or a device is refused by name).
func DecodeFile(path string) (image.Image, error) {
	data, err := limits.ReadFile(path, limits.MaxImageFileBytes)
	if err != nil {
		return nil, err
	}
	img, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

func checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("image has no pixels (%dx%d)", w, h)
	}
	if int64(w)*int64(h) > MaxPixels {
		return fmt.Errorf("image is %dx%d = %d pixels, more than the %d-pixel limit (possible decompression bomb)", w, h, int64(w)*int64(h), MaxPixels)
	}
	return nil
}

// decodeGo checks the size from the header, then decodes with a
// standard-library style decoder; errors are prefixed with format.
func decodeGo(format string, data []byte,
	config func(r io.Reader) (image.Config, error),
	decode func(r io.Reader) (image.Image, error)) (image.Image, error) {
	cfg, err := config(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	return img, nil
}

func toRGB(img image.Image, err error) (image.Image, error) {
	if err != nil {
		return nil, err
	}
	return ToRGB(img), nil
}

func decodePNG(data []byte) (image.Image, error) {
	img, err := decodeGo("png", data, png.DecodeConfig, png.Decode)
	if err != nil {
		return nil, err
	}
	// 16-bit grayscale with a tRNS chunk comes back from image/png as
	// NRGBA64; Pillow opens it as mode "I" like any 16-bit grayscale PNG,
	// and its RGB conversion clips.
	const ihdrDepth, ihdrColor = 24, 25
	if data[ihdrDepth] == 16 && data[ihdrColor] == 0 {
		if n, ok := img.(*image.NRGBA64); ok {
			g := image.NewGray16(n.Rect)
			for i := 0; i < len(g.Pix)/2; i++ {
				g.Pix[2*i], g.Pix[2*i+1] = n.Pix[8*i], n.Pix[8*i+1]
			}
			img = g
		}
	}
	return ToRGB(img), nil
}

// decodeGIF returns the first frame on the logical screen. Pixels outside
// the first frame's rectangle take the background colour; the transparent
// index keeps its palette colour (Pillow ignores transparency on RGB
// conversion).
func decodeGIF(data []byte) (image.Image, error) {
	img, err := decodeGo("gif", data, gif.DecodeConfig, gif.Decode)
	if err != nil {
		return nil, err
	}
	cfg, _ := gif.DecodeConfig(bytes.NewReader(data))
	p, ok := img.(*image.Paletted)
	if !ok {
		return ToRGB(img), nil
	}
	if t, rgb, ok := gifTransparent(data); ok && int(t) < len(p.Palette) {
		pal := append(color.Palette(nil), p.Palette...)
		pal[t] = rgb
		p.Palette = pal
	}
	screen := image.Rect(0, 0, cfg.Width, cfg.Height)
	if p.Rect == screen {
		return ToRGB(p), nil
	}
	full := image.NewPaletted(screen, p.Palette)
	bg := gifBackground(data)
	if t, _, ok := gifTransparent(data); ok {
		bg = t
	}
	for i := range full.Pix {
		full.Pix[i] = bg
	}
	r := p.Rect.Intersect(screen)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(full.Pix[full.PixOffset(r.Min.X, y):][:r.Dx()], p.Pix[p.PixOffset(r.Min.X, y):][:r.Dx()])
	}
	return ToRGB(full), nil
}

// gifBackground is the logical screen's background colour index.
func gifBackground(data []byte) uint8 {
	if len(data) < 13 {
		return 0
	}
	return data[11]
}

// gifTransparent finds the first frame's transparent colour index and that
// index's colour in the colour table the frame uses (image/gif replaces it
// with transparent black).
func gifTransparent(data []byte) (uint8, color.RGBA, bool) {
	if len(data) < 13 {
		return 0, color.RGBA{}, false
	}
	pos := 13
	var global []byte
	if data[10]&0x80 != 0 {
		n := 3 << (uint(data[10]&7) + 1)
		if pos+n > len(data) {
			return 0, color.RGBA{}, false
		}
		global = data[pos : pos+n]
		pos += n
	}
	transparent, has := uint8(0), false
	for pos < len(data) {
		switch data[pos] {
		case 0x21: // extension
			if pos+2 > len(data) {
				return 0, color.RGBA{}, false
			}
			label := data[pos+1]
			pos += 2
			if label == 0xf9 && pos+5 <= len(data) && data[pos] == 4 {
				if data[pos+1]&1 != 0 {
					transparent, has = data[pos+4], true
				}
			}
			for pos < len(data) && data[pos] != 0 { // sub-blocks
				pos += int(data[pos]) + 1
			}
			pos++
		case 0x2c: // image descriptor
			if !has || pos+10 > len(data) {
				return 0, color.RGBA{}, false
			}
			table := global
			if flags := data[pos+9]; flags&0x80 != 0 {
				n := 3 << (uint(flags&7) + 1)
				if pos+10+n > len(data) {
					return 0, color.RGBA{}, false
				}
				table = data[pos+10 : pos+10+n]
			}
			i := 3 * int(transparent)
			if i+3 > len(table) {
				return 0, color.RGBA{}, false
			}
			return transparent, color.RGBA{table[i], table[i+1], table[i+2], 0xff}, true
		default:
			return 0, color.RGBA{}, false
		}
	}
	return 0, color.RGBA{}, false
}
