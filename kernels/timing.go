package kernels

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Bencher is implemented by Scorers that prepare inputs once and time
// themselves: the CUDA implementations upload the problems, convert them to
// the dtype on the device, and time only the kernels with CUDA events.
type Bencher interface {
	NewBench(ctx context.Context, probs []*Problem) (Bench, error)
}

// Bench runs prepared problems.
type Bench interface {
	// Run computes problem i and returns the time it took in milliseconds.
	Run(ctx context.Context, i int) (float64, error)
	// Result returns the outcome of the latest Run of problem i.
	Result(i int) (*Result, error)
	// Timer says how Run measures: "wall clock" or "CUDA events".
	Timer() string
	// Close releases what NewBench allocated.
	Close() error
}

// hostBench times a Scorer with the wall clock, writing into preallocated
// results.
type hostBench struct {
	s     Scorer
	probs []*Problem
	res   []*Result
}

func newHostBench(s Scorer, probs []*Problem) *hostBench {
	b := &hostBench{s: s, probs: probs}
	for _, p := range probs {
		b.res = append(b.res, newResult(p))
	}
	return b
}

func (b *hostBench) Run(ctx context.Context, i int) (float64, error) {
	t0 := time.Now()
	err := ScoreInto(ctx, b.s, b.probs[i], b.res[i])
	return float64(time.Since(t0).Nanoseconds()) / 1e6, err
}

func (b *hostBench) Result(i int) (*Result, error) { return b.res[i], nil }
func (b *hostBench) Timer() string                 { return "wall clock" }
func (b *hostBench) Close() error                  { return nil }

// MeasureConfig says what Measure times.
type MeasureConfig struct {
	N, C, D, K int
	// Normalize, Scale and WantLogits are copied into each Problem.
	Normalize  bool
	Scale      float32
	WantLogits bool
	// Reps timed calls, after Warmup untimed ones.
	Reps, Warmup int
	// Seed makes the random inputs reproducible.
	Seed uint64
	// RotateBytes is how much input memory the timed calls cycle through
	// (default 512 MiB, at most MaxRotations input sets), so that inputs
	// are not still in a cache from the previous call.
	RotateBytes int64
	// CheckFLOPs bounds the float64 reference check of the result: as many
	// query rows as fit this much reference arithmetic (default 4e9; at
	// least one row) are checked against Reference.
	CheckFLOPs float64
}

// MaxRotations caps the number of distinct input sets Measure cycles.
const MaxRotations = 4

// Measurement is the outcome of Measure.
type Measurement struct {
	Impl   string // Scorer name, with dtype suffix
	DType  DType
	Timer  string // "wall clock" or "CUDA events"
	Device string
	// TimesMs holds every timed call, in order.
	TimesMs         []float64
	MsMedian, MsMin float64
	// GFLOPS is 2*N*C*D per median call; GBPS is Problem.Bytes per median
	// call.
	GFLOPS, GBPS float64
	// MaxAbsErr is the largest top-k score difference from the float64
	// reference over CheckedRows query rows.
	MaxAbsErr   float64
	CheckedRows int
	// Rotations is the number of input sets cycled.
	Rotations int
	// WallS is the wall time of the whole measurement, set-up and check
	// included.
	WallS float64
}

// DeviceNamer is implemented by Scorers that run on a named device (the
// GPU's name); others run on DeviceCPU.
type DeviceNamer interface {
	DeviceName() string
}

// DeviceName returns where s runs: the GPU's name or "cpu".
func DeviceName(s Scorer) string {
	if d, ok := s.(DeviceNamer); ok {
		return d.DeviceName()
	}
	return DeviceCPU
}

// Measure times s on random problems of cfg's size in dtype dt: Warmup
// untimed calls, then Reps timed calls cycling through the input sets;
// the median and minimum, GFLOP/s and GB/s of the median; then a check of
// the result against Reference (an implementation that gives wrong answers
// is an error, not a measurement). progress, when not nil, is told about
// every call.
func Measure(ctx context.Context, s Scorer, dt DType, cfg MeasureConfig, progress func(done, total int)) (*Measurement, error) {
	start := time.Now()
	if cfg.Reps < 1 {
		return nil, fmt.Errorf("kernels: measure %s: reps = %d, want at least 1", s.Name(), cfg.Reps)
	}
	if cfg.RotateBytes == 0 {
		cfg.RotateBytes = 512 << 20
	}
	if cfg.CheckFLOPs == 0 {
		cfg.CheckFLOPs = 4e9
	}
	setBytes := int64(cfg.N+cfg.C) * int64(cfg.D) * 4
	rot := int(min(int64(MaxRotations), max(1, (cfg.RotateBytes+setBytes-1)/max(setBytes, 1))))
	probs := make([]*Problem, rot)
	for i := range probs {
		probs[i] = &Problem{
			N: cfg.N, C: cfg.C, D: cfg.D, K: cfg.K, Normalize: cfg.Normalize, Scale: cfg.Scale, WantLogits: cfg.WantLogits,
			Queries: RandomEmbeddings(cfg.N, cfg.D, cfg.Seed+uint64(2*i)),
			Keys:    RandomEmbeddings(cfg.C, cfg.D, cfg.Seed+uint64(2*i+1)),
		}
		if err := probs[i].validateSizes(); err != nil {
			return nil, err
		}
	}
	var bench Bench
	if b, ok := s.(Bencher); ok {
		var err error
		if bench, err = b.NewBench(ctx, probs); err != nil {
			return nil, fmt.Errorf("kernels: prepare %s: %w", s.Name(), err)
		}
	} else {
		bench = newHostBench(s, probs)
	}
	m, got, err := runBench(ctx, bench, cfg, rot, progress)
	if err == nil {
		m.MaxAbsErr, m.CheckedRows, err = checkRows(ctx, probs[0], dt, got, cfg.CheckFLOPs)
	}
	if cerr := bench.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("kernels: %s at %dx%dx%d: %w", s.Name(), cfg.N, cfg.C, cfg.D, err)
	}
	m.Impl, m.DType, m.Device = s.Name(), dt, DeviceName(s)
	m.GFLOPS = probs[0].FLOPs() / m.MsMedian / 1e6
	m.GBPS = probs[0].Bytes(dt) / m.MsMedian / 1e6
	m.WallS = time.Since(start).Seconds()
	return m, nil
}

