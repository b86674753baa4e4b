package tasks

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/evalclip/evalclip/datasets"
	kblas "github.com/evalclip/evalclip/kernels/blas"
	"github.com/evalclip/evalclip/probe"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

// TypeLinearProbe is the linear-probe task type.
const TypeLinearProbe suites.TaskType = "linear_probe"

func init() {
	suites.RegisterKind(suites.Kind{
		Type: TypeLinearProbe, RecordTask: reports.TaskLinearProbe, PerModel: true,
		NewConfig: func() suites.TaskConfig { return &LinearProbe{} },
	})
	// The probe's GEMMs go through gonum's blas32/blas64: OpenBLAS when the
	// build links it.
	kblas.Use()
}

var coreWarning sync.Once

// LinearProbe is the CLIP-paper linear-probe task: multinomial logistic
// regression on frozen image features, C chosen on validation data, k shots
// per class (k = 0: all training data), reported on the evaluated split.
// Its fields are the [[tasks]] keys; `evalclip probe` fills the same.
//
// Validation data: the dataset's own val_split when it has one (for k > 0,
// min(k, 4) samples per class drawn from it), else a stratified split of
// the training split (for k > 0, min(k, 4) per class from the training
// samples the k-shot draw left; for k = 0, the task's val_fraction, default
// 0.2). When that leaves fewer than MinValPerClass validation samples per
// class (every few-shot probe), C is chosen by stratified cv_folds-fold
// cross-validation over the training and validation samples together
// instead. The evaluated split is never used for fitting or choosing C.
type LinearProbe struct {
	// Shots per class; 0 = all training data.
	Shots []int `toml:"shots"`
	// Seeds of the k-shot draws and validation splits (default [0]).
	Seeds []int `toml:"seeds"`
	// Normalize L2-normalises the features (default true).
	Normalize *bool `toml:"normalize"`
	// ValFraction is the fraction of train held out for validation when
	// the dataset has no validation split (0 = 0.2).
	ValFraction float64 `toml:"val_fraction"`
	// C fixes the inverse regularisation strength; unset runs the sweep.
	C *float64 `toml:"c"`
	// MaxIter caps L-BFGS iterations per fit (default 1000) and Tol is the
	// gradient tolerance (default 1e-4): scikit-learn's max_iter and tol.
	MaxIter int     `toml:"max_iter"`
	Tol     float64 `toml:"tol"`
	// CVFolds is the fold count of the cross-validation that chooses C
	// when the validation data is tiny (fewer than MinValPerClass samples
	// per class: every few-shot probe); 0 means 5, -1 always scores the
	// validation data.
	CVFolds int `toml:"cv_folds"`
	// Top5 keeps every test sample's top-5 classes in the record
	// (extra.top5), for compare --samples.
	Top5 bool `toml:"top5"`
}

// MinValPerClass is the validation samples per class below which C is
// chosen by cross-validation over the fitting samples: on 1-4 samples
// per class every C tends to score alike and the grid's edge wins.
const MinValPerClass = 5

// DefaultCVFolds is cv_folds' default.
const DefaultCVFolds = 5

// Splits are the evaluated, training and (when set) validation splits:
// what a Hub dataset must bring for a probe.
func (lp *LinearProbe) Splits(d *suites.Dataset) []string {
	out := []string{d.Split, d.TrainSplit}
	if d.ValSplit != "" {
		out = append(out, d.ValSplit)
	}
	return out
}

// SetDefaults: seeds [0], normalised features, scikit-learn's iteration
// limit and tolerance.
func (lp *LinearProbe) SetDefaults() {
	if len(lp.Seeds) == 0 {
		lp.Seeds = []int{0}
	}
	if lp.Normalize == nil {
		yes := true
		lp.Normalize = &yes
	}
	if lp.MaxIter == 0 {
		lp.MaxIter = probe.DefaultMaxIter
	}
	if lp.Tol == 0 {
		lp.Tol = probe.DefaultTol
	}
}

// Validate checks shots, seeds, the validation fraction, C and the
// optimiser's limits.
func (lp *LinearProbe) Validate(c *suites.Check) {
	if len(lp.Shots) == 0 {
		c.Addf("shots", "missing: list the shots per class to evaluate, e.g. [1, 2, 4, 8, 16] (0 = all training data)")
	}
	c.Counts("shots", "shots", lp.Shots)
	c.Counts("seeds", "seed", lp.Seeds)
	if lp.CVFolds < -1 || lp.CVFolds == 1 || lp.CVFolds > 100 {
		c.Addf("cv_folds", "must be 2 to 100, 0 (default %d) or -1 (no cross-validation), got %d", DefaultCVFolds, lp.CVFolds)
	}
	if lp.ValFraction < 0 || lp.ValFraction >= 1 || math.IsNaN(lp.ValFraction) {
		c.Addf("val_fraction", "must be in [0, 1), got %v", lp.ValFraction)
	}
	if lp.C != nil && (!(*lp.C > 0) || math.IsInf(*lp.C, 0)) {
		c.Addf("c", "must be positive and finite, got %v", *lp.C)
	}
	if lp.MaxIter < 1 {
		c.Addf("max_iter", "must be at least 1, got %d", lp.MaxIter)
	}
	if !(lp.Tol > 0) || math.IsInf(lp.Tol, 0) {
		c.Addf("tol", "must be positive and finite, got %v", lp.Tol)
	}
}

