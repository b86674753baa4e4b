package kernels

import (
	"context"
	"math"
	"sort"
)

func init() {
	Register(Impl{
		Name:    "go-naive",
		Summary: "the obvious float32 Go loop on one goroutine: full logits, then a sort per row (the CPU baseline)",
		Device:  DeviceCPU,
		DTypes:  []DType{FP32},
		Slow:    true,
		New:     func(DType) (Scorer, error) { return &scorer{name: "go-naive", run: naiveScore}, nil },
		Peaks:   cpuPeaks,
	})
}

// naiveScore is the loop one would write first, kept as the baseline the
// fast path is measured against: float32 throughout, one goroutine, the
// whole N×C score matrix in memory, a full sort of every row.
func naiveScore(ctx context.Context, p *Problem, res *Result) error {
	q := normalizedCopy(p.Queries, p.N, p.D, p.Normalize)
	k := normalizedCopy(p.Keys, p.C, p.D, p.Normalize)
	scale := p.scale()
	logits := make([]float32, p.N*p.C)
	for i := 0; i < p.N; i++ {
		if i%64 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		for j := 0; j < p.C; j++ {
			var dot float32
			for d := 0; d < p.D; d++ {
				dot += q[i*p.D+d] * k[j*p.D+d]
			}
			logits[i*p.C+j] = scale * dot
		}
	}
	order := make([]int32, p.C)
	for i := 0; i < p.N; i++ {
		row := logits[i*p.C : (i+1)*p.C]
		for j := range order {
			order[j] = int32(j)
		}
		sort.SliceStable(order, func(a, b int) bool { return row[order[a]] > row[order[b]] })
		for r := 0; r < p.K; r++ {
			res.Index[i*p.K+r] = order[r]
			res.Score[i*p.K+r] = row[order[r]]
		}
	}
	copy(res.Logits, logits)
	return nil
}

// normalizedCopy returns x, or a copy with every row divided by
// max(|row|, NormEpsilon) when normalize is set.
func normalizedCopy(x []float32, rows, d int, normalize bool) []float32 {
	if !normalize {
		return x
	}
	out := make([]float32, len(x))
	for r, n := range rowNorms(x, rows, d) {
		inv := float32(1 / math.Max(n, NormEpsilon))
		for c := 0; c < d; c++ {
			out[r*d+c] = x[r*d+c] * inv
		}
	}
	return out
}
