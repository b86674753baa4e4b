package probe

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/optimize"

	kblas "github.com/evalclip/evalclip/kernels/blas"
)

// blasBackends are the GEMM implementations the benchmarks run with:
// gonum's pure Go, and OpenBLAS through kernels/blas when the build links
// it. Each entry registers its implementation with blas32/blas64.
var blasBackends = []struct {
	name string
	use  func()
}{
	{"gonum", func() { blas32.Use(gonum.Implementation{}); blas64.Use(gonum.Implementation{}) }},
	{"openblas", kblas.Use},
}

// forEachBLAS runs fn under each available GEMM implementation, restoring
// gonum's afterwards.
func forEachBLAS(b *testing.B, fn func(b *testing.B)) {
	defer blasBackends[0].use()
	for _, be := range blasBackends {
		if be.name == "openblas" && !kblas.OpenBLAS() {
			continue
		}
		be.use()
		b.Run("blas="+be.name, fn)
	}
}

// BenchmarkObjective times one loss-and-gradient evaluation (two GEMMs of
// N x D x K plus the softmax) through blas32 with each GEMM implementation
// and 1 or all workers, next to the plain float64 loops of refObjective
// at the smallest size.
//
// The sizes are the three of the comparison with scikit-learn
// (tools/bench/probe_vs_sklearn.py loss); the pure-Go GEMMs skip the
// largest (about 10 s per evaluation).
func BenchmarkObjective(b *testing.B) {
	sizes := []struct{ n, d, k int }{{10000, 64, 10}, {25000, 512, 100}, {50000, 768, 1000}}
	forEachBLAS(b, func(b *testing.B) {
		for _, sz := range sizes {
			if _, pureGo := blas32.Implementation().(gonum.Implementation); pureGo && sz.k >= 1000 {
				continue
			}
			data := randomData(1, sz.n, sz.d, sz.k, 0.3)
			theta := benchTheta(sz.k*sz.d + sz.k)
			for _, workers := range []int{1, 0} {
				b.Run(fmt.Sprintf("workers=%d/n=%d/d=%d/k=%d", workerCount(workers), sz.n, sz.d, sz.k), func(b *testing.B) {
					o := newObjective(newRows(data, nil, nil), sz.k, 1, workers, 0)
					g := make([]float64, len(theta))
					for b.Loop() {
						o.eval(theta, g)
					}
					reportObjective(b, sz.n, sz.d, sz.k)
				})
			}
		}
	})
	sz := sizes[0]
	data := randomData(1, sz.n, sz.d, sz.k, 0.3)
	theta := benchTheta(sz.k*sz.d + sz.k)
	b.Run(fmt.Sprintf("blas=naive-float64/workers=1/n=%d/d=%d/k=%d", sz.n, sz.d, sz.k), func(b *testing.B) {
		for b.Loop() {
			refObjective(data, nil, sz.k, 1, theta)
		}
		reportObjective(b, sz.n, sz.d, sz.k)
	})
}

func benchTheta(n int) []float64 {
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = 1e-3 * float64(i%7-3)
	}
	return theta
}

// reportObjective reports GFLOP/s (4*N*D*K per evaluation) and samples/s.
func reportObjective(b *testing.B, n, d, k int) {
	s := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(4*float64(n)*float64(d)*float64(k)/s/1e9, "GFLOP/s")
	b.ReportMetric(float64(n)/s, "samples/s")
}

// BenchmarkFit times a fit of 10,000 x 256 features, 50 classes, at C=1
// from zero, capped at 50 iterations, with each GEMM implementation.
func BenchmarkFit(b *testing.B) {
	const n, d, k = 10000, 256, 50
	data := randomData(2, n, d, k, 0.3)
	forEachBLAS(b, func(b *testing.B) {
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
	})
}

