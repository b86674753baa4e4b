package kernels

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/evalclip/evalclip/kernels/blas"
	gblas "gonum.org/v1/gonum/blas"
)

// Sizes of the CPU peak measurements (variables so tests can shrink them).
var (
	cpuPeakGemm = 2048    // SGEMM n×n×n
	cpuPeakCopy = 1 << 26 // float32 elements per copy buffer (256 MiB)
)

// cpuPeaks measures the CPU's ceilings: the best of three SGEMMs of
// 2048×2048×2048 through kernels/blas (OpenBLAS, or gonum without cgo),
// and the best of three copies of a 256 MiB buffer split over GOMAXPROCS
// goroutines (bytes read plus bytes written).
func cpuPeaks(ctx context.Context, dt DType) (Peaks, error) {
	if dt != FP32 {
		return Peaks{}, fmt.Errorf("kernels: the CPU computes in fp32 only, not %s", dt)
	}
	n := cpuPeakGemm
	a := RandomEmbeddings(n, n, 1)
	b := RandomEmbeddings(n, n, 2)
	c := make([]float32, n*n)
	impl := blas.Implementation{}
	best := time.Duration(1<<63 - 1)
	for rep := 0; rep < 4; rep++ { // the first is a warm-up
		if err := ctx.Err(); err != nil {
			return Peaks{}, err
		}
		t0 := time.Now()
		impl.Sgemm(gblas.NoTrans, gblas.Trans, n, n, n, 1, a, n, b, n, 0, c, n)
		if d := time.Since(t0); rep > 0 && d < best {
			best = d
		}
	}
	gflops := 2 * float64(n) * float64(n) * float64(n) / best.Seconds() / 1e9

	src := RandomEmbeddings(cpuPeakCopy, 1, 3)
	dst := make([]float32, cpuPeakCopy)
	workers := runtime.GOMAXPROCS(0)
	best = time.Duration(1<<63 - 1)
	for rep := 0; rep < 4; rep++ {
		if err := ctx.Err(); err != nil {
			return Peaks{}, err
		}
		t0 := time.Now()
		forEachRange(cpuPeakCopy, workers, func(lo, hi int) { copy(dst[lo:hi], src[lo:hi]) })
		if d := time.Since(t0); rep > 0 && d < best {
			best = d
		}
	}
	gbps := 2 * 4 * float64(cpuPeakCopy) / best.Seconds() / 1e9
	return Peaks{GFLOPS: gflops, GBPS: gbps,
		Method: fmt.Sprintf("SGEMM %d³ (%s), best of 3; copy of %d MiB on %d goroutines, best of 3",
			n, blas.Backend(), cpuPeakCopy*4>>20, workers)}, nil
}
