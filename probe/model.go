package probe

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Options controls fitting and the C search. The zero value means: the
// CLIP-paper sweep, raw features, sklearn's defaults (1000 iterations,
// tolerance 1e-4), all cores, a 20% validation split when none is given.
type Options struct {
	// C is the inverse regularisation strength (sklearn's C). C > 0 fixes
	// it (no sweep); 0 runs the CLIP-paper sweep on the validation data.
	C float64
	// Normalize L2-normalises every feature row first (train, validation
	// and test alike).
	Normalize bool
	// MaxIter caps the L-BFGS iterations per fit (default 1000, sklearn's
	// max_iter in the comparison).
	MaxIter int
	// Tol is the gradient tolerance: a fit stops when max |dF/dtheta| <=
	// Tol with F = sum_i CE + ||W||^2/(2C) (default 1e-4, sklearn's tol).
	Tol float64
	// Workers is the number of goroutines that evaluate the loss and
	// gradient and score rows (0 = GOMAXPROCS), each running its own
	// single-threaded GEMMs; with 1 worker the GEMMs use the registered
	// BLAS's own threads. From 4 workers up the sweep fits the two C values
	// of a bisection round at once, each with half of them.
	Workers int
	// ValFraction is the stratified fraction of train carved out for
	// validation when no validation data is given (default 0.2).
	ValFraction float64
	// Seed seeds the validation split.
	Seed int64
	// CVFolds, when 2 or more (and C is 0), chooses C by stratified
	// CVFolds-fold cross-validation over all fitting rows (train and
	// validation together; fewer folds when a class has fewer samples)
	// instead of scoring a validation set: what a few-shot probe needs,
	// whose validation set is a handful of samples. Folds are seeded by
	// Seed.
	CVFolds int
	// Split, when not nil, is the sweep's split of train given as row
	// indices instead of carved by Evaluate: the sweep fits on rows
	// Split[0] of train and scores rows Split[1], and the final fit uses
	// both. The rows stay where they are (views, not copies), which halves
	// the memory of a full-data probe next to copying them into train and
	// val sets. val must then be empty.
	Split *[2][]int
}

// Defaults used for zero Options fields.
const (
	DefaultMaxIter     = 1000
	DefaultTol         = 1e-4
	DefaultValFraction = 0.2
)

func (o Options) withDefaults() Options {
	if o.MaxIter <= 0 {
		o.MaxIter = DefaultMaxIter
	}
	if o.Tol <= 0 {
		o.Tol = DefaultTol
	}
	if o.ValFraction == 0 {
		o.ValFraction = DefaultValFraction
	}
	return o
}

// Model is a fitted multinomial logistic-regression classifier.
type Model struct {
	// NumClasses and Dim are the number of classes K and features D.
	NumClasses, Dim int
	// W holds the weights, K x D row-major; B the K intercepts.
	W, B []float64
	// C is the inverse regularisation strength it was fitted with.
	C float64
	// Normalize says the model expects L2-normalised rows: Scores
	// normalises its input when set.
	Normalize bool
	// Iterations, Evaluations and Converged describe the fit; StopReason
	// says why the optimiser stopped.
	Iterations, Evaluations int
	Converged               bool
	StopReason              string
	// Objective is the final sum_i CE + ||W||^2/(2C).
	Objective float64
	// FitSeconds is the wall time of the fit.
	FitSeconds float64
}

// Fit fits a model on train at inverse regularisation strength C (> 0),
// starting from warm when it is not nil (a model with the same classes and
// dimension, e.g. the one fitted at a neighbouring C), else from zero.
// opts.C and the split options are ignored; Normalize, MaxIter, Tol and
// Workers apply.
func Fit(ctx context.Context, train Data, numClasses int, C float64, warm *Model, opts Options) (*Model, error) {
	opts = opts.withDefaults()
	// The workers run their own GEMMs: no spinning BLAS threads between them.
	defer serialBLAS(opts.Workers)()
	if err := checkClasses(numClasses); err != nil {
		return nil, err
	}
	if err := train.Validate("train", numClasses); err != nil {
		return nil, err
	}
	if err := requireAllClasses(train.Y, numClasses, "train"); err != nil {
		return nil, err
	}
	var scales []float32
	if opts.Normalize {
		scales = rowScales(train)
	}
	return fitRows(ctx, newRows(train, nil, scales), numClasses, C, warm, opts)
}

