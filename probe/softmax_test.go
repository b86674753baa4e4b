package probe

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftmaxBlockVersionsAgree runs softmaxBlock (the AVX-512 version
// where the CPU has one) and softmaxBlockGo on the same rows, for class
// counts around the groups of 8, with and without row scales, and wants
// identical bits in every output: residuals, bias gradient and the
// per-row loss terms. Logits span a range wide enough that some
// probabilities underflow to exactly 0.
func TestSoftmaxBlockVersionsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{1, 2, 7, 10, 100, 1000} {
		for _, scaled := range []bool{false, true} {
			const nb = 37 // four full groups of 8 rows and a partial one
			z := make([]float32, nb*k)
			for i := range z {
				z[i] = float32(rng.NormFloat64() * 4)
				if i%97 == 0 {
					z[i] = float32(rng.NormFloat64() * 900) // e^-708 underflow
				}
			}
			mk := func() *softmaxArgs {
				a := &softmaxArgs{z: append([]float32(nil), z...), nb: nb, k: k, y: make([]int32, nb),
					bias: make([]float64, k), gb: make([]float64, k), t: make([]float64, 8*k), gbp: make([]float64, 8*k),
					rowMax: make([]float64, nb), rowSum: make([]float64, nb), rowY: make([]float64, nb)}
				r := rand.New(rand.NewPCG(5, uint64(k)))
				for i := range a.y {
					a.y[i] = int32(r.IntN(k))
				}
				for c := range a.bias {
					a.bias[c] = 0.1 * r.NormFloat64()
				}
				if scaled {
					a.s = make([]float64, nb)
					for i := range a.s {
						a.s[i] = 0.05 + r.Float64()
					}
				}
				return a
			}
			got, want := mk(), mk()
			softmaxBlock(got)
			softmaxBlockGo(want)
			same := func(name string, a, b []float64) {
				for i := range a {
					if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
						t.Fatalf("k=%d scaled=%v: %s[%d] = %v, Go version %v", k, scaled, name, i, a[i], b[i])
					}
				}
			}
			for i := range got.z {
				if math.Float32bits(got.z[i]) != math.Float32bits(want.z[i]) {
					t.Fatalf("k=%d scaled=%v: residual %d = %v, Go version %v", k, scaled, i, got.z[i], want.z[i])
				}
			}
			same("gb", got.gb, want.gb)
			same("rowMax", got.rowMax, want.rowMax)
			same("rowSum", got.rowSum, want.rowSum)
			same("rowY", got.rowY, want.rowY)
		}
	}
	if !softmaxVector {
		t.Log("this CPU has no AVX-512: both sides ran the Go version")
	}
}
