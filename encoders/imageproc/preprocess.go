package imageproc

import (
	"fmt"
	"image"
	"math"
)

// ResizedSize is the size (width, height) an image of w x h pixels is
// resized to before the center crop: torchvision's Resize(S) for
// ResizeShortest (shorter side to S, longer side int(S*long/short)),
// S x S for ResizeSquash, where S is ResizeSize, or Size when ResizeSize
// is 0.
func (c Config) ResizedSize(w, h int) (int, int) {
	s := c.Size
	if c.ResizeSize > 0 {
		s = c.ResizeSize
	}
	if c.Resize == ResizeSquash {
		return s, s
	}
	if w <= h {
		return s, int(float64(s*h) / float64(w))
	}
	return int(float64(s*w) / float64(h)), s
}

// CropOffset is torchvision's CenterCrop offset along one axis:
// int(round((size - crop) / 2.0)) with Python's round-half-to-even.
func CropOffset(size, crop int) int {
	return int(math.RoundToEven(float64(size-crop) / 2.0))
}

// lut maps each 8-bit value of each channel to its normalised float32,
// computed as torchvision does: (v/255 - mean) / std in float32.
func (c Config) lut() *[3][256]float32 {
	var t [3][256]float32
	for ch := 0; ch < 3; ch++ {
		for v := 0; v < 256; v++ {
			x := float32(v) / 255
			x = x - c.Mean[ch]
			t[ch][v] = x / c.Std[ch]
		}
	}
	return &t
}

// Preprocess turns img into the tower's input and writes
// c.PixelsPerImage() float32 values into dst in CHW order: RGB conversion
// as Pillow's convert("RGB") (see [ToRGB]), resize with Pillow's filter
// (antialiased bicubic a=-0.5 or bilinear, 8-bit rounding after each pass),
// torchvision's center crop, ToTensor's /255 and Normalize's (x-mean)/std,
// all in float32. For a Pillow-decoded image the result equals
// torchvision's Resize(Size, BICUBIC) + CenterCrop(Size) + ToTensor() +
// Normalize(mean, std) exactly.
func (c Config) Preprocess(img image.Image, dst []float32) error {
	if err := c.Validate(); err != nil {
		return err
	}
	n := c.PixelsPerImage()
	if len(dst) < n {
		return fmt.Errorf("preprocess: destination holds %d values, need %d", len(dst), n)
	}
	src := ToRGB(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if w < 1 || h < 1 {
		return fmt.Errorf("preprocess: image has no pixels (%dx%d)", w, h)
	}
	if src.Rect.Min != (image.Point{}) {
		src = &RGB{Pix: src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y):], Stride: src.Stride, Rect: image.Rect(0, 0, w, h)}
	}
	rw, rh := c.ResizedSize(w, h)
	size := c.Size
	left, top := CropOffset(rw, size), CropOffset(rh, size)
	if left < 0 || top < 0 {
		// Unreachable for both resize modes (the resized image is never
		// smaller than the crop).
		panic("imageproc: resized image smaller than the crop")
	}
	flt := bicubicFilter
	if c.Interpolation == Bilinear {
		flt = bilinearFilter
	}
	t := c.lut()
	plane := size * size
	out := dst[:n]
	emit := func(y int, row []uint8) {
		r, g, b := out[y*size:][:size], out[plane+y*size:][:size], out[2*plane+y*size:][:size]
		for x := range r {
			p := row[3*x : 3*x+3 : 3*x+3]
			r[x] = t[0][p[0]]
			g[x] = t[1][p[1]]
			b[x] = t[2][p[2]]
		}
	}
	needH, needV := rw != w, rh != h
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	switch {
	case !needH && !needV:
		for y := 0; y < size; y++ {
			emit(y, src.Pix[(top+y)*src.Stride+3*left:][:3*size])
		}
	case needH && !needV:
		hc := precompute(w, rw, left, left+size, flt, &sc.h)
		sc.tmp = grow(sc.tmp, 3*size*size)
		tmp := sc.tmp
		horizontal(tmp, src, top, top+size, hc, sc)
		for y := 0; y < size; y++ {
			emit(y, tmp[3*size*y:][:3*size])
		}
	case !needH && needV:
		vc := precompute(h, rh, top, top+size, flt, &sc.v)
		vertical(src.Pix, src.Stride, 3*left, 3*size, 0, vc, sc, emit)
	default:
		hc := precompute(w, rw, left, left+size, flt, &sc.h)
		vc := precompute(h, rh, top, top+size, flt, &sc.v)
		// Input rows the kept output rows read.
		y0 := vc.bounds[0]
		y1 := y0
		for i := 0; i < len(vc.bounds); i += 2 {
			y1 = max(y1, vc.bounds[i]+vc.bounds[i+1])
		}
		sc.tmp = grow(sc.tmp, 3*size*(y1-y0))
		tmp := sc.tmp
		horizontal(tmp, src, y0, y1, hc, sc)
		vertical(tmp, 3*size, 0, 3*size, y0, vc, sc, emit)
	}
	return nil
}
