package tasks

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/evalclip/evalclip/datasets"
	kblas "github.com/evalclip/evalclip/kernels/blas"
	"github.com/evalclip/evalclip/probe"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

func init() {
	suites.RegisterTask(suites.TaskLinearProbe, LinearProbe{})
	// The probe's GEMMs go through gonum's blas32/blas64: OpenBLAS when the
	// build links it.
	kblas.Use()
}

var coreWarning sync.Once

// LinearProbe is the CLIP-paper linear-probe task: multinomial logistic
// regression on frozen image features, C chosen on validation data, k shots
// per class (k = 0: all training data), reported on the evaluated split.
//
// Validation data: the dataset's own val_split when it has one (for k > 0,
// min(k, 4) samples per class drawn from it), else a stratified split of
// the training split (for k > 0, min(k, 4) per class from the training
// samples the k-shot draw left; for k = 0, the task's val_fraction, default
// 0.2). The evaluated split is never used for fitting or choosing C.
type LinearProbe struct{}

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
func (LinearProbe) Run(ctx context.Context, env *suites.Env, job *suites.Job) ([]reports.Record, error) {
	start := time.Now()
	d, t := job.Dataset, job.Task
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
	if d.ValSplit != "" {
		val, err := ImageFeatures(ctx, env, job.Model, d, d.ValSplit)
		if err != nil {
			return nil, err
		}
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
	opts := probe.Options{Normalize: t.Normalize == nil || *t.Normalize, Seed: seed, Workers: env.Suite.Runtime.Threads, Split: split}
	if t.C != nil {
		opts.C = *t.C
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
	rec := reports.Record{
		Metrics:   cls.Metrics,
		NSamples:  test.N,
		DurationS: time.Since(start).Seconds(),
		Params: map[string]any{
			reports.ParamC:         res.C,
			reports.ParamNormalize: opts.Normalize,
			"fit_s":                res.FitSeconds,
			"n_train":              res.NTrain,
			"n_val":                res.NVal,
			"validation":           valSource,
			"sweep":                res.Sweep,
			"features_cached":      train.Cached && test.Cached,
		},
		Extra: cls.Extra,
	}
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