// Plan makes one job per selected model, dataset, shot count and seed.
func (lp *LinearProbe) Plan(p *suites.Planner) {
	for _, on := range p.Pairs() {
		for _, k := range lp.Shots {
			for _, seed := range lp.Seeds {
				shots := fmt.Sprintf("%d-shot", k)
				if k == 0 {
					shots = "all-shot"
				}
				p.Add(on, k, seed, fmt.Sprintf("/k=%d/seed=%d", k, seed), fmt.Sprintf("%s seed %d", shots, seed))
			}
		}
	}
}

// Options returns the probe's settings for one seed, with workers
// goroutines.
func (lp *LinearProbe) Options(seed int64, workers int) probe.Options {
	o := probe.Options{Normalize: lp.Normalize == nil || *lp.Normalize, Seed: seed, Workers: workers,
		ValFraction: lp.ValFraction, MaxIter: lp.MaxIter, Tol: lp.Tol}
	if lp.C != nil {
		o.C = *lp.C
	}
	return o
}

// Record turns a probe result into the task's record: the classification
// metrics and extras of cls, and the fit's settings and outcome as params
// (C, normalize, fit_s, the sweep, sample counts, iterations, the BLAS);
// validation says where the validation data came from.
func (lp *LinearProbe) Record(res *probe.Result, cls *Classification, opts probe.Options, validation string) reports.Record {
	params := map[string]any{
		reports.ParamC:         res.C,
		reports.ParamNormalize: opts.Normalize,
		"fit_s":                res.FitSeconds,
		"n_train":              res.NTrain,
		"n_val":                res.NVal,
		"validation":           validation,
		"sweep":                res.Sweep,
		"swept":                opts.C == 0,
		"blas":                 kblas.Backend(),
		"c_selection":          res.Selection,
	}
	if res.Folds > 0 {
		params["cv_folds"] = res.Folds
	}
	if res.CAtEdge {
		params["c_at_grid_edge"] = true
	}
	if res.Model != nil {
		params["iterations"] = res.Model.Iterations
		params["converged"] = res.Model.Converged
		params["dim"] = res.Model.Dim
	}
	if res.Sweep == nil {
		params["sweep"] = []probe.SweepPoint{}
	}
	return reports.Record{Metrics: cls.Metrics, NSamples: res.NTest, Params: params, Extra: cls.Extra}
}

// folds is the cross-validation fold count to use (0: none).
func (lp *LinearProbe) folds() int {
	switch {
	case lp.CVFolds < 0:
		return 0
	case lp.CVFolds == 0:
		return DefaultCVFolds
	}
	return lp.CVFolds
}

// of returns the options of job's task, or lp when the job carries none
// (a job built by hand).
func (lp *LinearProbe) of(job *suites.Job) *LinearProbe {
	if c, ok := job.Task.Config.(*LinearProbe); ok {
		return c
	}
	return lp
}

func toData(f *Features, idx []int) probe.Data {
	if idx == nil {
		return probe.Data{X: f.X, N: f.N, D: f.D, Y: f.Labels}
	}
	d := probe.Data{X: make([]float32, 0, len(idx)*f.D), N: len(idx), D: f.D, Y: make([]int32, len(idx))}
	for j, i := range idx {
		d.X = append(d.X, f.X[i*f.D:(i+1)*f.D]...)
		d.Y[j] = f.Labels[i]
	}
	return d
}

func labelsOf(f *Features) []int {
	out := make([]int, f.N)
	for i, y := range f.Labels {
		out[i] = int(y)
	}
	return out
}

