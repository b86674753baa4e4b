package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	kblas "github.com/evalclip/evalclip/kernels/blas"
	"github.com/evalclip/evalclip/probe"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
	"github.com/evalclip/evalclip/suites/tasks"
)

const probeUsage = "usage: evalclip probe --train-features A.npy --train-labels a.npy --test-features B.npy --test-labels b.npy [--val-features V.npy --val-labels v.npy | --val-fraction F] [--c C] [--normalize] [--seed S]"

func init() {
	register(&command{
		name:    "probe",
		args:    "--train-features A.npy --train-labels a.npy --test-features B.npy --test-labels b.npy [flags]",
		summary: "linear-probe logistic regression on .npy features (CLIP-paper C sweep); prints its record",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			trainX := fs.String("train-features", "", "training features, a float32 .npy of shape (samples, features)")
			trainY := fs.String("train-labels", "", "training labels, an int64 or int32 .npy of shape (samples,)")
			testX := fs.String("test-features", "", "test features .npy")
			testY := fs.String("test-labels", "", "test labels .npy")
			valX := fs.String("val-features", "", "validation features .npy for the C sweep (default: carve --val-fraction from train)")
			valY := fs.String("val-labels", "", "validation labels .npy")
			valFrac := fs.Float64("val-fraction", probe.DefaultValFraction, "stratified fraction of train used for validation when no validation files are given")
			seed := fs.Int64("seed", 0, "seed of the validation split")
			c := fs.Float64("c", 0, "fixed inverse regularisation strength C (sklearn's C); 0 runs the CLIP-paper sweep over 1e-6..1e6")
			normalize := fs.Bool("normalize", false, "L2-normalise every feature row first")
			maxIter := fs.Int("max-iter", probe.DefaultMaxIter, "L-BFGS iteration limit per fit")
			tol := fs.Float64("tol", probe.DefaultTol, "gradient tolerance (sklearn's tol)")
			workers := fs.Int("workers", 0, "goroutines for the gradient (0 = all cores)")
			cvFolds := fs.Int("cv-folds", 0, "choose C by stratified K-fold cross-validation over train (and the validation files) instead of validation accuracy (0 = no; a suite's few-shot probes do so on their own)")
			numClasses := fs.Int("num-classes", 0, "number of classes (0 = largest label + 1)")
			model := fs.String("model", "features", "model name for the record (and its benchmark name)")
			dataset := fs.String("dataset", "", "dataset name for the record (default: the training features' file name)")
			benchOut := fs.Bool("bench", false, "print the Go benchmark format, as a suite's bench.txt holds it, instead of the JSON record")
			return func(ctx context.Context, stdout, stderr io.Writer, args []string) error {
				set := map[string]bool{}
				fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
				switch {
				case len(args) > 0:
					return usagef(probeUsage, "probe: unexpected arguments %s", strings.Join(args, " "))
				case *trainX == "" || *trainY == "" || *testX == "" || *testY == "":
					return usagef(probeUsage, "probe: --train-features, --train-labels, --test-features and --test-labels are required")
				case (*valX == "") != (*valY == ""):
					return usagef(probeUsage, "probe: --val-features and --val-labels go together")
				case *valX != "" && set["val-fraction"]:
					return usagef(probeUsage, "probe: give either --val-features/--val-labels or --val-fraction, not both")
				case *workers < 0 || *numClasses < 0:
					return usagef(probeUsage, "probe: --workers and --num-classes must not be negative")
				}
				// The flags fill the options of a suite's linear_probe task
				// (all the training data, one seed) and are checked by the
				// same code.
				cfg := &tasks.LinearProbe{Shots: []int{0}, Seeds: []int{int(*seed)}, Normalize: normalize,
					ValFraction: *valFrac, MaxIter: *maxIter, Tol: *tol, CVFolds: *cvFolds}
				if *c != 0 { // 0 asks for the sweep
					cfg.C = c
				}
				if !(*valFrac > 0) {
					return usagef(probeUsage, "probe: --val-fraction: must be in (0, 1), got %v", *valFrac)
				}
				if probs := suites.ValidateConfig(cfg); len(probs) > 0 {
					return usagef(probeUsage, "%s", flagProblems("probe", probs, probeFlags))
				}
				type input struct {
					name string
					x, y string
					d    probe.Data
				}
				ins := []*input{{name: "train", x: *trainX, y: *trainY}, {name: "val", x: *valX, y: *valY}, {name: "test", x: *testX, y: *testY}}
				for _, in := range ins {
					if in.x == "" {
						continue
					}
					d, err := probe.Load(in.x, in.y)
					if err != nil {
						return probeInputError(err)
					}
					in.d = d
				}
				train, val, test := ins[0].d, ins[1].d, ins[2].d
				k := *numClasses
				if k == 0 {
					for _, in := range ins {
						for _, y := range in.d.Y {
							k = max(k, int(y)+1)
						}
					}
				}
				for _, in := range ins {
					if in.x == "" {
						continue
					}
					if err := in.d.Validate(fmt.Sprintf("%s (%s, %s)", in.name, in.x, in.y), max(k, 1)); err != nil {
						return probeInputError(err)
					}
					if in.d.D != train.D {
						return probeInputError(fmt.Errorf("%w: %s has %d features per sample but %s has %d", probe.ErrBadInput, in.x, in.d.D, *trainX, train.D))
					}
				}
				if err := checkTrainClasses(ins[0].y, train, k, func(c int) string {
					for _, in := range ins[1:] {
						for _, y := range in.d.Y {
							if int(y) == c {
								return fmt.Sprintf(" but appears in %s", in.y)
							}
						}
					}
					return ""
				}); err != nil {
					return probeInputError(err)
				}
				// The GEMMs go through blas32: OpenBLAS when the build links it.
				kblas.Use()
				if w := kblas.CoreWarning(); w != "" {
					fmt.Fprintf(stderr, "evalclip: warning: %s\n", w)
				}
				started := time.Now()
				opts := cfg.Options(*seed, *workers)
				if *cvFolds > 0 {
					opts.CVFolds = *cvFolds
				}
				res, err := probe.Evaluate(ctx, train, val, test, k, opts)
				if err != nil {
					if errors.Is(err, context.Canceled) {
						return fmt.Errorf("probe: %w: %w", suites.ErrInterrupted, err)
					}
					return probeInputError(err)
				}
				classes := make([]string, k)
				for i := range classes {
					classes[i] = fmt.Sprint(i)
				}
				cls, err := tasks.Classify(res.Top5, len(res.Top5)/max(1, test.N), test.Y, classes)
				if err != nil {
					return err
				}
				validation := "--val-fraction of train"
				if *valX != "" {
					validation = *valX
				}
				rec := cfg.Record(res, cls, opts, validation)
				rec.Task, rec.Model, rec.Dataset, rec.Split = reports.TaskLinearProbe, *model, *dataset, "test"
				if rec.Dataset == "" {
					rec.Dataset = strings.TrimSuffix(filepath.Base(*trainX), filepath.Ext(*trainX))
				}
				rec.DurationS = res.FitSeconds
				rec.Params["num_classes"] = k
				recs := []reports.Record{rec}
				stampCLI(recs, "evalclip probe", started, func(*reports.Record) string { return "cpu" })
				if *benchOut {
					return reports.WriteBench(stdout, recs)
				}
				return reports.EncodeResults(stdout, recs)
			}
		},
	})
}

// probeFlags maps the linear_probe task's keys to the flags that fill them.
var probeFlags = map[string]string{"c": "--c", "val_fraction": "--val-fraction", "max_iter": "--max-iter", "tol": "--tol", "seeds": "--seed", "cv_folds": "--cv-folds"}

// checkTrainClasses fails when a class in [0, k) has no training sample;
// where(c) says where else the class appears.
func checkTrainClasses(labelsPath string, train probe.Data, k int, where func(c int) string) error {
	if k < 2 {
		return fmt.Errorf("%w: %s: the labels name %d class(es); a classifier needs at least 2", probe.ErrBadInput, labelsPath, k)
	}
	for c, n := range probe.ClassCounts(train.Y, k) {
		if n == 0 {
			return fmt.Errorf("%w: %s: class %d has no training samples%s (every class 0..%d must be in train)", probe.ErrBadInput, labelsPath, c, where(c), k-1)
		}
	}
	return nil
}

// probeInputError makes bad input a usage error (exit status 2); other
// errors pass through.
func probeInputError(err error) error {
	if errors.Is(err, probe.ErrBadInput) {
		return &usageError{msg: "probe: " + err.Error(), hint: "Run 'evalclip help probe' for the expected files."}
	}
	return err
}
