package probe

import (
	"context"
	"math"
	"strings"
	"testing"
)

// TestStratifiedFolds: every class spread over the folds as evenly as it
// can be, the fold count reduced to the smallest class, one-sample classes
// refused.
func TestStratifiedFolds(t *testing.T) {
	y := []int32{0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2}
	fold, f, err := StratifiedFolds(y, 3, 5, 1)
	if err != nil || f != 3 {
		t.Fatalf("%v %d %v", fold, f, err)
	}
	count := map[[2]int]int{}
	for i, g := range fold {
		count[[2]int{int(y[i]), g}]++
	}
	for c, n := range map[int]int{0: 6, 1: 3, 2: 4} {
		for g := range f {
			if got := count[[2]int{c, g}]; got < n/f || got > (n+f-1)/f {
				t.Errorf("class %d fold %d: %d samples", c, g, got)
			}
		}
	}
	if _, _, err := StratifiedFolds([]int32{0, 1, 1}, 2, 5, 1); err == nil || !strings.Contains(err.Error(), "a class has 1") {
		t.Errorf("one-sample class: %v", err)
	}
}

// TestCrossValidatedC: each sweep point's score is the mean held-out
// accuracy over the folds, recomputed here with Fit; the final model is
// fitted on all rows at the chosen C.
func TestCrossValidatedC(t *testing.T) {
	train := randomData(3, 40, 8, 4, 0.8)
	val := randomData(4, 8, 8, 4, 0.8)
	test := randomData(5, 200, 8, 4, 0.8)
	opts := Options{CVFolds: 5, Seed: 7, Normalize: true, Workers: 1}
	res, err := Evaluate(context.Background(), train, val, test, 4, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Selection != "5-fold cross-validation" || res.Folds != 5 || res.NTrain != 48 || res.NVal != 0 || len(res.Sweep) < 7 {
		t.Fatalf("%s, %d folds, n %d/%d, %d points", res.Selection, res.Folds, res.NTrain, res.NVal, len(res.Sweep))
	}
	all := Data{X: append(append([]float32(nil), train.X...), val.X...), Y: append(append([]int32(nil), train.Y...), val.Y...), N: 48, D: 8}
	fold, folds, _ := StratifiedFolds(all.Y, 4, 5, 7)
	for _, p := range res.Sweep[:3] {
		var acc float64
		for f := range folds {
			in, out := foldRows(fold, f)
			m, err := Fit(context.Background(), Take(all, in), 4, p.C, nil, Options{Normalize: true, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			held := Take(all, out)
			ok := 0
			scores := m.Scores(normalized(held), held.N)
			for i := range held.N {
				best := 0
				for c := 1; c < 4; c++ {
					if scores[i*4+c] > scores[i*4+best] {
						best = c
					}
				}
				if int32(best) == held.Y[i] {
					ok++
				}
			}
			acc += float64(ok) / float64(held.N)
		}
		if acc /= float64(folds); math.Abs(acc-p.ValAcc1) > 1e-9 {
			t.Errorf("C=%g: cross-validation accuracy %v, recomputed %v", p.C, p.ValAcc1, acc)
		}
	}
	if res.Model.C != res.C {
		t.Errorf("final model at C=%g, chosen %g", res.Model.C, res.C)
	}
}

// normalized returns d's rows L2-normalised, as Options.Normalize fits.
func normalized(d Data) []float32 {
	out := append([]float32(nil), d.X...)
	for i := range d.N {
		var ss float64
		for _, v := range out[i*d.D : (i+1)*d.D] {
			ss += float64(v) * float64(v)
		}
		s := float32(1 / math.Sqrt(ss))
		for j := i * d.D; j < (i+1)*d.D; j++ {
			out[j] *= s
		}
	}
	return out
}

// TestCAtEdge: on data every C separates perfectly, the sweep's choice is
// the grid's edge, and the result says so.
func TestCAtEdge(t *testing.T) {
	train := randomData(1, 20, 4, 2, 30) // far-apart classes: every C is right
	res, err := Evaluate(context.Background(), train, Data{}, randomData(2, 20, 4, 2, 30), 2, Options{CVFolds: 5, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !res.CAtEdge || res.C != SweepC(sweepMinExp) {
		t.Errorf("C = %g, at edge %v", res.C, res.CAtEdge)
	}
}