// Run fits and scores one (model, dataset, k, seed) probe.
func (lp LinearProbe) Run(ctx context.Context, env *suites.Env, job *suites.Job) ([]reports.Record, error) {
	start := time.Now()
	d, t := job.Dataset, lp.of(job)
	coreWarning.Do(func() {
		if w := kblas.CoreWarning(); w != "" && env.Log != nil {
			fmt.Fprintf(env.Log, "warning: %s\n", w)
		}
	})
	train, err := ImageFeatures(ctx, env, job.Model, d, d.TrainSplit)
	if err != nil {
		return nil, err
	}
	test, err := ImageFeatures(ctx, env, job.Model, d, d.Split)
	if err != nil {
		return nil, err
	}
	if err := checkSplitsDisjoint(env, d, d.TrainSplit); err != nil {
		return nil, err
	}
	if !slices.Equal(train.Classes, test.Classes) {
		return nil, fmt.Errorf("dataset %s: splits %s and %s have different classes (%d and %d)", d.Name, d.TrainSplit, d.Split, len(train.Classes), len(test.Classes))
	}
	numClasses := len(train.Classes)
	seed := int64(job.Seed)
	var trainData, valData probe.Data
	var split *[2][]int
	valSource := "train split"
	extracted := []*Features{train, test}
	if d.ValSplit != "" {
		val, err := ImageFeatures(ctx, env, job.Model, d, d.ValSplit)
		if err != nil {
			return nil, err
		}
		extracted = append(extracted, val)
		if err := checkSplitsDisjoint(env, d, d.ValSplit); err != nil {
			return nil, err
		}
		if !slices.Equal(val.Classes, train.Classes) {
			return nil, fmt.Errorf("dataset %s: splits %s and %s have different classes", d.Name, d.TrainSplit, d.ValSplit)
		}
		idx, err := datasets.KShot(labelsOf(train), numClasses, job.K, seed)
		if err != nil {
			return nil, fmt.Errorf("dataset %s/%s: %w", d.Name, d.TrainSplit, err)
		}
		trainData = toData(train, idx)
		valData = toData(val, nil)
		if job.K > 0 {
			vidx, err := datasets.KShot(labelsOf(val), numClasses, min(job.K, 4), seed)
			if err != nil {
				return nil, fmt.Errorf("dataset %s/%s (validation): %w", d.Name, d.ValSplit, err)
			}
			valData = toData(val, vidx)
		}
		valSource = d.ValSplit + " split"
	} else {
		frac := t.ValFraction
		if frac == 0 {
			frac = probe.DefaultValFraction
		}
		tidx, vidx, err := datasets.TrainValSplit(labelsOf(train), numClasses, job.K, frac, seed)
		if err != nil {
			return nil, fmt.Errorf("dataset %s/%s: %w", d.Name, d.TrainSplit, err)
		}
		if job.K == 0 {
			// Full data: the probe views the cached rows in place.
			trainData, split = toData(train, nil), &[2][]int{tidx, vidx}
		} else {
			trainData, valData = toData(train, tidx), toData(train, vidx)
		}
	}
	testData := toData(test, nil)
	opts := t.Options(seed, env.Suite.Runtime.Threads)
	opts.Split = split
	nVal := valData.N
	if split != nil {
		nVal = len(split[1])
	}
	if folds := t.folds(); opts.C == 0 && folds > 0 && nVal < MinValPerClass*numClasses {
		opts.CVFolds = folds // a handful of validation samples: cross-validate instead
	}
	res, err := probe.Evaluate(ctx, trainData, valData, testData, numClasses, opts)
	if err != nil {
		return nil, fmt.Errorf("model %s, dataset %s, k=%d, seed %d: %w", job.Model.Name, d.Name, job.K, job.Seed, err)
	}
	k := len(res.Top5) / max(1, testData.N)
	cls, err := Classify(res.Top5, k, test.Labels, test.Classes)
	if err != nil {
		return nil, err
	}
	rec := t.Record(res, cls, opts, valSource)
	if t.Top5 {
		rec.Extra[reports.ExtraTop5] = reports.EncodeTop5(res.Top5, k, numClasses)
	}
	if res.CAtEdge && env.Log != nil {
		fmt.Fprintf(env.Log, "warning: %s: C = %g is the sweep grid's edge (%s): every C scored alike or the best lies beyond 1e-6..1e6; the choice says little\n",
			job.ID, res.C, res.Selection)
	}
	rec.DurationS = time.Since(start).Seconds()
	rec.Params["features_cached"] = train.Cached && test.Cached
	// The image pipeline's rates over every image the probe needed.
	joinFeatures(extracted...).throughput(&rec)
	if job.Model.Supervised {
		rec.Params[reports.ParamSupervised] = true
	}
	if skipped := append(append([]string(nil), train.Skipped...), test.Skipped...); len(skipped) > 0 {
		rec.Extra[reports.ExtraSkipped] = describeSkipped(skipped)
	}
	return []reports.Record{rec}, nil
}

// checkSplitsDisjoint fails when a fitting split shares samples with the
// evaluated split (a mislabelled folder, a duplicated manifest).
func checkSplitsDisjoint(env *suites.Env, d *suites.Dataset, split string) error {
	eval, err := OpenDataset(env, d, d.Split)
	if err != nil {
		return err
	}
	fit, err := OpenDataset(env, d, split)
	if err != nil {
		return err
	}
	if err := datasets.CheckNoOverlap(eval, fit); err != nil {
		return fmt.Errorf("dataset %s: splits %s and %s: %w", d.Name, split, d.Split, err)
	}
	return nil
}