// BenchmarkOptimizer compares this package's L-BFGS with gonum's
// optimize.LBFGS (memory 10, its default More-Thuente line search, the same
// gradient and relative-reduction tests) on one fit of 10,000 x 256
// features, 50 classes, C=1, from zero, in pure-Go BLAS. Both share one
// objective; gonum's separate Func and Grad calls reuse a cached
// evaluation. It reports evaluations and the final objective, so speed is
// compared at equal accuracy.
func BenchmarkOptimizer(b *testing.B) {
	const n, d, k = 10000, 256, 50
	data := randomData(2, n, d, k, 0.3)
	obj := newObjective(newRows(data, nil, nil), k, 1, 0, 0)
	b.Run("impl=own", func(b *testing.B) {
		var f float64
		evals := 0
		for b.Loop() {
			theta := make([]float64, obj.nparams())
			res, err := lbfgs(context.Background(), obj.eval, theta, 1000, 1e-4)
			if err != nil {
				b.Fatal(err)
			}
			f, evals = res.f, evals+res.evals
		}
		b.ReportMetric(float64(evals)/float64(b.N), "evals/op")
		b.ReportMetric(f, "objective")
	})
	b.Run("impl=gonum-optimize", func(b *testing.B) {
		var f float64
		evals := 0
		var lastX, lastG []float64
		var lastF float64
		fg := func(x []float64) {
			if lastX != nil && equalFloats(x, lastX) {
				return
			}
			lastX = append(lastX[:0], x...)
			lastG = make([]float64, len(x))
			lastF = obj.eval(x, lastG)
			evals++
		}
		p := optimize.Problem{
			Func: func(x []float64) float64 { fg(x); return lastF },
			Grad: func(g, x []float64) { fg(x); copy(g, lastG) },
		}
		for b.Loop() {
			lastX = nil
			res, err := optimize.Minimize(p, make([]float64, obj.nparams()), &optimize.Settings{
				GradientThreshold: 1e-4,
				MajorIterations:   1000,
				Converger:         &optimize.FunctionConverge{Relative: lbfgsFTol, Iterations: 1},
			}, &optimize.LBFGS{Store: lbfgsMemory})
			if err != nil && res == nil {
				b.Fatal(err)
			}
			f = res.F
		}
		b.ReportMetric(float64(evals)/float64(b.N), "evals/op")
		b.ReportMetric(f, "objective")
	})
}

func equalFloats(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

// BenchmarkImageNetScale measures the linear probe at ImageNet's size, a
// synthetic 1,281,167 x 768 x 1000 problem (float32 features, 3.9 GB):
// one loss-and-gradient evaluation and the process's peak memory. It is
// skipped unless EVALCLIP_BENCH_IMAGENET=1 (it needs about 6 GB and a
// minute a round on 2 cores); docs/BENCHMARKS.md projects the sweep from
// it.
func BenchmarkImageNetScale(b *testing.B) {
	if os.Getenv("EVALCLIP_BENCH_IMAGENET") == "" {
		b.Skip("set EVALCLIP_BENCH_IMAGENET=1 (needs about 6 GB of memory)")
	}
	const n, d, k = 1281167, 768, 1000
	data := Data{X: make([]float32, n*d), N: n, D: d, Y: make([]int32, n)}
	// cheap deterministic pseudo-random features (an LCG): the timing
	// does not depend on the values
	state := uint32(1)
	for i := range data.X {
		state = state*1664525 + 1013904223
		data.X[i] = float32(int32(state>>8)-1<<23) / float32(1<<23)
	}
	for i := range data.Y {
		data.Y[i] = int32(i % k)
	}
	theta := benchTheta(k*d + k)
	kblas.Use() // OpenBLAS when linked: pure-Go GEMMs take minutes a round here
	defer blasBackends[0].use()
	o := newObjective(newRows(data, nil, nil), k, 1, 0, 0)
	g := make([]float64, len(theta))
	for b.Loop() {
		o.eval(theta, g)
	}
	reportObjective(b, n, d, k)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.Sys)/(1<<30), "GB-from-OS")
}

// BenchmarkImageNetScaleFit fits one model from zero at C = 1 on a
// synthetic ImageNet-sized problem with class structure (1,281,167 x 768
// features, 1000 classes, balanced; class centres N(0, 0.2^2) per
// coordinate and unit Gaussian noise, the distribution of
// tools/bench/probe_vs_sklearn.py), to measure the iterations and
// evaluations of a fit at that size, which BenchmarkImageNetScale's
// per-evaluation time turns into a sweep's time. Skipped unless
// EVALCLIP_BENCH_IMAGENET=fit: it needs about 6 GB and tens of minutes on
// 2 cores.
func BenchmarkImageNetScaleFit(b *testing.B) {
	if os.Getenv("EVALCLIP_BENCH_IMAGENET") != "fit" {
		b.Skip("set EVALCLIP_BENCH_IMAGENET=fit (needs about 6 GB of memory and tens of minutes)")
	}
	const n, d, k = 1281167, 768, 1000
	data := randomData(11, n, d, k, 0.2)
	kblas.Use()
	defer blasBackends[0].use()
	var m *Model
	for b.Loop() {
		var err error
		if m, err = Fit(context.Background(), data, k, 1, nil, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.Iterations), "iterations")
	b.ReportMetric(float64(m.Evaluations), "evaluations")
	b.ReportMetric(m.FitSeconds/float64(m.Evaluations), "s/evaluation")
	b.Logf("stop: %s, converged %v, objective %.6g", m.StopReason, m.Converged, m.Objective)
}
