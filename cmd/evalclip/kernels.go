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
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
	"github.com/evalclip/evalclip/suites/tasks"
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
			k := fs.Int("k", tasks.DefaultTopK, "top-`k` kept per query row")
			dtype := fs.String("dtype", "fp32", "`dtypes`: fp32, tf32, fp16 or bf16 (comma-separated for several)")
			impl := fs.String("impl", kernels.All, "`names` of implementations (comma-separated), or all (every one this build runs, less the slow baselines)")
			reps := fs.Int("reps", tasks.DefaultReps, "timed repetitions")
			warmup := fs.Int("warmup", tasks.DefaultWarmup, "untimed repetitions first")
			normalize := fs.Bool("normalize", true, "L2-normalise both sides first")
			scale := fs.Float64("scale", 1, "multiply the scores (zero-shot uses 100)")
			seed := fs.Uint64("seed", 1, "seed of the random inputs")
			jsonOut := fs.Bool("json", false, "print the records as a JSON array (the results.json format) instead of benchmark lines")
			benchOut := fs.Bool("bench", false, "print only the Go benchmark format, as a suite's bench.txt holds it (for benchstat)")
			list := fs.Bool("list", false, "list the implementations this build can run and exit")
			return func(ctx context.Context, stdout, stderr io.Writer, args []string) error {
				hint := "Run 'evalclip help kernels' for usage."
				if len(args) > 0 {
					return usagef(hint, "kernels: unexpected arguments %q", args)
				}
				if *list {
					return listKernels(stdout)
				}
				if *jsonOut && *benchOut {
					return usagef(hint, "kernels: --json and --bench are two output formats; give one")
				}
				// The flags fill the options of a suite's kernels task and are
				// checked by the same code.
				cfg := &tasks.Kernels{TopK: *k, Impls: splitList(*impl), Reps: *reps, Warmup: warmup,
					Normalize: normalize, Scale: *scale, Seed: seed}
				cfg.Shapes.Parse([]string{fmt.Sprintf("%dx%dx%d", *n, *c, *d)})
				cfg.DTypes.Parse(splitList(*dtype))
				if probs := suites.ValidateConfig(cfg); len(probs) > 0 {
					return usagef(hint, "%s", flagProblems("kernels", probs, kernelFlags))
				}
				if _, _, err := cfg.Items(); err != nil {
					return usagef(hint+" 'evalclip kernels --list' lists the implementations.", "%v", err)
				}
				started := time.Now()
				recs, err := cfg.Measure(ctx, stderr, nil)
				if err != nil {
					if ctx.Err() != nil {
						return fmt.Errorf("%w: %v", suites.ErrInterrupted, err)
					}
					return err
				}
				stampCLI(recs, "evalclip kernels", started, func(r *reports.Record) string { return r.ParamString(reports.ParamDevice) })
				switch {
				case *jsonOut:
					return reports.EncodeResults(stdout, recs)
				case *benchOut:
					return reports.WriteBench(stdout, recs)
				}
				return printKernelRecords(stdout, recs)
			}
		},
	})
}

// kernelFlags maps the kernels task's keys to the flags that fill them.
var kernelFlags = map[string]string{"shapes": "--n, --c and --d", "topk": "--k", "dtypes": "--dtype", "impls": "--impl",
	"reps": "--reps", "warmup": "--warmup", "scale": "--scale"}

// flagProblems words a task's problems for a command line: the flag that
// set each key ("kernels: --k: must be at least 1, got 0"), one a line.
func flagProblems(cmd string, probs []suites.Problem, flags map[string]string) string {
	lines := make([]string, len(probs))
	for i, p := range probs {
		key, _, _ := strings.Cut(p.Key, "[")
		name, ok := flags[key]
		if !ok {
			name = key
		}
		lines[i] = fmt.Sprintf("%s: %s: %s", cmd, name, p.Msg)
	}
	return strings.Join(lines, "\n")
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

// stampCLI fills the run metadata of records made outside a suite: what
// made them (suite), when, and the provider each ran on.
func stampCLI(recs []reports.Record, suite string, started time.Time, provider func(*reports.Record) string) {
	host, _ := os.Hostname()
	for i := range recs {
		recs[i].Run = reports.RunInfo{
			Version:   buildinfo.Version(),
			Suite:     suite,
			StartedAt: started.UTC().Truncate(time.Second),
			Host:      host,
			Provider:  provider(&recs[i]),
			GoVersion: buildinfo.GoVersion(),
		}
	}
}

// printKernelRecords prints each device's peaks once as comments, then the
// records in the Go benchmark format (the one writer a suite's bench.txt
// uses), so that benchstat compares a command-line timing with a suite's.
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
	return reports.WriteBench(w, recs)
}
