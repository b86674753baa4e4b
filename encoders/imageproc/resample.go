package imageproc

import (
	"math"
	"sync"
)

// This file reproduces Pillow's resampling (libImaging/Resample.c, Pillow
// 9.x and later) bit for bit: separable convolution, horizontal pass first,
// the filter's support widened by the downscale factor (antialiasing),
// weights normalised per output pixel and rounded to 22-bit fixed point,
// each pass rounded and clipped to 8 bits.
//
// Reference loop for one output sample of one pass (Pillow's
// ImagingResampleHorizontal_8bpc):
//
//	ss := 1 << 21
//	for x := 0; x < xmax; x++ { ss += int(src[xmin+x]) * k[x] }
//	out = clip(ss >> 22, 0, 255)
//
// The implementation below only computes the output pixels a center crop
// keeps, which gives the same values: every output pixel depends only on
// its own coefficients.

const precisionBits = 32 - 8 - 2

type filter struct {
	support float64
	f       func(x float64) float64
}

var (
	bicubicFilter  = filter{2, bicubic}
	bilinearFilter = filter{1, bilinear}
)

// bicubic is Pillow's bicubic_filter with a = -0.5. The float64
// conversions forbid fused multiply-adds, which would change rounding.
func bicubic(x float64) float64 {
	const a = -0.5
	if x < 0 {
		x = -x
	}
	if x < 1 {
		t := float64(float64((a+2)*x) - (a + 3))
		t = float64(t * x)
		return float64(t*x) + 1
	}
	if x < 2 {
		t := float64(float64((x-5)*x) + 8)
		t = float64(t*x) - 4
		return float64(t * a)
	}
	return 0
}

func bilinear(x float64) float64 {
	if x < 0 {
		x = -x
	}
	if x < 1 {
		return 1 - x
	}
	return 0
}

// coeffs are the fixed-point weights of output samples [from, to) of one
// pass: sample i reads inputs bounds[2i] .. bounds[2i]+bounds[2i+1]-1
// with weights k[i*ksize:].
type coeffs struct {
	ksize  int
	bounds []int
	k      []int32
}

// precompute is Pillow's precompute_coeffs + normalize_coeffs_8bpc for an
// inSize -> outSize pass over the full input (box 0..inSize), restricted to
// output samples [from, to).
func precompute(inSize, outSize, from, to int, flt filter, buf *coeffBuf) coeffs {
	scale := float64(inSize) / float64(outSize)
	filterscale := scale
	if filterscale < 1 {
		filterscale = 1
	}
	support := float64(flt.support * filterscale)
	ksize := int(math.Ceil(support))*2 + 1
	n := to - from
	buf.bounds = grow(buf.bounds, 2*n)
	buf.k = grow(buf.k, n*ksize)
	buf.w = grow(buf.w, ksize)
	c := coeffs{ksize: ksize, bounds: buf.bounds, k: buf.k}
	clear(c.k)
	w := buf.w
	ss := 1 / filterscale
	for i := 0; i < n; i++ {
		xx := from + i
		center := float64(float64(float64(xx)+0.5) * scale)
		xmin := int(center - support + 0.5)
		if xmin < 0 {
			xmin = 0
		}
		xmax := int(center + support + 0.5)
		if xmax > inSize {
			xmax = inSize
		}
		xmax -= xmin
		ww := 0.0
		for x := 0; x < xmax; x++ {
			v := flt.f(float64((float64(x+xmin) - center + 0.5) * ss))
			w[x] = v
			ww += v
		}
		k := c.k[i*ksize : (i+1)*ksize]
		for x := 0; x < xmax; x++ {
			v := w[x]
			if ww != 0 {
				v /= ww
			}
			if v < 0 {
				k[x] = int32(-0.5 + float64(v*(1<<precisionBits)))
			} else {
				k[x] = int32(0.5 + float64(v*(1<<precisionBits)))
			}
		}
		c.bounds[2*i] = xmin
		c.bounds[2*i+1] = xmax
	}
	return c
}

