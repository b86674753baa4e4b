package probe

import (
	"context"
	"fmt"
)

// MinCVFolds is the fewest folds cross-validation runs with.
const MinCVFolds = 2

// StratifiedFolds assigns each of the labels y to one of at most folds
// folds, class by class (a seeded shuffle, then round-robin), so that
// every fold holds every class it can. The fold count is reduced to the
// smallest class size; below MinCVFolds it is an error.
func StratifiedFolds(y []int32, numClasses, folds int, seed int64) ([]int, int, error) {
	groups := byClass(y, numClasses)
	f := folds
	for _, idx := range groups {
		if len(idx) > 0 {
			f = min(f, len(idx))
		}
	}
	if f < MinCVFolds {
		return nil, 0, fmt.Errorf("%w: cross-validation needs %d samples of every class, a class has %d", ErrBadInput, MinCVFolds, f)
	}
	rng := newRand(seed)
	fold := make([]int, len(y))
	for _, idx := range groups {
		for j, p := range rng.Perm(len(idx)) {
			fold[idx[p]] = j % f
		}
	}
	return fold, f, nil
}

// subset returns the rows of r at the positions sel (row order of r).
func subset(r rows, sel []int) rows {
	out := rows{d: r.d}
	pos, k := 0, 0
	for _, p := range r.parts {
		n := p.len()
		var idx []int
		for k < len(sel) && sel[k] < pos+n {
			idx = append(idx, p.row(sel[k]-pos))
			k++
		}
		if len(idx) > 0 {
			out.parts = append(out.parts, part{x: p.x, y: p.y, idx: idx, scale: p.scale})
		}
		pos += n
	}
	return out
}

// foldRows splits the row indices by a fold assignment: the rows of the
// other folds (fitted on) and those of fold f (held out), in row order.
func foldRows(fold []int, f int) (in, out []int) {
	for i, g := range fold {
		if g == f {
			out = append(out, i)
		} else {
			in = append(in, i)
		}
	}
	return in, out
}

// cvEval returns the sweep's scorer for cross-validation over all: for
// grid exponent e, the mean top-1 accuracy over the folds of a model fitted
// on the other folds (each warm-started from the same fold at the previous
// C).
func cvEval(ctx context.Context, all rows, fold []int, folds, numClasses int) func(e int, warm *sweepOutcome, o Options) (*sweepOutcome, error) {
	train := make([]rows, folds)
	held := make([]rows, folds)
	heldY := make([][]int32, folds)
	for f := range folds {
		in, out := foldRows(fold, f)
		train[f], held[f] = subset(all, in), subset(all, out)
		heldY[f] = held[f].labels()
	}
	return func(e int, warm *sweepOutcome, o Options) (*sweepOutcome, error) {
		res := &sweepOutcome{exp: e, folds: make([]*Model, folds)}
		var acc float64
		for f := range folds {
			var w *Model
			if warm != nil && warm.folds != nil {
				w = warm.folds[f]
			}
			m, err := fitRows(ctx, train[f], numClasses, SweepC(e), w, o)
			if err != nil {
				return nil, err
			}
			acc += accuracy(m, held[f], heldY[f], o.Workers)
			res.folds[f] = m
		}
		res.acc = acc / float64(folds)
		res.model = res.folds[0]
		return res, nil
	}
}
