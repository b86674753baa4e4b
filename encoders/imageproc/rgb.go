package imageproc

import (
	"image"
	"image/color"
)

// RGB is an 8-bit, three-channel image with interleaved R, G, B bytes: the
// in-memory form of a Pillow "RGB" image. Decode returns *RGB (or
// *image.Gray for grayscale sources); Preprocess reads it without
// conversion.
type RGB struct {
	// Pix holds the pixels row by row, 3 bytes per pixel.
	Pix []uint8
	// Stride is the distance in bytes between vertically adjacent pixels.
	Stride int
	// Rect is the image's bounds.
	Rect image.Rectangle
}

// NewRGB returns a black RGB image with the given bounds.
func NewRGB(r image.Rectangle) *RGB {
	return &RGB{Pix: make([]uint8, 3*r.Dx()*r.Dy()), Stride: 3 * r.Dx(), Rect: r}
}

// ColorModel is color.RGBAModel: every pixel is opaque.
func (p *RGB) ColorModel() color.Model { return color.RGBAModel }

// Bounds returns the image's bounds.
func (p *RGB) Bounds() image.Rectangle { return p.Rect }

// At returns the colour at (x, y).
func (p *RGB) At(x, y int) color.Color {
	if !(image.Point{x, y}.In(p.Rect)) {
		return color.RGBA{}
	}
	i := p.PixOffset(x, y)
	return color.RGBA{p.Pix[i], p.Pix[i+1], p.Pix[i+2], 0xff}
}

// PixOffset is the index in Pix of the first byte of pixel (x, y).
func (p *RGB) PixOffset(x, y int) int {
	return (y-p.Rect.Min.Y)*p.Stride + (x-p.Rect.Min.X)*3
}

// ToRGB converts img to RGB the way Pillow's Image.convert("RGB") treats
// the image Pillow would have opened from the same file:
//
//   - alpha is dropped, not composited (RGBA, LA and transparent palettes);
//   - 16-bit colour keeps the high byte of each sample (Pillow's
//     "RGB;16B"/"RGBA;16B" raw modes);
//   - 16-bit grayscale is clipped to 0..255 (Pillow opens it as mode "I",
//     whose conversion to RGB clips), so most such images become white;
//   - CMYK uses Pillow's formula: channel = (255-K) - (C*(255-K))/255 with
//     Pillow's rounding.
//
// *RGB is returned as is; other types go through their colour model.
func ToRGB(img image.Image) *RGB {
	if p, ok := img.(*RGB); ok {
		return p
	}
	b := img.Bounds()
	out := NewRGB(image.Rect(0, 0, b.Dx(), b.Dy()))
	w, h := b.Dx(), b.Dy()
	switch src := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			dst := out.Pix[y*out.Stride:][:3*w]
			for x, v := range row {
				dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
			}
		}
	case *image.Gray16:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:2*w]
			dst := out.Pix[y*out.Stride:][:3*w]
			for x := 0; x < w; x++ {
				v := uint8(255)
				if row[2*x] == 0 {
					v = row[2*x+1]
				}
				dst[3*x], dst[3*x+1], dst[3*x+2] = v, v, v
			}
		}
	case *image.NRGBA:
		copyRGB(out, src.Pix, src.Stride, src.PixOffset(b.Min.X, b.Min.Y), 4, 1, w, h)
	case *image.RGBA:
		if opaque(src) {
			copyRGB(out, src.Pix, src.Stride, src.PixOffset(b.Min.X, b.Min.Y), 4, 1, w, h)
		} else {
			generic(out, img)
		}
	case *image.NRGBA64:
		copyRGB(out, src.Pix, src.Stride, src.PixOffset(b.Min.X, b.Min.Y), 8, 2, w, h)
	case *image.RGBA64:
		if opaque(src) {
			copyRGB(out, src.Pix, src.Stride, src.PixOffset(b.Min.X, b.Min.Y), 8, 2, w, h)
		} else {
			generic(out, img)
		}
	case *image.CMYK:
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:4*w]
			dst := out.Pix[y*out.Stride:][:3*w]
			for x := 0; x < w; x++ {
				cmykToRGB(dst[3*x:3*x+3], row[4*x], row[4*x+1], row[4*x+2], row[4*x+3])
			}
		}
	case *image.Paletted:
		var lut [256][3]uint8
		for i, c := range src.Palette {
			lut[i] = paletteRGB(c)
		}
		for y := 0; y < h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			dst := out.Pix[y*out.Stride:][:3*w]
			for x, v := range row {
				c := lut[v]
				dst[3*x], dst[3*x+1], dst[3*x+2] = c[0], c[1], c[2]
			}
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			dst := out.Pix[y*out.Stride:][:3*w]
			for x := 0; x < w; x++ {
				yi := src.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := src.COffset(b.Min.X+x, b.Min.Y+y)
				dst[3*x], dst[3*x+1], dst[3*x+2] = color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
			}
		}
	default:
		generic(out, img)
	}
	return out
}

// copyRGB copies the first three samples of each pixel (the high byte of
// each when bytesPerSample is 2).
func copyRGB(out *RGB, pix []uint8, stride, off, bytesPerPixel, bytesPerSample, w, h int) {
	for y := 0; y < h; y++ {
		row := pix[off+y*stride:][:bytesPerPixel*w]
		dst := out.Pix[y*out.Stride:][:3*w]
		for x := 0; x < w; x++ {
			s := row[bytesPerPixel*x:]
			dst[3*x] = s[0]
			dst[3*x+1] = s[bytesPerSample]
			dst[3*x+2] = s[2*bytesPerSample]
		}
	}
}

func opaque(img interface{ Opaque() bool }) bool { return img.Opaque() }

// generic converts through straight (non-premultiplied) alpha and drops it.
func generic(out *RGB, img image.Image) {
	b := img.Bounds()
	for y := 0; y < b.Dy(); y++ {
		dst := out.Pix[y*out.Stride:]
		for x := 0; x < b.Dx(); x++ {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			dst[3*x], dst[3*x+1], dst[3*x+2] = c.R, c.G, c.B
		}
	}
}

// paletteRGB is a palette entry's colour without its alpha.
func paletteRGB(c color.Color) [3]uint8 {
	switch c := c.(type) {
	case color.RGBA:
		if c.A == 0xff {
			return [3]uint8{c.R, c.G, c.B}
		}
	case color.NRGBA:
		return [3]uint8{c.R, c.G, c.B}
	}
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return [3]uint8{n.R, n.G, n.B}
}

// cmykToRGB is Pillow's cmyk2rgb (libImaging/Convert.c) on ink values
// (0 = no ink): nk = 255-K; out = clip(nk - MULDIV255(C, nk)).
func cmykToRGB(dst []uint8, c, m, y, k uint8) {
	nk := 255 - int(k)
	dst[0] = clip8(nk - muldiv255(int(c), nk))
	dst[1] = clip8(nk - muldiv255(int(m), nk))
	dst[2] = clip8(nk - muldiv255(int(y), nk))
}

func muldiv255(a, b int) int {
	t := a*b + 128
	return ((t >> 8) + t) >> 8
}

func clip8(v int) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}
