//go:build cgo

package imageproc

/*
#cgo CFLAGS: -O3
#include <stdint.h>

#define PRECISION_BITS (32 - 8 - 2)

static inline uint8_t clip_shift(int32_t ss) {
	int32_t v = ss >> PRECISION_BITS;
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

// dot is one channel's fixed-point dot product over n taps (plus the
// rounding half); integer sums, so the vectorised order changes nothing.
static inline int32_t dot(const int32_t *p, const int32_t *k, int n) {
	int32_t s = 1 << (PRECISION_BITS - 1);
	for (int x = 0; x < n; x++) s += p[x] * k[x];
	return s;
}

// hpass is horizontalGo in C: rows [y0, y1) of src (3 bytes per pixel,
// stride bytes per row) into dst, n output pixels per row, pixel i taking
// k[i*ksize .. i*ksize+bounds[2i+1]) over input pixels from bounds[2i].
// With more than 12 taps each row's columns [x0, x1) are first split into
// three int32 planes (scratch of 3*(x1-x0)) so that the tap loops are
// plain dot products the compiler vectorises; with fewer the split costs
// more than it saves.
// Integer arithmetic, so any evaluation order gives Pillow's bits.
__attribute__((target_clones("avx2", "default")))
static void hpass(uint8_t *dst, const uint8_t *src, long stride, int y0, int y1,
		const int64_t *bounds, const int32_t *k, int ksize, int n, int x0, int x1, int32_t *planes) {
	if (ksize <= 12) { // few taps: interleaved samples, no plane split
		for (int y = y0; y < y1; y++) {
			const uint8_t *row = src + (long)y * stride;
			uint8_t *out = dst + (long)(y - y0) * 3 * n;
			for (int i = 0; i < n; i++) {
				int xmin = (int)bounds[2 * i], xmax = (int)bounds[2 * i + 1];
				const int32_t *ki = k + (long)i * ksize;
				const uint8_t *p = row + 3 * xmin;
				int32_t s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
				for (int x = 0; x < xmax; x++) {
					s0 += p[3 * x] * ki[x];
					s1 += p[3 * x + 1] * ki[x];
					s2 += p[3 * x + 2] * ki[x];
				}
				out[3 * i] = clip_shift(s0);
				out[3 * i + 1] = clip_shift(s1);
				out[3 * i + 2] = clip_shift(s2);
			}
		}
		return;
	}
	int w = x1 - x0;
	int32_t *pr = planes, *pg = planes + w, *pb = planes + 2 * w;
	for (int y = y0; y < y1; y++) {
		const uint8_t *row = src + (long)y * stride + 3 * x0;
		for (int x = 0; x < w; x++) {
			pr[x] = row[3 * x];
			pg[x] = row[3 * x + 1];
			pb[x] = row[3 * x + 2];
		}
		uint8_t *out = dst + (long)(y - y0) * 3 * n;
		for (int i = 0; i < n; i++) {
			int xmin = (int)bounds[2 * i] - x0, xmax = (int)bounds[2 * i + 1];
			const int32_t *ki = k + (long)i * ksize;
			out[3 * i] = clip_shift(dot(pr + xmin, ki, xmax));
			out[3 * i + 1] = clip_shift(dot(pg + xmin, ki, xmax));
			out[3 * i + 2] = clip_shift(dot(pb + xmin, ki, xmax));
		}
	}
}

// vrow is one output row of verticalGo in C: rowLen bytes of output row
// from taps rows src + (ymin + y) * stride for y < ymax, weights k.
__attribute__((target_clones("avx2", "default")))
static void vrow(uint8_t *out, int32_t *acc, const uint8_t *src, long stride, int rowLen,
		int ymin, int ymax, const int32_t *k) {
	const int32_t half = 1 << (PRECISION_BITS - 1);
	for (int j = 0; j < rowLen; j++) acc[j] = half;
	for (int y = 0; y < ymax; y++) {
		const uint8_t *in = src + (long)(ymin + y) * stride;
		int32_t kv = k[y];
		for (int j = 0; j < rowLen; j++) acc[j] += (int32_t)in[j] * kv;
	}
	for (int j = 0; j < rowLen; j++) {
		int32_t v = acc[j] >> PRECISION_BITS;
		out[j] = v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
	}
}
*/
import "C"

import "unsafe"

// horizontal is horizontalGo in C (same integer arithmetic, same bits).
func horizontal(dst []uint8, src *RGB, y0, y1 int, c coeffs, sc *scratch) {
	n := len(c.bounds) / 2
	if y1 <= y0 || n == 0 {
		return
	}
	// The last row read ends at the last kept pixel's last tap.
	w := src.Rect.Dx()
	if len(dst) < (y1-y0)*3*n || len(src.Pix) < (y1-1)*src.Stride+3*w {
		panic("imageproc: horizontal: short buffers")
	}
	// Only input columns [x0, x1) are read by the kept output pixels.
	x0, x1 := c.bounds[0], 0
	for i := range n {
		if c.bounds[2*i] < 0 || c.bounds[2*i]+c.bounds[2*i+1] > w || c.bounds[2*i+1] > c.ksize {
			panic("imageproc: horizontal: coefficients outside the row")
		}
		x0 = min(x0, c.bounds[2*i])
		x1 = max(x1, c.bounds[2*i]+c.bounds[2*i+1])
	}
	sc.planes = grow(sc.planes, 3*(x1-x0))
	C.hpass((*C.uint8_t)(unsafe.Pointer(&dst[0])), (*C.uint8_t)(unsafe.Pointer(&src.Pix[0])), C.long(src.Stride),
		C.int(y0), C.int(y1), (*C.int64_t)(unsafe.Pointer(&c.bounds[0])), (*C.int32_t)(unsafe.Pointer(&c.k[0])),
		C.int(c.ksize), C.int(n), C.int(x0), C.int(x1), (*C.int32_t)(unsafe.Pointer(&sc.planes[0])))
}

// vertical is verticalGo in C, one output row per call: src rows (each
// rowLen bytes from colOff, stride apart, the first being input row
// rowBase) into output rows passed to emit.
func vertical(src []uint8, stride, colOff, rowLen, rowBase int, c coeffs, sc *scratch, emit func(i int, row []uint8)) {
	n := len(c.bounds) / 2
	sc.row = grow(sc.row, rowLen)
	sc.acc = grow(sc.acc, rowLen)
	if rowLen == 0 {
		return
	}
	for i := range n {
		ymin, ymax := c.bounds[2*i], c.bounds[2*i+1]
		first := (ymin-rowBase)*stride + colOff
		last := (ymin+ymax-1-rowBase)*stride + colOff + rowLen
		if ymin < rowBase || ymax < 1 || ymax > c.ksize || first < 0 || last > len(src) {
			panic("imageproc: vertical: coefficients outside the rows")
		}
		C.vrow((*C.uint8_t)(unsafe.Pointer(&sc.row[0])), (*C.int32_t)(unsafe.Pointer(&sc.acc[0])),
			(*C.uint8_t)(unsafe.Pointer(&src[first])), C.long(stride), C.int(rowLen), 0, C.int(ymax),
			(*C.int32_t)(unsafe.Pointer(&c.k[i*c.ksize])))
		emit(i, sc.row)
	}
}
