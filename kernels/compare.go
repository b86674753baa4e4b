package kernels

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Tolerance is the largest error allowed for the score of row i against key
// j in dtype dt: the inputs' rounding (twice the dtype's epsilon), float32
// accumulation over D terms and normalisation, scaled by the score's
// magnitude bound |Scale|·|q_i|·|k_j| (norms 1 when normalising), with a
// safety factor of 4.
func Tolerance(p *Problem, dt DType, qNorm, kNorm float64) float64 {
	scale := math.Abs(float64(p.Scale))
	if scale == 0 {
		scale = 1
	}
	if p.Normalize {
		qNorm, kNorm = 1, 1
	}
	rel := 2*dt.Epsilon() + float64(p.D+4)*0x1p-24
	return 4 * scale * qNorm * kNorm * rel
}

// rowNorms returns the float64 L2 norm of each row.
func rowNorms(x []float32, rows, d int) []float64 {
	out := make([]float64, rows)
	for r := range out {
		var ss float64
		for _, v := range x[r*d : (r+1)*d] {
			ss += float64(v) * float64(v)
		}
		out[r] = math.Sqrt(ss)
	}
	return out
}

// Compare checks got against the reference result ref, which must carry
// logits (computed with WantLogits), for problem p computed in dtype dt:
// every index in range and distinct per row, every score (and logit) within
// Tolerance of the reference's score for that index, each returned index
// among the reference's top K up to ties within twice the tolerance, rows
// sorted best first with exact ties in increasing index order. NaN scores
// (poison left in place) fail. It returns the largest score error seen and
// an error describing the first few violations.
func Compare(p *Problem, dt DType, ref, got *Result) (maxErr float64, err error) {
	if len(ref.Logits) != p.N*p.C {
		return 0, errors.New("kernels: the reference result needs logits")
	}
	var errs []string
	fail := func(format string, args ...any) {
		if len(errs) < 8 {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
	}
	qn := rowNorms(p.Queries, p.N, p.D)
	kn := rowNorms(p.Keys, p.C, p.D)
	maxK := 0.0
	for _, v := range kn {
		maxK = math.Max(maxK, v)
	}
	seen := make(map[int32]bool, p.K)
	for i := 0; i < p.N; i++ {
		tol := Tolerance(p, dt, qn[i], maxK)
		kth := float64(ref.Logits[i*p.C+int(ref.Index[i*p.K+p.K-1])])
		clear(seen)
		prev := math.Inf(1)
		var prevIdx int32 = -1
		for r := 0; r < p.K; r++ {
			j, s := got.Index[i*p.K+r], got.Score[i*p.K+r]
			if j < 0 || int(j) >= p.C {
				fail("row %d rank %d: index %d out of range 0..%d (unwritten output?)", i, r, j, p.C-1)
				continue
			}
			if seen[j] {
				fail("row %d rank %d: index %d appears twice", i, r, j)
			}
			seen[j] = true
			if math.IsNaN(float64(s)) {
				fail("row %d rank %d: score is NaN (unwritten output?)", i, r)
				continue
			}
			want := float64(ref.Logits[i*p.C+int(j)])
			e := math.Abs(float64(s) - want)
			maxErr = math.Max(maxErr, e)
			if e > tol {
				fail("row %d rank %d: index %d score %.8g, reference %.8g (error %.3g > tolerance %.3g)", i, r, j, s, want, e, tol)
			}
			if want < kth-2*tol {
				fail("row %d rank %d: index %d (reference score %.8g) is not among the top %d (k-th best %.8g, tie tolerance %.3g)",
					i, r, j, want, p.K, kth, 2*tol)
			}
			if float64(s) > prev {
				fail("row %d rank %d: score %.8g after %.8g: not sorted best first", i, r, s, prev)
			} else if float64(s) == prev && j < prevIdx {
				fail("row %d rank %d: equal scores %.8g with index %d after %d: ties must keep the lower index first", i, r, s, j, prevIdx)
			}
			prev, prevIdx = float64(s), j
		}
	}
	if p.WantLogits {
		if len(got.Logits) != p.N*p.C {
			fail("got %d logits, want %d", len(got.Logits), p.N*p.C)
		} else {
			for i := 0; i < p.N; i++ {
				tol := Tolerance(p, dt, qn[i], maxK)
				for j := 0; j < p.C; j++ {
					g, w := got.Logits[i*p.C+j], ref.Logits[i*p.C+j]
					e := math.Abs(float64(g) - float64(w))
					if math.IsNaN(e) || e > tol {
						fail("logit [%d,%d] = %.8g, reference %.8g (tolerance %.3g)", i, j, g, w, tol)
					}
					if !math.IsNaN(e) {
						maxErr = math.Max(maxErr, e)
					}
				}
			}
		}
	}
	if len(errs) > 0 {
		return maxErr, errors.New(strings.Join(errs, "\n"))
	}
	return maxErr, nil
}
