package probe

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Result is the outcome of one linear-probe evaluation.
type Result struct {
	// Acc1 and Acc5 are the top-1 and top-5 test accuracies (top-K when
	// there are fewer than 5 classes); MeanPerClassRecall is the mean of
	// PerClassRecall over the classes present in test. Fractions in [0,1].
	Acc1, Acc5, MeanPerClassRecall float64
	// PerClassRecall is the top-1 recall of each class (NaN for a class
	// absent from test).
	PerClassRecall []float64
	// C is the chosen (or fixed) inverse regularisation strength.
	C float64
	// FitSeconds is the wall time of the sweep and the final fit.
	FitSeconds float64
	// Predictions is the top-1 class of each test sample; Top5 holds the
	// min(5, K) best classes of each test sample, best first.
	Predictions []int32
	Top5        []int32
	// Sweep lists the C values tried and their validation accuracy, in the
	// order tried (empty when C was fixed).
	Sweep []SweepPoint
	// Model is the final model (fitted on train+validation).
	Model *Model
	// NTrain, NVal and NTest count the samples used: the sweep fits on
	// NTrain and scores NVal (given, or carved from train), the final fit
	// uses NTrain+NVal. With cross-validation NTrain counts every fitting
	// sample and NVal is 0.
	NTrain, NVal, NTest int
	// Selection says how C was chosen: SelectValidation, "K-fold
	// cross-validation" (Options.CVFolds), or SelectFixed.
	Selection string
	// Folds is the number of cross-validation folds (0 without).
	Folds int
	// CAtEdge is set when the sweep's C is the grid's smallest or largest
	// (1e-6 or 1e6): every C scored alike, or the best lies beyond the
	// grid; the choice says little.
	CAtEdge bool
}

// How C was chosen ([Result.Selection]).
const (
	SelectValidation = "validation"
	SelectFixed      = "fixed"
)

// Evaluate runs the CLIP-paper linear-probe protocol: with opts.C = 0 it
// sweeps C on val (or, when val has no rows, on a stratified split of
// train of opts.ValFraction, seeded by opts.Seed), fits the final model on
// train+val at the chosen C (warm-started from the sweep's model) and
// reports top-1, top-5 and mean per-class recall on test. With opts.C > 0
// it fits train+val at that C. Labels must be in [0, numClasses) and every
// class must appear in train.
func Evaluate(ctx context.Context, train, val, test Data, numClasses int, opts Options) (*Result, error) {
	opts = opts.withDefaults()
	// The workers run their own GEMMs: no spinning BLAS threads between them.
	defer serialBLAS(opts.Workers)()
	if err := checkClasses(numClasses); err != nil {
		return nil, err
	}
	if opts.C < 0 || math.IsNaN(opts.C) || math.IsInf(opts.C, 0) {
		return nil, fmt.Errorf("%w: C = %v: want C > 0, or 0 for the sweep", ErrBadInput, opts.C)
	}
	sets := []struct {
		name string
		d    Data
	}{{"train", train}, {"val", val}, {"test", test}}
	for _, s := range sets {
		if err := s.d.Validate(s.name, numClasses); err != nil {
			return nil, err
		}
		if s.d.N > 0 && s.d.D != train.D {
			return nil, fmt.Errorf("%w: %s has %d features per sample, train has %d", ErrBadInput, s.name, s.d.D, train.D)
		}
	}
	if train.N == 0 || test.N == 0 {
		return nil, fmt.Errorf("%w: train has %d samples, test %d: both must be non-empty", ErrBadInput, train.N, test.N)
	}
	if err := requireAllClasses(train.Y, numClasses, "train"); err != nil {
		return nil, err
	}
	scales := func(d Data) []float32 {
		if opts.Normalize && d.N > 0 {
			return rowScales(d)
		}
		return nil
	}
	trainScales, valScales := scales(train), scales(val)
	trainRows, valRows := newRows(train, nil, trainScales), newRows(val, nil, valScales)
	if opts.Split != nil {
		if val.N > 0 {
			return nil, fmt.Errorf("%w: a split of train and validation data both given", ErrBadInput)
		}
		if err := checkSplit(opts.Split, train, numClasses); err != nil {
			return nil, err
		}
		trainRows, valRows = newRows(train, opts.Split[0], trainScales), newRows(train, opts.Split[1], trainScales)
	}
	// The final fit uses train and validation rows; a split carved below
	// for the sweep alone leaves it on all of train.
	all := trainRows
	if valRows.n() > 0 {
		all = concat(trainRows, valRows)
	}
	res := &Result{C: opts.C, NTest: test.N}
	start := time.Now()
	var warm *Model
	var best *sweepOutcome
	res.NTrain, res.NVal = trainRows.n(), valRows.n()
	switch {
	case opts.C != 0:
		res.Selection = SelectFixed
	case opts.CVFolds >= MinCVFolds:
		// C by cross-validation over every fitting row; the final fit
		// starts from zero, no one fold's model being the warm start
		fold, folds, err := StratifiedFolds(all.labels(), numClasses, opts.CVFolds, opts.Seed)
		if err != nil {
			return nil, err
		}
		if best, res.Sweep, err = sweep(cvEval(ctx, all, fold, folds, numClasses), opts); err != nil {
			return nil, err
		}
		res.Folds, res.Selection = folds, fmt.Sprintf("%d-fold cross-validation", folds)
		res.NTrain, res.NVal = all.n(), 0
	default:
		if valRows.n() == 0 {
			tr, va, err := StratifiedSplit(train.Y, numClasses, opts.ValFraction, opts.Seed)
			if err != nil {
				return nil, err
			}
			if len(va) == 0 {
				return nil, fmt.Errorf("%w: train: no class has 2 samples, so no validation split can be carved; pass validation data or a fixed C", ErrBadInput)
			}
			trainRows, valRows = newRows(train, tr, trainScales), newRows(train, va, trainScales)
		}
		var err error
		if best, res.Sweep, err = sweep(valEval(ctx, trainRows, valRows, numClasses), opts); err != nil {
			return nil, err
		}
		warm, res.Selection = best.model, SelectValidation
		res.NTrain, res.NVal = trainRows.n(), valRows.n()
	}
	if best != nil {
		res.C = best.model.C
		res.CAtEdge = best.exp == sweepMinExp || best.exp == sweepMaxExp
	}
	m, err := fitRows(ctx, all, numClasses, res.C, warm, opts)
	if err != nil {
		return nil, err
	}
	res.FitSeconds = time.Since(start).Seconds()
	res.Model = m
	res.score(m, newRows(test, nil, scales(test)), test.Y, opts.Workers)
	return res, nil
}

