package probe

import (
	"context"
	"math"
	"time"

	"github.com/evalclip/evalclip/internal/panics"
)

// The CLIP paper's search, in units of 1/8 decade: C = 10^(e/8) with e in
// [-48, 48] (1e-6..1e6), starting from the 7 points 1e-6, 1e-4, ..., 1e6
// (e step 16) and halving the interval around the best until the step is 1
// (8 steps per decade).
const (
	sweepMinExp    = -48
	sweepMaxExp    = 48
	sweepCoarse    = 16
	stepsPerDecade = 8
)

// concurrentFitWorkers is the worker count from which the two fits of a
// bisection round run at once. Below it one fit's GEMMs already keep the
// cores busy and two fits only contend for them.
const concurrentFitWorkers = 4

// SweepC returns the C of grid exponent e: 10^(e/8).
func SweepC(e int) float64 { return math.Pow(10, float64(e)/stepsPerDecade) }

// SweepGrid returns the coarse grid of exponents the sweep starts with.
func SweepGrid() []int {
	var out []int
	for e := sweepMinExp; e <= sweepMaxExp; e += sweepCoarse {
		out = append(out, e)
	}
	return out
}

// SweepPoint is one C tried by the sweep and its validation top-1
// accuracy.
type SweepPoint struct {
	C          float64 `json:"C"`
	ValAcc1    float64 `json:"val_acc1"`
	Iterations int     `json:"iterations"`
	// Evaluations counts loss-and-gradient evaluations (two GEMMs each).
	Evaluations int     `json:"evaluations"`
	Converged   bool    `json:"converged"`
	Seconds     float64 `json:"fit_s"`
}

// sweepOutcome is one fitted grid point: its model (with
// cross-validation, fold 0's, and every fold's in folds) and its
// validation (or cross-validation) accuracy.
type sweepOutcome struct {
	exp   int
	model *Model
	folds []*Model
	acc   float64
	// iterations, evaluations and converged sum or join the fits behind it.
	iterations, evaluations int
	converged               bool
}

// valEval returns the sweep's scorer on a validation set: fit on train,
// score val.
func valEval(ctx context.Context, train, val rows, numClasses int) func(e int, warm *sweepOutcome, o Options) (*sweepOutcome, error) {
	yVal := val.labels()
	return func(e int, warm *sweepOutcome, o Options) (*sweepOutcome, error) {
		var w *Model
		if warm != nil {
			w = warm.model
		}
		m, err := fitRows(ctx, train, numClasses, SweepC(e), w, o)
		if err != nil {
			return nil, err
		}
		return &sweepOutcome{exp: e, model: m, acc: accuracy(m, val, yVal, o.Workers)}, nil
	}
}

// better reports whether a beats b: higher validation accuracy, ties to
// the smaller C (stronger regularisation).
func better(a, b *sweepOutcome) bool {
	if a.acc != b.acc {
		return a.acc > b.acc
	}
	return a.exp < b.exp
}

// sweep runs the CLIP-paper search of C with eval scoring each grid
// point, and returns the best grid point and every point tried, in the
// order tried.
func sweep(eval func(e int, warm *sweepOutcome, o Options) (*sweepOutcome, error), opts Options) (*sweepOutcome, []SweepPoint, error) {
	var points []SweepPoint
	fitted := map[int]*sweepOutcome{}
	fitAt := func(e int, warm *sweepOutcome, o Options) (*sweepOutcome, error) {
		start := time.Now()
		p, err := eval(e, warm, o)
		if err != nil {
			return nil, err
		}
		p.iterations, p.evaluations, p.converged = 0, 0, true
		fits := p.folds
		if fits == nil {
			fits = []*Model{p.model}
		}
		for _, m := range fits {
			p.iterations += m.Iterations
			p.evaluations += m.Evaluations
			p.converged = p.converged && m.Converged
		}
		p.model.FitSeconds = time.Since(start).Seconds()
		return p, nil
	}
	record := func(p *sweepOutcome) {
		fitted[p.exp] = p
		points = append(points, SweepPoint{C: p.model.C, ValAcc1: p.acc, Iterations: p.iterations, Evaluations: p.evaluations, Converged: p.converged, Seconds: p.model.FitSeconds})
	}

	// Coarse grid, ascending C, each fit warm-started from the previous.
	var best, prev *sweepOutcome
	for _, e := range SweepGrid() {
		p, err := fitAt(e, prev, opts)
		if err != nil {
			return nil, nil, err
		}
		record(p)
		if best == nil || better(p, best) {
			best = p
		}
		prev = p
	}

	// Bisection: both neighbours of the best at half the step, fitted at
	// once from the best model.
	for step := sweepCoarse / 2; step >= 1; step /= 2 {
		var todo []int
		for _, e := range []int{best.exp - step, best.exp + step} {
			if e >= sweepMinExp && e <= sweepMaxExp && fitted[e] == nil {
				todo = append(todo, e)
			}
		}
		out := make([]*sweepOutcome, len(todo))
		errs := make([]error, len(todo))
		if workers := workerCount(opts.Workers); workers >= concurrentFitWorkers {
			sub := opts
			sub.Workers = max(workers/max(len(todo), 1), 1)
			var g panics.Group
			for i, e := range todo {
				g.Go(func() { out[i], errs[i] = fitAt(e, best, sub) })
			}
			g.Wait()
		} else {
			for i, e := range todo {
				out[i], errs[i] = fitAt(e, best, opts)
			}
		}
		for i := range todo {
			if errs[i] != nil {
				return nil, nil, errs[i]
			}
			record(out[i])
		}
		cand := best
		for _, e := range []int{best.exp - step, best.exp + step} {
			if p := fitted[e]; p != nil && better(p, cand) {
				cand = p
			}
		}
		best = cand
	}
	return best, points, nil
}

// accuracy is the top-1 accuracy of m on r.
func accuracy(m *Model, r rows, y []int32, workers int) float64 {
	if len(y) == 0 {
		return math.NaN()
	}
	pred := make([]int32, len(y))
	m.forLogits(r, workers, func(row int, z []float32) {
		var top [1]int32
		topK(z, top[:])
		pred[row] = top[0]
	})
	ok := 0
	for i, p := range pred {
		if p == y[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(y))
}