func clipShift(ss int32) uint8 {
	v := ss >> precisionBits
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// horizontalGo resamples rows [y0, y1) of src (3 bytes per pixel) into dst,
// one output row of len(c.bounds)/2 pixels per input row. Each input row
// is first split into int32 planes so that the tap loops run without
// bounds checks.
func horizontalGo(dst []uint8, src *RGB, y0, y1 int, c coeffs, sc *scratch) {
	n := len(c.bounds) / 2
	w := src.Rect.Dx()
	// Only input columns [x0, x1) are read by the kept output pixels.
	x0, x1 := c.bounds[0], 0
	for i := 0; i < n; i++ {
		x1 = max(x1, c.bounds[2*i]+c.bounds[2*i+1])
	}
	sc.rg = grow(sc.rg, w)
	sc.planes = grow(sc.planes, w)
	prg, pb := sc.rg, sc.planes
	for y := y0; y < y1; y++ {
		row := src.Pix[y*src.Stride:][:3*w]
		seg := row[3*x0 : 3*x1]
		rg := prg[x0:x1]
		b := pb[x0:x1][:len(rg)]
		for x := range rg {
			p := seg[3*x : 3*x+3 : 3*x+3]
			rg[x] = int64(p[0]) | int64(p[1])<<32
			b[x] = int32(p[2])
		}
		out := dst[(y-y0)*3*n:][:3*n]
		for i := 0; i < n; i++ {
			xmin, xmax := c.bounds[2*i], c.bounds[2*i+1]
			k := c.k[i*c.ksize:][:xmax]
			s0, s1, s2 := dot3(prg[xmin:], pb[xmin:], k)
			o := out[3*i : 3*i+3 : 3*i+3]
			o[0] = clipShift(s0)
			o[1] = clipShift(s1)
			o[2] = clipShift(s2)
		}
	}
}

// dot3 returns the fixed-point dot products (plus the rounding half) of
// k with the R, G and B samples of a row. R and G travel packed in one
// int64 (R + G<<32): each partial sum fits in an int32, so one 64-bit
// multiply-add serves two channels and the halves separate exactly. It is
// a separate function so that its loop keeps everything in registers.
//
//go:noinline
func dot3(rg []int64, b []int32, k []int32) (int32, int32, int32) {
	const half = int32(1 << (precisionBits - 1))
	rg, b = rg[:len(k)], b[:len(k)]
	s := int64(half) | int64(half)<<32
	t := half
	for x, kv := range k {
		s += rg[x] * int64(kv)
		t += b[x] * kv
	}
	lo := int32(s)
	return lo, int32((s - int64(lo)) >> 32), t
}

// axpy2 adds in0*k0 + in1*k1 to acc element-wise (a separate function so
// that its loop keeps everything in registers).
//
//go:noinline
func axpy2(acc []int32, in0, in1 []uint8, k0, k1 int32) {
	in1 = in1[:len(in0)]
	acc = acc[:len(in0)]
	for j, p := range in0 {
		acc[j] += int32(p)*k0 + int32(in1[j])*k1
	}
}

// verticalGo resamples columns of src rows (each rowLen bytes, the first row
// being input row rowBase) into output rows, calling emit with each
// finished row. acc is scratch of rowLen values.
func verticalGo(src []uint8, stride, colOff, rowLen, rowBase int, c coeffs, sc *scratch, emit func(i int, row []uint8)) {
	n := len(c.bounds) / 2
	sc.row = grow(sc.row, rowLen)
	sc.acc = grow(sc.acc, rowLen)
	row, acc := sc.row, sc.acc
	for i := 0; i < n; i++ {
		ymin, ymax := c.bounds[2*i], c.bounds[2*i+1]
		for j := range acc {
			acc[j] = 1 << (precisionBits - 1)
		}
		k := c.k[i*c.ksize:][:ymax]
		y := 0
		for ; y+1 < len(k); y += 2 {
			k0, k1 := k[y], k[y+1]
			in0 := src[(ymin+y-rowBase)*stride+colOff:][:rowLen]
			in1 := src[(ymin+y+1-rowBase)*stride+colOff:][:rowLen]
			axpy2(acc, in0, in1, k0, k1)
		}
		if y < len(k) {
			kv := k[y]
			in := src[(ymin+y-rowBase)*stride+colOff:][:rowLen]
			a := acc[:len(in)]
			for j, p := range in {
				a[j] += int32(p) * kv
			}
		}
		for j, s := range acc {
			row[j] = clipShift(s)
		}
		emit(i, row)
	}
}

// coeffBuf holds one pass's coefficient storage between calls.
type coeffBuf struct {
	bounds []int
	k      []int32
	w      []float64
}

// scratch is the reusable working memory of one Preprocess call.
type scratch struct {
	h, v   coeffBuf
	tmp    []uint8
	planes []int32
	rg     []int64
	acc    []int32
	row    []uint8
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// grow returns s resliced to n elements, reallocating when too short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
