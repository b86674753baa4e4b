//go:build cgo && amd64

package probe

/*
#cgo CFLAGS: -O3 -Wno-psabi
// Bit-identical to Go: no fused multiply-adds.
#pragma GCC optimize("fp-contract=off")
#include <math.h>
#include <stdint.h>
#include <string.h>

// exp2_frac[j] = 2^(j/64), filled from Go so that both versions use the
// same table.
static double exp2_frac[64];

static void set_exp2_frac(const double *t) { memcpy(exp2_frac, t, sizeof exp2_frac); }

typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8l __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

// exp_nonpos8 is probe's expNonPos on 8 values at once, operation for
// operation (no FMA contraction), 0 where x < -708 (the same test as
// Go's).
static inline __attribute__((always_inline)) v8d exp_nonpos8(v8d x) {
	const double log2e64 = 64 * 1.44269504088896338700e+00;
	const double ln2hi64 = 6.93147180369123816490e-01 / 64;
	const double ln2lo64 = 1.90821492927058770002e-10 / 64;
	v8l keep = x >= -708;
	v8d lo = {-708, -708, -708, -708, -708, -708, -708, -708};
	v8d xc = (v8d)((keep & (v8l)x) | (~keep & (v8l)lo));
	// |n| < 2^17: int32 lanes, as wide conversions as every target has.
	v8i n = __builtin_convertvector(xc * log2e64 - 0.5, v8i);
	v8d nd = __builtin_convertvector(n, v8d);
	v8d r = xc - nd * ln2hi64 - nd * ln2lo64;
	v8d p = 1 + r * (1 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120)))));
	v8i j = n & 63;
	v8d f = {exp2_frac[j[0]], exp2_frac[j[1]], exp2_frac[j[2]], exp2_frac[j[3]],
		exp2_frac[j[4]], exp2_frac[j[5]], exp2_frac[j[6]], exp2_frac[j[7]]};
	v8d scale = (v8d)(__builtin_convertvector((n >> 6) + 1023, v8l) << 52);
	v8d e = p * f * scale;
	return (v8d)(keep & (v8l)e);
}

static inline __attribute__((always_inline)) v8d load8(const double *p) { v8d v; memcpy(&v, p, sizeof v); return v; }
static inline __attribute__((always_inline)) void store8(double *p, v8d v) { memcpy(p, &v, sizeof v); }

// softmax_block is softmaxBlockGo in C (see softmax.go): the same
// operations in the same order on each value, 8 rows at a time in AVX-512
// registers, one row per lane. (Compiled for AVX2 the same code is no
// faster than Go's scalar loop, so other CPUs run that.)
// row_group handles rows i0 .. i0+nl-1 (nl <= 8) of the block: one row
// per lane.
__attribute__((target("avx512f"), always_inline))
static inline void row_group(float *z, int nb, int k, const int32_t *y, const double *s,
		const double *bias, double *t, double *gbp,
		double *row_max, double *row_sum, double *row_y, int i0, int nl) {
	const v8d one = {1, 1, 1, 1, 1, 1, 1, 1};
	const v8l lane = {0, 1, 2, 3, 4, 5, 6, 7};
	v8l live = lane < (int64_t)nl;
	v8d sv = one;
	v8l yv = {-1, -1, -1, -1, -1, -1, -1, -1};
	for (int j = 0; j < nl; j++) {
		if (s) sv[j] = s[i0 + j];
		yv[j] = y[i0 + j];
	}
	v8d mx = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
	for (int c = 0; c < k; c++) {
		v8f zf = {0, 0, 0, 0, 0, 0, 0, 0};
		if (nl == 8) {
			memcpy(&zf, z + (size_t)c * nb + i0, sizeof zf);
		} else {
			for (int j = 0; j < nl; j++) zf[j] = z[(size_t)c * nb + i0 + j];
		}
		v8d x = sv * __builtin_convertvector(zf, v8d) + bias[c];
		store8(t + 8 * (size_t)c, x);
		v8l gt = x > mx;
		mx = (v8d)((gt & (v8l)x) | (~gt & (v8l)mx));
	}
	for (int j = 0; j < nl; j++) {
		row_max[i0 + j] = mx[j];
		row_y[i0 + j] = t[8 * (size_t)yv[j] + j];
	}
	v8d sum = {0, 0, 0, 0, 0, 0, 0, 0};
	for (int c = 0; c < k; c++) {
		v8d e = exp_nonpos8(load8(t + 8 * (size_t)c) - mx);
		store8(t + 8 * (size_t)c, e);
		sum += e;
	}
	// Dead lanes divide 1 by 1, not by their sums.
	v8d inv = one / (v8d)((live & (v8l)sum) | (~live & (v8l)one));
	for (int j = 0; j < nl; j++) row_sum[i0 + j] = sum[j];
	for (int c = 0; c < k; c++) {
		v8d r = load8(t + 8 * (size_t)c) * inv;
		v8l is_y = yv == (int64_t)c;
		r = (v8d)((is_y & (v8l)(r - 1)) | (~is_y & (v8l)r));
		v8d g = load8(gbp + 8 * (size_t)c);
		store8(gbp + 8 * (size_t)c, (v8d)((live & (v8l)(g + r)) | (~live & (v8l)g)));
		v8f rf = __builtin_convertvector(r * sv, v8f);
		if (nl == 8) {
			memcpy(z + (size_t)c * nb + i0, &rf, sizeof rf);
		} else {
			for (int j = 0; j < nl; j++) z[(size_t)c * nb + i0 + j] = rf[j];
		}
	}
}

// softmax_block is softmaxBlockGo in C (see softmax.go): the same
// operations in the same order on each value, 8 rows at a time in AVX-512
// registers, one row per lane. (Compiled for AVX2 the same code is no
// faster than Go's scalar loop, so other CPUs run that.)
__attribute__((target("avx512f")))
static void softmax_block(float *z, int nb, int k, const int32_t *y, const double *s,
		const double *bias, double *gb, double *t, double *gbp,
		double *row_max, double *row_sum, double *row_y) {
	memset(gbp, 0, sizeof(double) * 8 * (size_t)k);
	for (int i0 = 0; i0 < nb; i0 += 8) {
		row_group(z, nb, k, y, s, bias, t, gbp, row_max, row_sum, row_y, i0, nb - i0 < 8 ? nb - i0 : 8);
	}
	for (int c = 0; c < k; c++) {
		const double *p = gbp + 8 * (size_t)c;
		gb[c] += ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
	}
}
*/
import "C"

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

