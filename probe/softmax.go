package probe

import "math"

// softmaxArgs is the per-row work of one sub-block of the objective
// between its two GEMMs. z holds the block's float32 logits x_i . w_k
// transposed: class c's logits of the nb rows are z[c*nb : (c+1)*nb]. For
// each row i, with label y[i] and row scale s[i] (nil: 1), softmaxBlock
// forms the float64 logits s_i z_ik + bias_k, their softmax p_i, and
//
//	rowMax[i], rowSum[i], rowY[i]  the largest logit, sum_k e^(logit-max)
//	                               and the label's logit (the row's loss is
//	                               rowMax + log rowSum - rowY)
//	gb += p_i - onehot(y_i)        the bias gradient
//	z_i = s_i (p_i - onehot(y_i))  the residual row, in place
//
// Rows are taken in groups of 8 (the vector version's lanes): sums over
// classes run in class order for each row, and the bias gradient is kept
// in 8 partial sums per class (row i in partial i mod 8 of its group),
// added into gb in a fixed order at the end, the same in the Go and C
// versions, which give identical bits. t is scratch of 8K float64 and gbp
// of 8K float64.
type softmaxArgs struct {
	z                    []float32
	nb, k                int
	y                    []int32
	s                    []float64
	bias, gb, t, gbp     []float64
	rowMax, rowSum, rowY []float64
}

// softmaxBlockGo is the Go version of softmaxBlock. Like the vector
// version it walks each group of 8 rows class by class, reading 8
// consecutive logits of each class at a time.
func softmaxBlockGo(a *softmaxArgs) {
	k, nb := a.k, a.nb
	bias, gb := a.bias[:k], a.gb[:k]
	gbp := a.gbp[:8*k]
	clear(gbp)
	t := a.t[:8*k]
	for i0 := 0; i0 < nb; i0 += 8 {
		nl := min(8, nb-i0)
		var s [8]float64
		var y [8]int
		var m, sum [8]float64
		for j := range nl {
			s[j] = 1
			if a.s != nil {
				s[j] = a.s[i0+j]
			}
			y[j] = int(a.y[i0+j])
			m[j] = math.Inf(-1)
		}
		for c := range k {
			zc := a.z[c*nb+i0 : c*nb+i0+nl]
			tc := t[c*8 : c*8+8]
			for j, v := range zc {
				x := s[j]*float64(v) + bias[c]
				tc[j] = x
				if x > m[j] {
					m[j] = x
				}
			}
		}
		for j := range nl {
			a.rowMax[i0+j], a.rowY[i0+j] = m[j], t[y[j]*8+j]
		}
		for c := range k {
			tc := t[c*8 : c*8+nl]
			for j, x := range tc {
				e := 0.0 // below e^-708 a term adds nothing to sum >= 1
				if d := x - m[j]; d >= -708 {
					e = expNonPos(d)
				}
				tc[j] = e
				sum[j] += e
			}
		}
		var inv [8]float64
		for j := range nl {
			a.rowSum[i0+j] = sum[j]
			inv[j] = 1 / sum[j]
		}
		for c := range k {
			zc := a.z[c*nb+i0 : c*nb+i0+nl]
			tc := t[c*8 : c*8+nl]
			pc := gbp[c*8 : c*8+8]
			for j, e := range tc {
				r := e * inv[j]
				if c == y[j] {
					r--
				}
				pc[j] += r
				zc[j] = float32(r * s[j])
			}
		}
	}
	for c := range k {
		p := gbp[c*8 : c*8+8]
		gb[c] += ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))
	}
}
