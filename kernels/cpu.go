package kernels

import (
	"context"
	"math"
	"runtime"
	"sync"

	"github.com/evalclip/evalclip/internal/panics"
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
		Peaks:   cpuPeaks,
	})
}

func blasName() string {
	if blas.OpenBLAS() {
		return "OpenBLAS"
	}
	return "gonum, pure Go"
}

// Block sizes of the CPU path (variables so that tests can shrink them):
// rows per SGEMM call, and the most scores one block may hold (4 MiB of
// float32, about an L2 or a slice of L3); columns per block follow.
var (
	cpuBlockRows   = 1024
	cpuBlockScores = 1 << 20
	// cpuKeyCopy is the most key elements normalised into one copy (256
	// MiB); beyond it keys are normalised block by block.
	cpuKeyCopy = 1 << 26
	// cpuMinCols is the granularity of column blocks.
	cpuMinCols = 64
)

// CPU returns the fast float32 path. It computes what Reference specifies,
//
//	s[i][j] = Scale * <q_i/|q_i|, k_j/|k_j|>,  top K of each row,
//
// block by block: for each block of up to 256 query rows and each block of
// key columns (a block holds at most 2^20 scores),
//
//	Q̂ = the block's query rows, normalised      (a copy; all cores)
//	K̂ = the block's key rows, normalised        (a copy of all keys made once, unless over 256 MiB)
//	S = Scale * Q̂ · K̂ᵀ                          (one SGEMM: OpenBLAS threads, or gonum's goroutines)
//	for each row r of S, on all cores:          (goroutines)
//	    offer S[r][j] to the row's top-K heap    (one compare per score)
//	after the last column block: sort each heap
//
// The copies cost D/(2·256) of the product's arithmetic, and the caller's
// slices stay untouched. The full N×C scores never exist unless WantLogits
// asks for them, in which case SGEMM writes straight into Result.Logits.
func CPU() Scorer { return &scorer{name: "cpu", run: cpuScore, ownFiniteCheck: true} }

func cpuScore(ctx context.Context, p *Problem, res *Result) error {
	if !p.Normalize {
		// Normalising checks each row on the way; without it, scan first.
		if err := checkFinite("queries", p.Queries, p.D); err != nil {
			return err
		}
		if err := checkFinite("keys", p.Keys, p.D); err != nil {
			return err
		}
	}
	if p.N == 0 {
		return ctx.Err()
	}
	workers := runtime.GOMAXPROCS(0)
	// Fewer rows per block when K is large, so the heaps stay small.
	bn := min(cpuBlockRows, p.N, max(1, cpuBlockScores/p.K))
	bc := min(p.C, max(cpuMinCols, cpuBlockScores/bn/cpuMinCols*cpuMinCols))
	w := cpuWorkspaces.Get().(*cpuWork)
	defer cpuWorkspaces.Put(w)
	var scratch, qBlock, kBlock []float32
	if !p.WantLogits {
		scratch = grow(&w.scratch, bn*bc)
	}
	// All keys are normalised once when a copy is affordable, otherwise
	// block by block for every block of rows.
	allKeys := p.C*p.D <= cpuKeyCopy || bc == p.C
	if p.Normalize {
		qBlock = grow(&w.q, bn*p.D)
		if allKeys {
			kBlock = grow(&w.k, p.C*p.D)
			if err := normalizeRows("keys", kBlock, p.Keys, 0, p.D, workers); err != nil {
				return err
			}
		} else {
			kBlock = grow(&w.k, bc*p.D)
		}
	}
	heapV := grow(&w.heapV, bn*p.K)
	heapI := grow(&w.heapI, bn*p.K)
	heaps := grow(&w.heaps, bn)
	impl := blas.Implementation{}

	for r0 := 0; r0 < p.N; r0 += bn {
		rows := min(bn, p.N-r0)
		for r := 0; r < rows; r++ {
			heaps[r].reset(heapV[r*p.K:(r+1)*p.K], heapI[r*p.K:(r+1)*p.K])
		}
		q := p.Queries[r0*p.D : (r0+rows)*p.D]
		if p.Normalize {
			q = qBlock[:len(q)]
			if err := normalizeRows("queries", q, p.Queries, r0, p.D, workers); err != nil {
				return err
			}
		}
		for c0 := 0; c0 < p.C; c0 += bc {
			if err := ctx.Err(); err != nil {
				return err
			}
			cols := min(bc, p.C-c0)
			k := p.Keys[c0*p.D : (c0+cols)*p.D]
			if p.Normalize && allKeys {
				k = kBlock[c0*p.D : (c0+cols)*p.D]
			} else if p.Normalize {
				k = kBlock[:len(k)]
				if err := normalizeRows("keys", k, p.Keys, c0, p.D, workers); err != nil {
					return err
				}
			}
			out, ld := scratch, cols
			if p.WantLogits {
				out, ld = res.Logits[r0*p.C+c0:], p.C
			}
			impl.Sgemm(gblas.NoTrans, gblas.Trans, rows, cols, p.D, p.scale(), q, p.D, k, p.D, 0, out, ld)
			forEachRange(rows, workers, func(lo, hi int) {
				for r := lo; r < hi; r++ {
					heaps[r].scan(out[r*ld:r*ld+cols], c0)
				}
			})
		}
		for r := 0; r < rows; r++ {
			i := r0 + r
			heaps[r].sortInto(res.Score[i*p.K:(i+1)*p.K], res.Index[i*p.K:(i+1)*p.K])
		}
	}
	return nil
}