func init() {
	C.set_exp2_frac((*C.double)(unsafe.Pointer(&exp2Frac[0])))
}

// softmaxVector reports whether softmaxBlock runs the AVX-512 version.
var softmaxVector = cpu.X86.HasAVX512F

// softmaxBlock runs the AVX-512 version where the CPU has it, Go's
// otherwise; the float64 arithmetic is the same, bit for bit.
func softmaxBlock(a *softmaxArgs) {
	if !softmaxVector {
		softmaxBlockGo(a)
		return
	}
	if a.nb == 0 {
		return
	}
	if len(a.t) < 8*a.k || len(a.gbp) < 8*a.k || len(a.z) < a.nb*a.k {
		panic("probe: softmaxBlock: short buffers")
	}
	var s *C.double
	if a.s != nil {
		s = (*C.double)(unsafe.Pointer(&a.s[0]))
	}
	C.softmax_block((*C.float)(unsafe.Pointer(&a.z[0])), C.int(a.nb), C.int(a.k),
		(*C.int32_t)(unsafe.Pointer(&a.y[0])), s,
		(*C.double)(unsafe.Pointer(&a.bias[0])), (*C.double)(unsafe.Pointer(&a.gb[0])), (*C.double)(unsafe.Pointer(&a.t[0])), (*C.double)(unsafe.Pointer(&a.gbp[0])),
		(*C.double)(unsafe.Pointer(&a.rowMax[0])), (*C.double)(unsafe.Pointer(&a.rowSum[0])), (*C.double)(unsafe.Pointer(&a.rowY[0])))
}
