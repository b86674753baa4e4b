package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/evalclip/evalclip/internal/buildinfo"
	"github.com/evalclip/evalclip/kernels"
	"github.com/evalclip/evalclip/kernels/blas"
	"github.com/evalclip/evalclip/kernels/kerneltask"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

func init() {
	register(&command{
		name:    "kernels",
		args:    "[flags]",
		summary: "time the similarity kernels (normalise, score, top-k) at one problem size",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			n := fs.Int("n", 50000, "`N`: query rows (images)")
			c := fs.Int("c", 1000, "`C`: key rows (classes or texts)")
			d := fs.Int("d", 512, "`D`: embedding width")
			k := fs.Int("k", 5, "top-`k` kept per query row")
			dtype := fs.String("dtype", "fp32", "`dtypes`: fp32, tf32, fp16 or bf16 (comma-separated for several)")
			impl := fs.String("impl", kerneltask.All, "`names` of implementations (comma-separated), or all (every one this build runs, less the slow baselines)")
			reps := fs.Int("reps", suites.DefaultReps, "timed repetitions")
			warmup := fs.Int("warmup", suites.DefaultWarmup, "untimed repetitions first")
			normalize := fs.Bool("normalize", true, "L2-normalise both sides first")
			scale := fs.Float64("scale", 1, "multiply the scores (zero-shot uses 100)")
			seed := fs.Uint64("seed", 1, "seed of the random inputs")
			jsonOut := fs.Bool("json", false, "print the records as a JSON array (the results.json format) instead of benchmark lines")
			list := fs.Bool("list", false, "list the implementations this build can run and exit")
			return func(ctx context.Context, stdout, stderr io.Writer, args []string) error {
				hint := "Run 'evalclip help kernels' for usage."
				if len(args) > 0 {
					return usagef(hint, "kernels: unexpected arguments %q", args)
				}
				if *list {
					return listKernels(stdout)
				}
				cfg := &kerneltask.Config{
					Shapes: []suites.Shape{{N: *n, C: *c, D: *d}}, K: *k,
					Impls: splitList(*impl), Reps: *reps, Warmup: *warmup,
					Normalize: *normalize, Scale: float32(*scale), Seed: *seed,
				}
				switch {
				case *n < 1 || *c < 1 || *d < 1:
					return usagef(hint, "kernels: --n, --c and --d must be at least 1 (got %d, %d, %d)", *n, *c, *d)
				case *k < 1 || *k > *c:
					return usagef(hint, "kernels: --k = %d out of range 1..C (C = %d)", *k, *c)
				case *reps < 1:
					return usagef(hint, "kernels: --reps = %d, must be at least 1", *reps)
				case *warmup < 0:
					return usagef(hint, "kernels: --warmup = %d, must be 0 or more", *warmup)
				case len(cfg.Impls) == 0:
					return usagef(hint, "kernels: --impl is empty")
				}
				for _, s := range splitList(*dtype) {
					dt, err := kernels.ParseDType(s)
					if err != nil {
						return usagef(hint, "kernels: --dtype: %v", err)
					}
					cfg.DTypes = append(cfg.DTypes, dt)
				}
				if len(cfg.DTypes) == 0 {
					return usagef(hint, "kernels: --dtype is empty")
				}
				if _, _, err := kerneltask.Plan(cfg); err != nil {
					return usagef(hint+" 'evalclip kernels --list' lists the implementations.", "%v", err)
				}
				started := time.Now()
				recs, err := kerneltask.Run(ctx, cfg, stderr, nil)
				if err != nil {
					if ctx.Err() != nil {
						return fmt.Errorf("%w: %v", suites.ErrInterrupted, err)
					}
					return err
				}
				stampCLI(recs, started)
				if *jsonOut {
					return reports.EncodeResults(stdout, recs)
				}
				return printKernelRecords(stdout, recs)
			}
		},
	})
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func listKernels(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDEVICE\tDTYPES\tSUMMARY")
	for _, im := range kernels.Impls() {
		ds := make([]string, len(im.DTypes))
		for i, d := range im.DTypes {
			ds[i] = string(d)
		}
		name := im.Name
		if im.Slow {
			name += " (slow)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, im.Device, strings.Join(ds, ","), im.Summary)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if _, err := kernels.Describe("cuda-fused"); errors.Is(err, kernels.ErrCUDANotBuilt) {
		fmt.Fprintf(w, "CUDA implementations: %v\n", kernels.ErrCUDANotBuilt)
	}
	fmt.Fprintf(w, "CPU BLAS: %s\n", blas.Backend())
	return nil
}

// stampCLI fills the run metadata of records made outside a suite.
func stampCLI(recs []reports.Record, started time.Time) {
	host, _ := os.Hostname()
	for i := range recs {
		recs[i].Run = reports.RunInfo{
			Version:   buildinfo.Version(),
			Suite:     "evalclip kernels",
			StartedAt: started.UTC().Truncate(time.Second),
			Host:      host,
			Provider:  fmt.Sprint(recs[i].Params[reports.ParamDevice]),
			GoVersion: buildinfo.GoVersion(),
		}
	}
}

// printKernelRecords prints each device's peaks once, then one Go
// benchmark-format line per record, so that benchstat can compare runs.
func printKernelRecords(w io.Writer, recs []reports.Record) error {
	seen := map[string]bool{}
	for _, r := range recs {
		dev := fmt.Sprintf("%v %v", r.Params[reports.ParamDevice], r.Params[reports.ParamDType])
		if !seen[dev] {
			seen[dev] = true
			fmt.Fprintf(w, "# %s: peak %.1f GFLOP/s, %.1f GB/s (%v)\n", dev,
				r.Metrics[reports.MetricPeakGFLOPS], r.Metrics[reports.MetricPeakGBPS], r.Extra["peak_method"])
		}
	}
	for _, r := range recs {
		m := r.Metrics
		_, err := fmt.Fprintf(w, "BenchmarkKernel/impl=%v/dtype=%v/shape=%v/k=%v \t%v\t%.0f ns/op\t%.4g ms/op-min\t%.4g GFLOP/s\t%.4g GB/s\t%.3f frac_peak\t%.3g max_abs_err\n",
			r.Params[reports.ParamImpl], r.Params[reports.ParamDType], r.Params[reports.ParamShape], r.Params[reports.ParamTopK],
			r.Extra["reps"], m[reports.MetricMsMedian]*1e6, m[reports.MetricMsMin],
			m[reports.MetricGFLOPS], m[reports.MetricGBPS], m[reports.MetricFracPeak], m[reports.MetricMaxAbsErr])
		if err != nil {
			return err
		}
	}
	return nil
}
