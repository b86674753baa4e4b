package kernels

import (
	"context"
	"runtime"
	"sync"

	"github.com/evalclip/evalclip/kernels/blas"
	gblas "gonum.org/v1/gonum/blas"
)

func init() {
	Register(Impl{
		Name:    "cpu",
		Summary: "float32 SGEMM (" + blasName() + ") over row and column blocks with a streaming top-k on all cores",
		Device:  DeviceCPU,
		DTypes:  []DType{FP32},
		New:     func(DType) (Scorer, error) { return CPU(), nil },
	})
}

func blasName() string {
	if blas.OpenBLAS() {
		return "OpenBLAS"
	}
	return "gonum, pure Go"
}

// Block sizes of the CPU path: rows per SGEMM call, and the most scores one
// block may hold (4 MiB of float32, about an L2 or a slice of L3); columns
// per block follow.
const (
	cpuBlockRows   = 256
	cpuBlockScores = 1 << 20
)

// CPU returns the fast float32 path. It computes what Reference specifies,
//
//	s[i][j] = Scale * <q_i/|q_i|, k_j/|k_j|>,  top K of each row,
//
// as, for each block of up to 256 query rows and each block of key columns
// (a block holds at most 2^20 scores):
//
//	S = Scale * Q_block · K_blockᵀ                  (one SGEMM, OpenBLAS threads)
//	for each row of S, on all cores:                (goroutines)
//	    S[r][j] *= 1/|k_j| * 1/|q_r|                 (when normalising)
//	    offer S[r][j] to the row's top-K heap         (a compare per score)
//	after the last column block: sort each heap
//
// Scaling after the product rather than normalising copies of the inputs
// keeps the inputs untouched and unduplicated. The full N×C scores never exist
// unless WantLogits asks for them, in which case SGEMM writes straight into
// Result.Logits. Without cgo, SGEMM is gonum's pure Go.
func CPU() Scorer { return &scorer{name: "cpu", run: cpuScore} }

func cpuScore(ctx context.Context, p *Problem, res *Result) error {
	if p.N == 0 {
		return ctx.Err()
	}
	var rowScale, colScale []float32
	if p.Normalize {
		rowScale = invNorms(p.Queries, p.N, p.D)
		colScale = invNorms(p.Keys, p.C, p.D)
	}
	// Fewer rows per block when K is large, so the heaps stay small.
	bn := min(cpuBlockRows, p.N, max(1, cpuBlockScores/p.K))
	bc := min(p.C, max(64, cpuBlockScores/bn/64*64))
	var scratch []float32
	if !p.WantLogits {
		scratch = make([]float32, bn*bc)
	}
	heapV := make([]float32, bn*p.K)
	heapI := make([]int32, bn*p.K)
	heaps := make([]topK, bn)
	workers := runtime.GOMAXPROCS(0)
	impl := blas.Implementation{}

	for r0 := 0; r0 < p.N; r0 += bn {
		rows := min(bn, p.N-r0)
		for r := 0; r < rows; r++ {
			heaps[r].reset(heapV[r*p.K:(r+1)*p.K], heapI[r*p.K:(r+1)*p.K])
		}
		for c0 := 0; c0 < p.C; c0 += bc {
			if err := ctx.Err(); err != nil {
				return err
			}
			cols := min(bc, p.C-c0)
			out, ld := scratch, cols
			if p.WantLogits {
				out, ld = res.Logits[r0*p.C+c0:], p.C
			}
			impl.Sgemm(gblas.NoTrans, gblas.Trans, rows, cols, p.D, p.scale(),
				p.Queries[r0*p.D:(r0+rows)*p.D], p.D, p.Keys[c0*p.D:(c0+cols)*p.D], p.D, 0, out, ld)
			forEachRange(rows, workers, func(lo, hi int) {
				for r := lo; r < hi; r++ {
					seg := out[r*ld : r*ld+cols]
					if p.Normalize {
						heaps[r].scanScaled(seg, colScale[c0:c0+cols], rowScale[r0+r], p.WantLogits, c0)
					} else {
						heaps[r].scan(seg, c0)
					}
				}
			})
		}
		for r := 0; r < rows; r++ {
			i := r0 + r
			v, ix := res.Score[i*p.K:(i+1)*p.K], res.Index[i*p.K:(i+1)*p.K]
			heaps[r].sortInto(v, ix)
		}
	}
	return nil
}

// forEachRange splits [0, n) into up to workers contiguous ranges and runs
// f on each from its own goroutine (the caller's for the last).
func forEachRange(n, workers int, f func(lo, hi int)) {
	workers = max(1, min(workers, n))
	if workers == 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	step := (n + workers - 1) / workers
	for lo := step; lo < n; lo += step {
		wg.Add(1)
		go func(lo int) {
			defer wg.Done()
			f(lo, min(lo+step, n))
		}(lo)
	}
	f(0, min(step, n))
	wg.Wait()
}
