package tasks

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/evalclip/evalclip/kernels"
	"github.com/evalclip/evalclip/kernels/blas"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

// TypeKernels is the similarity-kernel timing task type.
const TypeKernels suites.TaskType = "kernels"

func init() {
	suites.RegisterKind(suites.Kind{
		Type: TypeKernels, RecordTask: reports.TaskKernel,
		NewConfig: func() suites.TaskConfig { return &Kernels{} },
	})
}

// Defaults of the kernels task.
const (
	DefaultTopK   = 5
	DefaultReps   = 20
	DefaultWarmup = 3
)

// Kernels times the similarity kernels: every implementation (or All, every
// one this build runs less the slow baselines) at every shape and dtype it
// can compute, on seeded random inputs, each checked against the float64
// reference, with the device's GEMM and copy peaks measured in the same
// run. One job runs the whole task; its records have task "kernel",
// metrics ms_median, ms_min, gflops, gbps, peak_gflops, peak_gbps,
// frac_peak, max_abs_err and params impl, dtype, shape, k, device. Its
// fields are the [[tasks]] keys; `evalclip kernels` fills the same.
type Kernels struct {
	// Shapes are problem sizes "NxCxD": images x classes x embedding width.
	Shapes suites.List[kernels.Shape] `toml:"shapes"`
	// TopK is the k of the top-k kept per image (default 5).
	TopK int `toml:"topk"`
	// DTypes are the precisions (default fp32).
	DTypes suites.List[kernels.DType] `toml:"dtypes"`
	// Impls names implementations, or "all" (the default).
	Impls []string `toml:"impls"`
	// Reps timed and Warmup untimed calls per measurement (default 20, 3).
	Reps   int  `toml:"reps"`
	Warmup *int `toml:"warmup"`
	// Normalize L2-normalises both sides first (default true); Scale
	// multiplies the scores (default 1: what PyTorch's normalize + matmul +
	// topk computes; zero-shot uses 100).
	Normalize *bool   `toml:"normalize"`
	Scale     float64 `toml:"scale"`
	// Seed makes the random inputs reproducible (default 1).
	Seed *uint64 `toml:"seed"`
}

// SetDefaults fills unset options.
func (k *Kernels) SetDefaults() {
	if k.TopK == 0 {
		k.TopK = DefaultTopK
	}
	if k.Reps == 0 {
		k.Reps = DefaultReps
	}
	if k.Warmup == nil {
		w := DefaultWarmup
		k.Warmup = &w
	}
	if !k.DTypes.Set() {
		k.DTypes = suites.Of(kernels.FP32)
	}
	if len(k.Impls) == 0 {
		k.Impls = []string{kernels.All}
	}
	if k.Normalize == nil {
		yes := true
		k.Normalize = &yes
	}
	if k.Scale == 0 {
		k.Scale = 1
	}
	if k.Seed == nil {
		one := uint64(1)
		k.Seed = &one
	}
}

// Validate checks shapes, k, dtypes, repetitions and the scale. Which
// implementations exist is build-dependent and checked when the task runs,
// so a suite written for a GPU machine validates elsewhere; so is k against
// each shape's C.
func (k *Kernels) Validate(c *suites.Check) {
	if k.Shapes.Len() == 0 {
		c.Addf("shapes", `missing: list problem sizes as "NxCxD", e.g. ["50000x1000x512"]`)
	}
	k.Shapes.Check(c, "shapes")
	if k.TopK < 1 {
		c.Addf("topk", "must be at least 1, got %d", k.TopK)
	}
	if k.DTypes.Len() == 0 {
		c.Addf("dtypes", "empty: list precisions, e.g. [%q]", kernels.FP32)
	}
	k.DTypes.Check(c, "dtypes")
	if len(k.Impls) == 0 {
		c.Addf("impls", "empty: name implementations, or %q", kernels.All)
	}
	for i, name := range k.Impls {
		if strings.TrimSpace(name) == "" {
			c.Addf(fmt.Sprintf("impls[%d]", i), "empty implementation name")
		}
	}
	if k.Reps < 1 {
		c.Addf("reps", "must be at least 1, got %d", k.Reps)
	}
	if k.Warmup != nil && *k.Warmup < 0 {
		c.Addf("warmup", "must be 0 or more, got %d", *k.Warmup)
	}
	if !(k.Scale > 0) || math.IsInf(k.Scale, 0) {
		c.Addf("scale", "must be positive and finite, got %v", k.Scale)
	}
}

