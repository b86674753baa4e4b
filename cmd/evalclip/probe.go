package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	kblas "github.com/evalclip/evalclip/kernels/blas"
	"github.com/evalclip/evalclip/probe"
	"github.com/evalclip/evalclip/suites"
)

const probeUsage = "usage: evalclip probe --train-features A.npy --train-labels a.npy --test-features B.npy --test-labels b.npy [--val-features V.npy --val-labels v.npy | --val-fraction F] [--c C] [--normalize] [--seed S]"

// probeOutput is the JSON object `evalclip probe` prints.
type probeOutput struct {
	Acc1               float64            `json:"acc1"`
	Acc5               float64            `json:"acc5"`
	MeanPerClassRecall float64            `json:"mean_per_class_recall"`
	C                  float64            `json:"C"`
	FitS               float64            `json:"fit_s"`
	Swept              bool               `json:"swept"`
	Normalize          bool               `json:"normalize"`
	NumClasses         int                `json:"num_classes"`
	Dim                int                `json:"dim"`
	NTrain             int                `json:"n_train"`
	NVal               int                `json:"n_val"`
	NTest              int                `json:"n_test"`
	BLAS               string             `json:"blas"`
	Iterations         int                `json:"iterations"`
	Converged          bool               `json:"converged"`
	Sweep              []probe.SweepPoint `json:"sweep"`
}

func init() {
	register(&command{
		name:    "probe",
		args:    "--train-features A.npy --train-labels a.npy --test-features B.npy --test-labels b.npy [flags]",
		summary: "linear-probe logistic regression on .npy features (CLIP-paper C sweep); prints one JSON object",
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
			numClasses := fs.Int("num-classes", 0, "number of classes (0 = largest label + 1)")
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
				case !(*valFrac > 0 && *valFrac < 1):
					return usagef(probeUsage, "probe: --val-fraction %v: want 0 < F < 1", *valFrac)
				case *c < 0 || math.IsNaN(*c) || math.IsInf(*c, 0):
					return usagef(probeUsage, "probe: --c %v: want C > 0, or 0 for the sweep", *c)
				case *maxIter < 1:
					return usagef(probeUsage, "probe: --max-iter %d: want at least 1", *maxIter)
				case !(*tol > 0):
					return usagef(probeUsage, "probe: --tol %v: want > 0", *tol)
				case *workers < 0 || *numClasses < 0:
					return usagef(probeUsage, "probe: --workers and --num-classes must not be negative")
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
				opts := probe.Options{C: *c, Normalize: *normalize, MaxIter: *maxIter, Tol: *tol, Workers: *workers, ValFraction: *valFrac, Seed: *seed}
				res, err := probe.Evaluate(ctx, train, val, test, k, opts)
				if err != nil {
					if errors.Is(err, context.Canceled) {
						return fmt.Errorf("probe: %w: %w", suites.ErrInterrupted, err)
					}
					return probeInputError(err)
				}
				out := probeOutput{
					Acc1: res.Acc1, Acc5: res.Acc5, MeanPerClassRecall: res.MeanPerClassRecall,
					C: res.C, FitS: res.FitSeconds, Swept: *c == 0, Normalize: *normalize,
					NumClasses: k, Dim: train.D, NTrain: res.NTrain, NVal: res.NVal, NTest: res.NTest,
					BLAS: kblas.Backend(), Iterations: res.Model.Iterations, Converged: res.Model.Converged, Sweep: res.Sweep,
				}
				if out.Sweep == nil {
					out.Sweep = []probe.SweepPoint{}
				}
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
		},
	})
}

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
