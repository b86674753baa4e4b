package kerneltest

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/kernels"
)

// TestCompareCatches breaks a correct result in the ways a kernel can go
// wrong and checks that Compare reports each.
func TestCompareCatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	p := NewProblem(rng, Case{N: 20, C: 50, D: 16, K: 5, Normalize: true, Scale: 100, WantLogits: true, Ties: true})
	ref, err := kernels.Reference().Score(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compare(p, kernels.FP32, ref, ref); err != nil {
		t.Fatalf("the reference against itself: %v", err)
	}
	clone := func() *kernels.Result {
		return &kernels.Result{
			Index:  append([]int32(nil), ref.Index...),
			Score:  append([]float32(nil), ref.Score...),
			Logits: append([]float32(nil), ref.Logits...),
		}
	}
	poison := Poisoned(p)
	for _, c := range []struct {
		name   string
		break_ func(r *kernels.Result)
		want   string
	}{
		{"unwritten index", func(r *kernels.Result) { r.Index[13] = poison.Index[0] }, "out of range"},
		{"unwritten score", func(r *kernels.Result) { r.Score[13] = poison.Score[0] }, "score is NaN"},
		{"unwritten logit", func(r *kernels.Result) { r.Logits[99] = poison.Logits[0] }, "logit [1,49]"},
		{"duplicate index", func(r *kernels.Result) { r.Index[6] = r.Index[5] }, "appears twice"},
		{"wrong member", func(r *kernels.Result) {
			// Row 3's best replaced by its worst column.
			worst := int32(0)
			for j := int32(0); j < int32(p.C); j++ {
				if r.Logits[3*p.C+int(j)] < r.Logits[3*p.C+int(worst)] {
					worst = j
				}
			}
			r.Index[3*p.K], r.Score[3*p.K] = worst, r.Logits[3*p.C+int(worst)]
		}, "is not among the top 5"},
		{"score off", func(r *kernels.Result) { r.Score[7] += 0.01 }, "error"},
		{"unsorted", func(r *kernels.Result) {
			r.Index[10], r.Index[11] = r.Index[11], r.Index[10]
			r.Score[10], r.Score[11] = r.Score[11], r.Score[10]
		}, "not sorted best first"},
		{"tie order", func(r *kernels.Result) {
			// Row 0 is the zero query: all scores 0, indices 0..4.
			r.Index[0], r.Index[1] = 1, 0
		}, "ties must keep the lower index first"},
	} {
		r := clone()
		c.break_(r)
		if _, err := Compare(p, kernels.FP32, ref, r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Compare error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
