package probe

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkObjective times one loss-and-gradient evaluation (two GEMMs of
// N x D x K plus the softmax) through blas32, next to the plain float64
// loop of refObjective at the smallest size.
func BenchmarkObjective(b *testing.B) {
	for _, sz := range []struct{ n, d, k int }{{2048, 128, 10}, {8192, 512, 100}, {16384, 768, 1000}} {
		data := randomData(1, sz.n, sz.d, sz.k, 0.3)
		theta := make([]float64, sz.k*sz.d+sz.k)
		for i := range theta {
			theta[i] = 1e-3 * float64(i%7-3)
		}
		flops := 4 * float64(sz.n) * float64(sz.d) * float64(sz.k)
		b.Run(fmt.Sprintf("impl=blas32/n=%d/d=%d/k=%d", sz.n, sz.d, sz.k), func(b *testing.B) {
			o := newObjective(newRows(data, nil, nil), sz.k, 1, 0, 0)
			g := make([]float64, len(theta))
			for b.Loop() {
				o.eval(theta, g)
			}
			s := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(flops/s/1e9, "GFLOP/s")
			b.ReportMetric(float64(sz.n)/s, "samples/s")
		})
		if sz.n == 2048 {
			b.Run(fmt.Sprintf("impl=naive-float64/n=%d/d=%d/k=%d", sz.n, sz.d, sz.k), func(b *testing.B) {
				for b.Loop() {
					refObjective(data, nil, sz.k, 1, theta)
				}
				s := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(flops/s/1e9, "GFLOP/s")
				b.ReportMetric(float64(sz.n)/s, "samples/s")
			})
		}
	}
}

// BenchmarkFit times a fit of 10,000 x 256 features, 50 classes, at C=1
// from zero, capped at 50 iterations.
func BenchmarkFit(b *testing.B) {
	const n, d, k = 10000, 256, 50
	data := randomData(2, n, d, k, 0.3)
	var evals, iters int
	for b.Loop() {
		m, err := Fit(context.Background(), data, k, 1, nil, Options{MaxIter: 50})
		if err != nil {
			b.Fatal(err)
		}
		evals += m.Evaluations
		iters += m.Iterations
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(4*float64(n)*d*k*float64(evals)/s/1e9, "GFLOP/s")
	b.ReportMetric(float64(iters)/float64(b.N), "iters/op")
	b.ReportMetric(float64(evals)/float64(iters), "evals/iter")
}