// checkSplit validates Options.Split against train: indices in range,
// each row at most once, every class among the fitting rows, and a
// non-empty validation part.
func checkSplit(sp *[2][]int, train Data, numClasses int) error {
	seen := make([]bool, train.N)
	for p, name := range []string{"train", "validation"} {
		for j, i := range sp[p] {
			if i < 0 || i >= train.N {
				return fmt.Errorf("%w: split: %s row %d is %d, outside 0..%d", ErrBadInput, name, j, i, train.N-1)
			}
			if seen[i] {
				return fmt.Errorf("%w: split: row %d is used twice", ErrBadInput, i)
			}
			seen[i] = true
		}
	}
	if len(sp[1]) == 0 {
		return fmt.Errorf("%w: split: no validation rows", ErrBadInput)
	}
	y := make([]int32, len(sp[0]))
	for j, i := range sp[0] {
		y[j] = train.Y[i]
	}
	return requireAllClasses(y, numClasses, "split train rows")
}

// score fills the test metrics and predictions.
func (res *Result) score(m *Model, r rows, y []int32, workers int) {
	k := m.NumClasses
	t := min(5, k)
	res.Top5 = make([]int32, len(y)*t)
	m.forLogits(r, workers, func(row int, z []float32) {
		topK(z, res.Top5[row*t:(row+1)*t])
	})
	res.Predictions = make([]int32, len(y))
	hit1, hit5 := 0, 0
	correct := make([]int, k)
	for i, yi := range y {
		top := res.Top5[i*t : (i+1)*t]
		res.Predictions[i] = top[0]
		if top[0] == yi {
			hit1++
			correct[yi]++
		}
		for _, c := range top {
			if c == yi {
				hit5++
				break
			}
		}
	}
	n := float64(len(y))
	res.Acc1, res.Acc5 = float64(hit1)/n, float64(hit5)/n
	res.PerClassRecall = make([]float64, k)
	sum, present := 0.0, 0
	for c, cnt := range ClassCounts(y, k) {
		if cnt == 0 {
			res.PerClassRecall[c] = math.NaN()
			continue
		}
		res.PerClassRecall[c] = float64(correct[c]) / float64(cnt)
		sum += res.PerClassRecall[c]
		present++
	}
	res.MeanPerClassRecall = sum / float64(present)
}