// Plan makes one job that times every measurement of the task.
func (k *Kernels) Plan(p *suites.Planner) { p.Add(suites.Pair{}, 0, 0, "", "") }

// Items expands the task into measurements (see kernels.Plan).
func (k *Kernels) Items() (items []kernels.Item, skipped []string, err error) {
	return kernels.Plan(k.Impls, k.Shapes.Values, k.TopK, k.DTypes.Values)
}

// Run is the suite task: one job runs every measurement of its task. An
// implementation this build does not know is a config error naming its
// key.
func (k Kernels) Run(ctx context.Context, env *suites.Env, job *suites.Job) ([]reports.Record, error) {
	cfg := &k
	if c, ok := job.Task.Config.(*Kernels); ok {
		cfg = c
	}
	for i, name := range cfg.Impls {
		if name == kernels.All {
			continue
		}
		if _, err := kernels.Describe(name); err != nil {
			key := fmt.Sprintf("tasks[%d].impls[%d]", job.TaskIndex, i)
			return nil, env.Suite.KeyError(key, "%s", strings.TrimPrefix(err.Error(), "kernels: "))
		}
	}
	return cfg.Measure(ctx, env.Log, env.Progress)
}

// Measure times every planned measurement and returns one record per
// measurement, in plan order. Skipped combinations are reported to log. A
// measurement that fails (a wrong result against the reference, a device
// error) stops with an error naming the implementation, shape and dtype.
func (k *Kernels) Measure(ctx context.Context, log io.Writer, progress suites.Progress) ([]reports.Record, error) {
	if log == nil {
		log = io.Discard
	}
	items, skipped, err := k.Items()
	if err != nil {
		return nil, err
	}
	for _, s := range skipped {
		fmt.Fprintf(log, "kernels: skipped: %s\n", s)
	}
	if w := blas.CoreWarning(); w != "" && slices.ContainsFunc(items, func(it kernels.Item) bool { return it.Impl.Device == kernels.DeviceCPU }) {
		fmt.Fprintf(log, "kernels: warning: %s\n", w)
	}
	if progress != nil {
		progress.SetTotal("time kernels", len(items)*(k.Reps+*k.Warmup))
	}
	var recs []reports.Record
	for _, it := range items {
		rec, err := k.measure(ctx, it, progress)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

func (k *Kernels) measure(ctx context.Context, it kernels.Item, progress suites.Progress) (reports.Record, error) {
	where := fmt.Sprintf("kernels: %s %s at %s k=%d", it.Impl.Name, it.DType, it.Shape, k.TopK)
	if k.TopK > it.Shape.C {
		return reports.Record{}, fmt.Errorf("%s: k = %d is more than the %d classes", where, k.TopK, it.Shape.C)
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
		N: it.Shape.N, C: it.Shape.C, D: it.Shape.D, K: k.TopK,
		Normalize: *k.Normalize, Scale: float32(k.Scale),
		Reps: k.Reps, Warmup: *k.Warmup, Seed: *k.Seed,
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
			reports.ParamTopK:   k.TopK,
			reports.ParamDevice: m.Device,
		},
		Extra: map[string]any{
			"times_ms":     m.TimesMs,
			"timer":        m.Timer,
			"reps":         k.Reps,
			"warmup":       *k.Warmup,
			"rotations":    m.Rotations,
			"normalize":    *k.Normalize,
			"scale":        float32(k.Scale),
			"checked_rows": m.CheckedRows,
			"peak_method":  peaks.Method,
		},
	}
	if it.Impl.Device == kernels.DeviceCPU {
		rec.Extra["blas"] = blas.Backend()
	}
	return rec, nil
}