// runBench does the calls and returns the timings and the result of the
// last call on input set 0.
func runBench(ctx context.Context, bench Bench, cfg MeasureConfig, rot int, progress func(done, total int)) (*Measurement, *Result, error) {
	total := cfg.Warmup + cfg.Reps
	m := &Measurement{Timer: bench.Timer(), Rotations: rot}
	for call := 0; call < total; call++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		ms, err := bench.Run(ctx, call%rot)
		if err != nil {
			return nil, nil, err
		}
		if call >= cfg.Warmup {
			m.TimesMs = append(m.TimesMs, ms)
		}
		if progress != nil {
			progress(call+1, total)
		}
	}
	sorted := slices.Clone(m.TimesMs)
	slices.Sort(sorted)
	m.MsMin = sorted[0]
	m.MsMedian = median(sorted)
	if rot > 1 && (total-1)%rot != 0 {
		// The last call was not on set 0: run set 0 again for the check.
		if _, err := bench.Run(ctx, 0); err != nil {
			return nil, nil, err
		}
	}
	got, err := bench.Result(0)
	return m, got, err
}

// median of sorted values.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// checkRows compares rows of got, spread evenly over p and always
// including the first and last, with Reference: as many as fit budget
// FLOPs of reference arithmetic, at least one.
func checkRows(ctx context.Context, p *Problem, dt DType, got *Result, budget float64) (float64, int, error) {
	rows := int(min(float64(p.N), max(1, budget/(2*float64(p.C)*float64(p.D)))))
	if p.N == 0 {
		return 0, 0, nil
	}
	pick := make([]int, 0, rows)
	for j := 0; j < rows; j++ {
		i := 0
		if rows > 1 {
			i = int(int64(j) * int64(p.N-1) / int64(rows-1))
		}
		if len(pick) == 0 || pick[len(pick)-1] != i {
			pick = append(pick, i)
		}
	}
	sub := *p
	sub.N = len(pick)
	sub.WantLogits = true
	sub.Queries = make([]float32, 0, len(pick)*p.D)
	part := &Result{}
	for _, i := range pick {
		sub.Queries = append(sub.Queries, p.Queries[i*p.D:(i+1)*p.D]...)
		part.Index = append(part.Index, got.Index[i*p.K:(i+1)*p.K]...)
		part.Score = append(part.Score, got.Score[i*p.K:(i+1)*p.K]...)
		if p.WantLogits {
			part.Logits = append(part.Logits, got.Logits[i*p.C:(i+1)*p.C]...)
		}
	}
	ref, err := Reference().Score(ctx, &sub)
	if err != nil {
		return 0, 0, err
	}
	sub.WantLogits = p.WantLogits
	maxErr, err := Compare(&sub, dt, ref, part)
	if err != nil {
		return maxErr, len(pick), fmt.Errorf("wrong result against the float64 reference (checked rows are renumbered 0..%d):\n%w", len(pick)-1, err)
	}
	return maxErr, len(pick), nil
}

// RandomEmbeddings returns rows×d values uniform in [-1, 1), reproducible
// from seed, filled on all cores.
func RandomEmbeddings(rows, d int, seed uint64) []float32 {
	x := make([]float32, rows*d)
	const chunk = 1 << 16
	forEachRange((len(x)+chunk-1)/chunk, runtime.GOMAXPROCS(0), func(lo, hi int) {
		for c := lo; c < hi; c++ {
			rng := rand.New(rand.NewPCG(seed, uint64(c)))
			for i := c * chunk; i < min(len(x), (c+1)*chunk); i++ {
				x[i] = rng.Float32()*2 - 1
			}
		}
	})
	return x
}

// Peaks are a device's measured ceilings, measured in the same process as
// the timings they are compared with.
type Peaks struct {
	// GFLOPS is the best GEMM rate of the device in the dtype.
	GFLOPS float64
	// GBPS is the best copy bandwidth (bytes read plus bytes written).
	GBPS float64
	// Method says how they were measured.
	Method string
}

var (
	peaksMu    sync.Mutex
	peaksCache = map[string]Peaks{}
)

// MeasurePeaks returns the peaks of the device im runs on, in dtype dt,
// measuring them on first use and remembering them for the process.
func MeasurePeaks(ctx context.Context, im Impl, dt DType) (Peaks, error) {
	if im.Peaks == nil {
		return Peaks{}, fmt.Errorf("kernels: %s: no peak measurement for its device", im.Name)
	}
	key := im.Device + "/" + string(dt)
	peaksMu.Lock()
	defer peaksMu.Unlock()
	if p, ok := peaksCache[key]; ok {
		return p, nil
	}
	p, err := im.Peaks(ctx, dt)
	if err != nil {
		return Peaks{}, err
	}
	if math.IsNaN(p.GFLOPS) || p.GFLOPS <= 0 || math.IsNaN(p.GBPS) || p.GBPS <= 0 {
		return Peaks{}, fmt.Errorf("kernels: %s peaks: implausible %+v", key, p)
	}
	peaksCache[key] = p
	return p, nil
}
