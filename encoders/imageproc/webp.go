package imageproc

import (
	"image"

	"golang.org/x/image/webp"
)

// decodeWebP decodes a WebP file as Pillow does with libwebp. Lossless
// (VP8L) images come back from golang.org/x/image/webp as exact RGBA.
// Lossy (VP8) ones come back as the bitstream's Y'CbCr 4:2:0 planes (the
// VP8 decode itself is normative), which are turned into RGB here the way
// libwebp's default output does it: "fancy" chroma upsampling, then BT.601
// limited-range conversion in libwebp's fixed point (webpYCbCrToRGB).
// Alpha, when there is any, is dropped, as convert("RGB") drops it.
func decodeWebP(data []byte) (image.Image, error) {
	img, err := decodeGo("webp", data, webp.DecodeConfig, webp.Decode)
	if err != nil {
		return nil, err
	}
	switch m := img.(type) {
	case *image.YCbCr:
		if m.SubsampleRatio == image.YCbCrSubsampleRatio420 {
			return webpYCbCrToRGB(m), nil
		}
	case *image.NYCbCrA:
		if m.SubsampleRatio == image.YCbCrSubsampleRatio420 {
			return webpYCbCrToRGB(&m.YCbCr), nil
		}
	}
	return ToRGB(img), nil
}

// webpYCbCrToRGB converts 4:2:0 planes to RGB as libwebp's fancy upsampler
// does. Chroma rows pair with luma rows as the upsampler walks them: row 0
// takes chroma row 0 (mirrored at the edge); luma row 2k-1 leans 3:1 on
// chroma row k-1 over row k, luma row 2k 3:1 on row k over row k-1 (the
// last row of an even height mirrors its one chroma row). Along a row, the
// first and (even widths) last pixels take 3:1 of their own column over
// the other row; pixels in between mix the 2x2 chroma neighbourhood
// [a b; c d] as ((9a+3b+3c+d)/16 and its mirror images) in libwebp's two
// rounding steps.
func webpYCbCrToRGB(m *image.YCbCr) *RGB {
	b := m.Rect
	w, h := b.Dx(), b.Dy()
	out := NewRGB(image.Rect(0, 0, w, h))
	uvh := (h + 1) / 2
	// Plane offsets of the image's own origin (x/image/webp's Rect starts
	// at 0, but a sub-image need not).
	y0, c0 := m.YOffset(b.Min.X, b.Min.Y), m.COffset(b.Min.X, b.Min.Y)
	crow := func(plane []uint8, k int) []uint8 { return plane[c0+k*m.CStride:] }
	for r := 0; r < h; r++ {
		var top, cur int
		bottom := false
		switch {
		case r == 0:
			top, cur = 0, 0
		case r%2 == 1:
			k := (r + 1) / 2
			top, cur = k-1, min(k, uvh-1)
		default:
			k := r / 2
			top, cur, bottom = k-1, k, true
		}
		upsampleRow(m.Y[y0+r*m.YStride:], crow(m.Cb, top), crow(m.Cr, top), crow(m.Cb, cur), crow(m.Cr, cur),
			bottom, out.Pix[r*out.Stride:], w)
	}
	return out
}

// upsampleRow writes one RGB row of w pixels from its luma and the two
// chroma rows it sits between (tu, tv above, cu, cv below); bottom says the
// row is the lower of its pair, leaning on the lower chroma row.
func upsampleRow(y, tu, tv, cu, cv []uint8, bottom bool, dst []uint8, w int) {
	// Each (near, far) pair gives the 3:1 edge mix; the interior mixes
	// along the diagonals.
	edge := func(t, c uint8) int {
		if bottom {
			return (3*int(c) + int(t) + 2) >> 2
		}
		return (3*int(t) + int(c) + 2) >> 2
	}
	put := func(x, u, v int) { yuvToRGB(int(y[x]), u, v, dst[3*x:3*x+3]) }
	put(0, edge(tu[0], cu[0]), edge(tv[0], cv[0]))
	last := (w - 1) >> 1
	for x := 1; x <= last; x++ {
		u1, u2 := interior(tu[x-1], tu[x], cu[x-1], cu[x], bottom)
		v1, v2 := interior(tv[x-1], tv[x], cv[x-1], cv[x], bottom)
		put(2*x-1, u1, v1)
		put(2*x, u2, v2)
	}
	if w%2 == 0 && w > 1 {
		put(w-1, edge(tu[last], cu[last]), edge(tv[last], cv[last]))
	}
}

// interior mixes the chroma neighbourhood [tl t; l c] for the two pixels
// between columns x-1 and x, as libwebp does: an average with rounding,
// the two diagonal mixes, then each pixel's mean with its nearest sample.
func interior(tl, t, l, c uint8, bottom bool) (left, right int) {
	avg := int(tl) + int(t) + int(l) + int(c) + 8
	d12 := (avg + 2*(int(t)+int(l))) >> 3
	d03 := (avg + 2*(int(tl)+int(c))) >> 3
	if bottom {
		return (d03 + int(l)) >> 1, (d12 + int(c)) >> 1
	}
	return (d12 + int(tl)) >> 1, (d03 + int(t)) >> 1
}

// yuvToRGB is libwebp's BT.601 conversion (limited range: Y in 16..235):
// 14-bit products kept at 8 fractional bits, then 6 more shifted out with
// clipping.
func yuvToRGB(y, u, v int, dst []uint8) {
	mulHi := func(a, coeff int) int { return (a * coeff) >> 8 }
	clip := func(x int) uint8 {
		switch {
		case x&^(256<<6-1) == 0:
			return uint8(x >> 6)
		case x < 0:
			return 0
		}
		return 255
	}
	yy := mulHi(y, 19077)
	dst[0] = clip(yy + mulHi(v, 26149) - 14234)
	dst[1] = clip(yy - mulHi(u, 6419) - mulHi(v, 13320) + 8708)
	dst[2] = clip(yy + mulHi(u, 33050) - 17685)
}