func checkClasses(numClasses int) error {
	if numClasses < 2 {
		return fmt.Errorf("%w: %d classes: a classifier needs at least 2", ErrBadInput, numClasses)
	}
	return nil
}

// requireAllClasses fails when a class in [0, numClasses) has no sample.
func requireAllClasses(y []int32, numClasses int, name string) error {
	for c, n := range ClassCounts(y, numClasses) {
		if n == 0 {
			return fmt.Errorf("%w: %s: class %d has no samples (every class 0..%d must appear in the training data)", ErrBadInput, name, c, numClasses-1)
		}
	}
	return nil
}

// fitRows runs L-BFGS on a validated row set.
func fitRows(ctx context.Context, r rows, numClasses int, C float64, warm *Model, opts Options) (*Model, error) {
	if !(C > 0) || math.IsInf(C, 0) {
		return nil, fmt.Errorf("%w: C = %v: want a finite C > 0", ErrBadInput, C)
	}
	start := time.Now()
	obj := newObjective(r, numClasses, C, opts.Workers, 0)
	theta := make([]float64, obj.nparams())
	kd := numClasses * r.d
	if warm != nil {
		if warm.NumClasses != numClasses || warm.Dim != r.d {
			return nil, fmt.Errorf("probe: warm start model is %d classes x %d features, data is %d x %d", warm.NumClasses, warm.Dim, numClasses, r.d)
		}
		copy(theta[:kd], warm.W)
		copy(theta[kd:], warm.B)
	}
	res, err := lbfgs(ctx, obj.eval, theta, opts.MaxIter, opts.Tol)
	if err != nil {
		return nil, fmt.Errorf("probe: fit at C=%g: %w", C, err)
	}
	return &Model{
		NumClasses: numClasses, Dim: r.d,
		W: theta[:kd:kd], B: theta[kd:],
		C: C, Normalize: opts.Normalize,
		Iterations: res.iters, Evaluations: res.evals, Converged: res.converged, StopReason: res.reason,
		Objective:  res.f,
		FitSeconds: time.Since(start).Seconds(),
	}, nil
}

// Scores returns the n x NumClasses logits of the n rows of x (row-major,
// Dim columns), normalising the rows first when the model was fitted on
// normalised features.
func (m *Model) Scores(x []float32, n int) []float32 {
	if len(x) != n*m.Dim {
		panic(fmt.Sprintf("probe: Scores: %d values for %d rows of %d features", len(x), n, m.Dim))
	}
	d := Data{X: x, N: n, D: m.Dim, Y: make([]int32, n)}
	var scales []float32
	if m.Normalize {
		scales = rowScales(d)
	}
	out := make([]float32, n*m.NumClasses)
	m.forLogits(newRows(d, nil, scales), 0, func(row int, z []float32) {
		copy(out[row*m.NumClasses:], z)
	})
	return out
}

// forLogits calls fn with the logits of every row of r (concurrently);
// row is the index in r's row order.
func (m *Model) forLogits(r rows, workers int, fn func(row int, z []float32)) {
	w32 := make([]float32, len(m.W))
	for i, v := range m.W {
		w32[i] = float32(v)
	}
	forLogits(r, m.NumClasses, w32, m.B, workers, fn)
}

// topK writes the indices of the k largest values of z into out, best
// first, ties to the lower class index.
func topK(z []float32, out []int32) {
	k := len(out)
	n := 0
	for c, v := range z {
		if n == k && v <= z[out[k-1]] {
			continue
		}
		j := min(n, k-1)
		for j > 0 && v > z[out[j-1]] {
			out[j] = out[j-1]
			j--
		}
		out[j] = int32(c)
		if n < k {
			n++
		}
	}
}