// cpuWork is the scratch memory of one call, reused across calls.
type cpuWork struct {
	scratch, q, k, heapV []float32
	heapI                []int32
	heaps                []topK
}

var cpuWorkspaces = sync.Pool{New: func() any { return new(cpuWork) }}

// grow returns (*buf)[:n], reallocating when the buffer is too small.
func grow[T any](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	return (*buf)[:n]
}

// normalizeRows writes rows first, first+1, ... of src (width d; as many
// as fit dst) into dst divided by max(|row|, NormEpsilon), spread over
// workers goroutines. A row holding NaN or ±Inf is an error naming what,
// the row and the column (the first such row).
func normalizeRows(what string, dst, src []float32, first, d, workers int) error {
	rows := len(dst) / d
	bad := -1
	var mu sync.Mutex
	forEachRange(rows, workers, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := src[(first+r)*d : (first+r+1)*d]
			ss := float64(sumSquares(row))
			if math.IsInf(ss, 0) || math.IsNaN(ss) {
				if firstNonFinite(row) >= 0 {
					mu.Lock()
					if bad < 0 || r < bad {
						bad = r
					}
					mu.Unlock()
					return
				}
			}
			if !(ss >= 0x1p-100 && ss <= 0x1p100) {
				// Squares that overflow float32 or lose bits as
				// subnormals: accumulate in float64 instead.
				ss = 0
				for _, v := range row {
					ss += float64(v) * float64(v)
				}
			}
			inv := float32(1 / math.Max(math.Sqrt(ss), NormEpsilon))
			out := dst[r*d : (r+1)*d]
			for c, v := range row {
				out[c] = v * inv
			}
		}
	})
	if bad >= 0 {
		row := src[(first+bad)*d : (first+bad+1)*d]
		c := firstNonFinite(row)
		return nonFinite(what, first+bad, c, row[c])
	}
	return nil
}

// sumSquares is Σ x², accumulated in float32 over eight lanes (the rounding
// error grows like sqrt(len/8) units of 2^-24).
func sumSquares(x []float32) float32 {
	var s [8]float32
	i := 0
	for ; i+8 <= len(x); i += 8 {
		v := x[i : i+8 : i+8]
		s[0] += v[0] * v[0]
		s[1] += v[1] * v[1]
		s[2] += v[2] * v[2]
		s[3] += v[3] * v[3]
		s[4] += v[4] * v[4]
		s[5] += v[5] * v[5]
		s[6] += v[6] * v[6]
		s[7] += v[7] * v[7]
	}
	for ; i < len(x); i++ {
		s[0] += x[i] * x[i]
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

// forEachRange splits [0, n) into up to workers contiguous ranges and runs
// f on each from its own goroutine (the caller's for the last).
func forEachRange(n, workers int, f func(lo, hi int)) {
	workers = max(1, min(workers, n))
	if workers == 1 {
		f(0, n)
		return
	}
	var g panics.Group
	step := (n + workers - 1) / workers
	for lo := step; lo < n; lo += step {
		g.Go(func() { f(lo, min(lo+step, n)) })
	}
	g.Go(func() { f(0, min(step, n)) })
	g.Wait()
}
