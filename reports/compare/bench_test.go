package compare

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/reports"
)

// benchGroups makes two runs' zero-shot groups over n samples (about 70%
// correct, 10% of answers flipped between the runs).
func benchGroups(n int) (*reports.Group, *reports.Group) {
	rng := rand.New(rand.NewPCG(1, 2))
	var a, b strings.Builder
	for i := 0; i < n; i++ {
		x := rng.Float64() < 0.7
		y := x != (rng.Float64() < 0.1)
		a.WriteByte(map[bool]byte{false: '0', true: '1'}[x])
		b.WriteByte(map[bool]byte{false: '0', true: '1'}[y])
	}
	mk := func(s string) *reports.Group {
		return &reports.Group{Task: reports.TaskZeroShot, Records: []*reports.Record{{Task: reports.TaskZeroShot,
			Metrics: reports.Metrics{reports.MetricAcc1: 0.7}, Extra: map[string]any{reports.ExtraCorrect: s}}}}
	}
	return mk(a.String()), mk(b.String())
}

// BenchmarkBootstrap times a paired 95% interval with 10,000 replicates:
// evalclip's bucketed multinomial bootstrap against resampling sample
// indices (naiveInterval, what a numpy script does). The reported metric is
// bootstrap replicates per second.
func BenchmarkBootstrap(b *testing.B) {
	const reps = 10000
	for _, n := range []int{10000, 50000} {
		old, new := benchGroups(n)
		b.Run(fmt.Sprintf("impl=bucketed/n=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				Delta(old, new, Options{Resamples: reps, Seed: uint64(i)}, nil)
			}
			b.ReportMetric(float64(reps)*float64(b.N)/b.Elapsed().Seconds(), "replicates/s")
		})
		oc, _ := correctness(old, reports.MetricAcc1)
		nc, _ := correctness(new, reports.MetricAcc1)
		b.Run(fmt.Sprintf("impl=naive/n=%d", n), func(b *testing.B) {
			const naiveReps = 200 // 10,000 would take minutes; the rate is per replicate
			for i := 0; i < b.N; i++ {
				naiveInterval(oc[0], nc[0], naiveReps, uint64(i))
			}
			b.ReportMetric(float64(naiveReps)*float64(b.N)/b.Elapsed().Seconds(), "replicates/s")
		})
	}
}
