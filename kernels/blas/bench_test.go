package blas

import (
	"fmt"
	"math/rand/v2"
	"testing"

	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BenchmarkSgemm times C = A·Bᵀ (the similarity layout: both operands
// row-major with the shared dimension last) in this implementation and in
// gonum's pure Go, side by side:
//
//	go test -run '^$' -bench Sgemm ./kernels/blas
func BenchmarkSgemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range [][3]int{{64, 64, 64}, {256, 1000, 512}, {1024, 1024, 1024}} {
		m, n, k := sh[0], sh[1], sh[2]
		a, bm, c := randSlice(rng, m*k), randSlice(rng, n*k), make([]float32, m*n)
		for _, impl := range []struct {
			name string
			blas gblas.Float32Level3
		}{{"impl=this", Implementation{}}, {"impl=gonum", gonum.Implementation{}}} {
			b.Run(fmt.Sprintf("%s/m=%d/n=%d/k=%d", impl.name, m, n, k), func(b *testing.B) {
				for b.Loop() {
					impl.blas.Sgemm(gblas.NoTrans, gblas.Trans, m, n, k, 1, a, k, bm, k, 0, c, n)
				}
				b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
