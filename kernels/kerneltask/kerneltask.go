package kerneltask

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/evalclip/evalclip/kernels"
	"github.com/evalclip/evalclip/kernels/blas"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

func init() {
	suites.RegisterTask(suites.TaskKernels, suites.TaskFunc(runTask))
}

// All selects every implementation this build can run except the slow
// baselines (the float64 reference and the naive Go loop).
const All = "all"

// Config is one timing run.
type Config struct {
	Shapes []suites.Shape
	K      int
	DTypes []kernels.DType
	// Impls are implementation names, or All.
	Impls        []string
	Reps, Warmup int
	// Normalize and Scale are set on every problem (the zero-shot setting
	// is Normalize with Scale 100; the default here is Normalize, Scale 1,
	// what PyTorch's normalize+matmul+topk computes).
	Normalize bool
	Scale     float32
	// Seed makes the random inputs reproducible.
	Seed uint64
}

// Item is one planned measurement.
type Item struct {
	Impl  kernels.Impl
	Shape suites.Shape
	DType kernels.DType
}

// Plan expands cfg into measurements, implementation by implementation,
// then shape, then dtype. Unknown or unavailable implementations are
// errors; combinations an implementation cannot compute are left out and
// described in skipped; an implementation that computes none of the dtypes
// is an error.
func Plan(cfg *Config) (items []Item, skipped []string, err error) {
	var impls []kernels.Impl
	var errs []error
	for _, name := range cfg.Impls {
		if name == All {
			for _, im := range kernels.Impls() {
				if !im.Slow && !slices.ContainsFunc(impls, func(x kernels.Impl) bool { return x.Name == im.Name }) {
					impls = append(impls, im)
				}
			}
			continue
		}
		im, err := kernels.Describe(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !slices.ContainsFunc(impls, func(x kernels.Impl) bool { return x.Name == im.Name }) {
			impls = append(impls, im)
		}
	}
	for _, im := range impls {
		if im.MaxK > 0 && cfg.K > im.MaxK {
			skipped = append(skipped, fmt.Sprintf("%s keeps at most %d scores per row, k = %d", im.Name, im.MaxK, cfg.K))
			if !slices.Contains(cfg.Impls, All) {
				errs = append(errs, fmt.Errorf("kernels: %s keeps at most %d scores per row, k = %d asked for", im.Name, im.MaxK, cfg.K))
			}
			continue
		}
		some := false
		for _, dt := range cfg.DTypes {
			if !im.Supports(dt) {
				skipped = append(skipped, fmt.Sprintf("%s does not compute in %s", im.Name, dt))
				continue
			}
			some = true
		}
		if !some && !slices.Contains(cfg.Impls, All) {
			errs = append(errs, fmt.Errorf("kernels: %s computes in %s, none of the dtypes asked for (%s)",
				im.Name, joinDTypes(im.DTypes), joinDTypes(cfg.DTypes)))
		}
		for _, sh := range cfg.Shapes {
			for _, dt := range cfg.DTypes {
				if im.Supports(dt) {
					items = append(items, Item{Impl: im, Shape: sh, DType: dt})
				}
			}
		}
	}
	if len(errs) == 0 && len(items) == 0 {
		errs = append(errs, fmt.Errorf("kernels: nothing to time: no implementation among %s computes in %s",
			strings.Join(cfg.Impls, ", "), joinDTypes(cfg.DTypes)))
	}
	return items, skipped, errors.Join(errs...)
}

func joinDTypes(ds []kernels.DType) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = string(d)
	}
	return strings.Join(s, ", ")
}

// Progress is told about every timed or untimed call.
type Progress interface {
	SetTotal(label string, n int)
	Add(n int)
}

