package kernels_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/evalclip/evalclip/kernels"
	"github.com/evalclip/evalclip/kernels/blas"
	"github.com/evalclip/evalclip/kernels/kerneltest"
	gblas "gonum.org/v1/gonum/blas"
)

// benchShapes are zero-shot problem sizes (N images x C classes x D, k):
// a small one the naive loop can run, ImageNet-1k validation-sized ones, and
// ImageNet-21k classes.
var benchShapes = []struct {
	n, c, d, k int
	naive      bool // also time the naive loop (slow)
}{
	{512, 1000, 512, 5, true},
	{8192, 1000, 512, 5, false},
	{50000, 1000, 512, 5, false},
	{2048, 21841, 768, 5, false},
}

// BenchmarkScoreTopK times normalise+score+top-k zero-shot style (Scale 100,
// no logits) for the CPU path and, side by side at the same shape, a bare
// SGEMM writing the full N×C scores (what the CPU path is measured against)
// and, at the small shape, the naive Go loop:
//
//	go test -run '^$' -bench ScoreTopK -benchtime 3x ./kernels
func BenchmarkScoreTopK(b *testing.B) {
	ctx := context.Background()
	for _, sh := range benchShapes {
		rng := rand.New(rand.NewPCG(uint64(sh.n), uint64(sh.c)))
		p := kerneltest.NewProblem(rng, kerneltest.Case{N: sh.n, C: sh.c, D: sh.d, K: sh.k, Normalize: true, Scale: 100})
		name := fmt.Sprintf("shape=%dx%dx%d/k=%d", sh.n, sh.c, sh.d, sh.k)
		report := func(b *testing.B) {
			b.ReportMetric(p.FLOPs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		}
		b.Run(name+"/impl=cpu", func(b *testing.B) {
			s := kernels.CPU()
			res := kerneltest.Poisoned(p)
			for b.Loop() {
				if err := kernels.ScoreInto(ctx, s, p, res); err != nil {
					b.Fatal(err)
				}
			}
			report(b)
		})
		b.Run(name+"/impl=sgemm", func(b *testing.B) {
			out := make([]float32, sh.n*sh.c)
			impl := blas.Implementation{}
			for b.Loop() {
				impl.Sgemm(gblas.NoTrans, gblas.Trans, sh.n, sh.c, sh.d, 1, p.Queries, sh.d, p.Keys, sh.d, 0, out, sh.c)
			}
			report(b)
		})
		if sh.naive {
			b.Run(name+"/impl=go-naive", func(b *testing.B) {
				s, err := kernels.Lookup("go-naive")
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := s.Score(ctx, p); err != nil {
						b.Fatal(err)
					}
				}
				report(b)
			})
		}
	}
}
