package kernels

import (
	"context"
	"math"
	"runtime"
	"sort"
	"sync"

	"github.com/evalclip/evalclip/internal/panics"
)

func init() {
	Register(Impl{
		Name:    "reference",
		Summary: "float64 specification: normalise, dot products, full sort per row",
		Device:  DeviceCPU,
		DTypes:  []DType{FP32},
		Slow:    true,
		New:     func(DType) (Scorer, error) { return Reference(), nil },
		Peaks:   cpuPeaks,
	})
}

// Reference returns the specification, computed in float64:
//
//	for each row i and column j:
//	    q := Queries[i], k := Keys[j]           (as float64)
//	    if Normalize { q /= max(|q|, NormEpsilon); k /= max(|k|, NormEpsilon) }
//	    s[i][j] = float32(Scale * Σ_d q[d]*k[d])    (Scale 0 means 1)
//	for each row i: sort j by (s[i][j] descending, j ascending); keep the first K
//
// Ties are decided on the returned float32 scores. Rows are spread over
// goroutines; nothing else is clever.
func Reference() Scorer { return &scorer{name: "reference", run: referenceScore} }

func referenceScore(ctx context.Context, p *Problem, res *Result) error {
	keys := toFloat64Rows(p.Keys, p.C, p.D, p.Normalize)
	scale := float64(p.scale())
	// Rows per work item: up to 16, fewer when rows are long, so that a
	// handful of rows over a million keys still spreads over the cores.
	grain := max(1, min(16, (1<<20)/max(1, p.C*p.D)))
	return parallelRows(ctx, p.N, grain, func(lo, hi int) {
		q := make([]float64, p.D)
		s := make([]float32, p.C)
		order := make([]int32, p.C)
		for i := lo; i < hi; i++ {
			for d := range q {
				q[d] = float64(p.Queries[i*p.D+d])
			}
			if p.Normalize {
				normalize64(q)
			}
			for j := range s {
				var dot float64
				k := keys[j*p.D : (j+1)*p.D]
				for d := range q {
					dot += q[d] * k[d]
				}
				s[j] = float32(scale * dot)
				order[j] = int32(j)
			}
			sort.Slice(order, func(a, b int) bool {
				sa, sb := s[order[a]], s[order[b]]
				return sa > sb || (sa == sb && order[a] < order[b])
			})
			for r := 0; r < p.K; r++ {
				res.Index[i*p.K+r] = order[r]
				res.Score[i*p.K+r] = s[order[r]]
			}
			if p.WantLogits {
				copy(res.Logits[i*p.C:(i+1)*p.C], s)
			}
		}
	})
}

// toFloat64Rows converts rows×d float32 to float64, normalising each row
// when asked.
func toFloat64Rows(x []float32, rows, d int, normalize bool) []float64 {
	out := make([]float64, rows*d)
	for i, v := range x {
		out[i] = float64(v)
	}
	if normalize {
		for r := 0; r < rows; r++ {
			normalize64(out[r*d : (r+1)*d])
		}
	}
	return out
}

// normalize64 divides v by max(|v|, NormEpsilon).
func normalize64(v []float64) {
	var ss float64
	for _, x := range v {
		ss += x * x
	}
	n := math.Max(math.Sqrt(ss), NormEpsilon)
	for i := range v {
		v[i] /= n
	}
}

// parallelRows calls f on consecutive ranges of [0, n), at least grain rows
// each, from up to GOMAXPROCS goroutines. It stops handing out ranges when
// ctx is cancelled and then returns ctx.Err().
func parallelRows(ctx context.Context, n, grain int, f func(lo, hi int)) error {
	workers := runtime.GOMAXPROCS(0)
	if n <= grain || workers == 1 {
		for lo := 0; lo < n; lo += grain {
			if err := ctx.Err(); err != nil {
				return err
			}
			f(lo, min(lo+grain, n))
		}
		return ctx.Err()
	}
	var (
		mu   sync.Mutex
		next int
		g    panics.Group
	)
	take := func() (int, int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= n || ctx.Err() != nil {
			return 0, 0, false
		}
		lo := next
		next = min(n, next+grain)
		return lo, next, true
	}
	for w := 0; w < min(workers, (n+grain-1)/grain); w++ {
		g.Go(func() {
			for {
				lo, hi, ok := take()
				if !ok {
					return
				}
				f(lo, hi)
			}
		})
	}
	g.Wait()
	return ctx.Err()
}