// Run measures every planned item and returns one record per item, in plan
// order. Skipped combinations are reported to log. A measurement that
// fails (a wrong result against the reference, a device error) stops the
// run with an error naming the implementation, shape and dtype.
func Run(ctx context.Context, cfg *Config, log io.Writer, progress Progress) ([]reports.Record, error) {
	items, skipped, err := Plan(cfg)
	if err != nil {
		return nil, err
	}
	for _, s := range skipped {
		fmt.Fprintf(log, "kernels: skipped: %s\n", s)
	}
	if w := blas.CoreWarning(); w != "" && slices.ContainsFunc(items, func(it Item) bool { return it.Impl.Device == kernels.DeviceCPU }) {
		fmt.Fprintf(log, "kernels: warning: %s\n", w)
	}
	if progress != nil {
		progress.SetTotal("time kernels", len(items)*(cfg.Reps+cfg.Warmup))
	}
	var recs []reports.Record
	for _, it := range items {
		rec, err := measure(ctx, cfg, it, progress)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

func measure(ctx context.Context, cfg *Config, it Item, progress Progress) (reports.Record, error) {
	where := fmt.Sprintf("kernels: %s %s at %s k=%d", it.Impl.Name, it.DType, it.Shape, cfg.K)
	if cfg.K > it.Shape.C {
		return reports.Record{}, fmt.Errorf("%s: k = %d is more than the %d classes", where, cfg.K, it.Shape.C)
	}
	s, err := kernels.LookupDType(it.Impl.Name, it.DType)
	if err != nil {
		return reports.Record{}, fmt.Errorf("%s: %w", where, err)
	}
	peaks, err := kernels.MeasurePeaks(ctx, it.Impl, it.DType)
	if err != nil {
		return reports.Record{}, fmt.Errorf("%s: peaks: %w", where, err)
	}
	last := 0
	m, err := kernels.Measure(ctx, s, it.DType, kernels.MeasureConfig{
		N: it.Shape.N, C: it.Shape.C, D: it.Shape.D, K: cfg.K,
		Normalize: cfg.Normalize, Scale: cfg.Scale,
		Reps: cfg.Reps, Warmup: cfg.Warmup, Seed: cfg.Seed,
	}, func(done, _ int) {
		if progress != nil {
			progress.Add(done - last)
		}
		last = done
	})
	if err != nil {
		return reports.Record{}, err
	}
	rec := reports.Record{
		Task:      reports.TaskKernel,
		NSamples:  it.Shape.N,
		DurationS: m.WallS,
		Metrics: reports.Metrics{
			reports.MetricMsMedian:   m.MsMedian,
			reports.MetricMsMin:      m.MsMin,
			reports.MetricGFLOPS:     m.GFLOPS,
			reports.MetricGBPS:       m.GBPS,
			reports.MetricPeakGFLOPS: peaks.GFLOPS,
			reports.MetricPeakGBPS:   peaks.GBPS,
			reports.MetricFracPeak:   m.GFLOPS / peaks.GFLOPS,
			reports.MetricMaxAbsErr:  m.MaxAbsErr,
		},
		Params: map[string]any{
			reports.ParamImpl:   it.Impl.Name,
			reports.ParamDType:  string(it.DType),
			reports.ParamShape:  it.Shape.String(),
			reports.ParamTopK:   cfg.K,
			reports.ParamDevice: m.Device,
		},
		Extra: map[string]any{
			"times_ms":     m.TimesMs,
			"timer":        m.Timer,
			"reps":         cfg.Reps,
			"warmup":       cfg.Warmup,
			"rotations":    m.Rotations,
			"normalize":    cfg.Normalize,
			"scale":        cfg.Scale,
			"checked_rows": m.CheckedRows,
			"peak_method":  peaks.Method,
		},
	}
	if it.Impl.Device == kernels.DeviceCPU {
		rec.Extra["blas"] = blas.Backend()
	}
	return rec, nil
}

// runTask is the suite task: one job runs every measurement of its task.
func runTask(ctx context.Context, env *suites.Env, job *suites.Job) ([]reports.Record, error) {
	t := job.Task
	cfg := &Config{K: t.TopK, Impls: t.Impls, Reps: t.Reps, Warmup: t.Warmup, Normalize: true, Scale: 1, Seed: 1}
	key := fmt.Sprintf("tasks[%d]", job.TaskIndex)
	for i, s := range t.Shapes {
		sh, err := suites.ParseShape(s)
		if err != nil {
			return nil, &suites.ConfigError{File: env.Suite.Path, Key: fmt.Sprintf("%s.shapes[%d]", key, i), Msg: err.Error()}
		}
		cfg.Shapes = append(cfg.Shapes, sh)
	}
	for i, d := range t.DTypes {
		dt, err := kernels.ParseDType(d)
		if err != nil {
			return nil, &suites.ConfigError{File: env.Suite.Path, Key: fmt.Sprintf("%s.dtypes[%d]", key, i), Msg: err.Error()}
		}
		cfg.DTypes = append(cfg.DTypes, dt)
	}
	for i, name := range t.Impls {
		if name == All {
			continue
		}
		if _, err := kernels.Describe(name); err != nil {
			return nil, &suites.ConfigError{File: env.Suite.Path, Key: fmt.Sprintf("%s.impls[%d]", key, i), Msg: strings.TrimPrefix(err.Error(), "kernels: ")}
		}
	}
	return Run(ctx, cfg, env.Log, env.Progress)
}
