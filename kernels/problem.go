package kernels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// DType is the precision a kernel computes in. Inputs and outputs are
// float32 on the host whatever the dtype; tf32, fp16 and bf16 round the
// inputs (tf32: inside the tensor-core product) and accumulate in float32.
type DType string

// The dtypes the kernels know.
const (
	FP32 DType = "fp32"
	TF32 DType = "tf32"
	FP16 DType = "fp16"
	BF16 DType = "bf16"
)

// DTypes lists every dtype, in order of decreasing precision.
func DTypes() []DType { return []DType{FP32, TF32, FP16, BF16} }

// ParseDType reads "fp32", "tf32", "fp16" or "bf16".
func ParseDType(s string) (DType, error) {
	for _, d := range DTypes() {
		if string(d) == s {
			return d, nil
		}
	}
	return "", fmt.Errorf("unknown dtype %q (expected fp32, tf32, fp16 or bf16)", s)
}

// UnmarshalText reads a dtype with [ParseDType], so that a TOML decoder's
// error carries the line.
func (d *DType) UnmarshalText(text []byte) error {
	v, err := ParseDType(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ElemBytes is the storage size of one element in device memory.
func (d DType) ElemBytes() int {
	if d == FP16 || d == BF16 {
		return 2
	}
	return 4
}

// Epsilon is the relative rounding error of one input element in this
// dtype: 2^-24 for fp32, 2^-11 for tf32 and fp16 (10 stored mantissa bits),
// 2^-8 for bf16.
func (d DType) Epsilon() float64 {
	switch d {
	case TF32, FP16:
		return 0x1p-11
	case BF16:
		return 0x1p-8
	}
	return 0x1p-24
}

// NormEpsilon is the smallest norm a row is divided by when normalising
// (as torch.nn.functional.normalize): a zero row stays zero.
const NormEpsilon = 1e-12

// Problem is one scoring request. Queries and Keys are only read.
type Problem struct {
	Queries []float32 // N x D row-major (images)
	N       int
	Keys    []float32 // C x D row-major (class weights / texts)
	C, D    int
	K       int // top-k, 1..C
	// Normalize L2-normalises the rows of Queries and Keys first (without
	// modifying the caller's slices); a row's norm is clamped below at
	// NormEpsilon.
	Normalize bool
	// Scale multiplies the scores (0 means 1); zero-shot uses 100.
	Scale float32
	// WantLogits also returns the full N x C scores.
	WantLogits bool
}

// scale returns the effective score multiplier.
func (p *Problem) scale() float32 {
	if p.Scale == 0 {
		return 1
	}
	return p.Scale
}

// FLOPs is the arithmetic of the product, 2*N*C*D.
func (p *Problem) FLOPs() float64 { return 2 * float64(p.N) * float64(p.C) * float64(p.D) }

// Bytes is the least memory traffic of one call when inputs are stored in
// dtype d: both inputs read once, the top-k indices and scores (and the
// logits when asked) written once.
func (p *Problem) Bytes(d DType) float64 {
	b := float64(p.N+p.C)*float64(p.D)*float64(d.ElemBytes()) + float64(p.N)*float64(p.K)*8
	if p.WantLogits {
		b += float64(p.N) * float64(p.C) * 4
	}
	return b
}

// Validate checks sizes, K and that every input is finite; errors name the
// field, row and column.
func (p *Problem) Validate() error {
	if err := p.validateSizes(); err != nil {
		return err
	}
	if err := checkFinite("queries", p.Queries, p.D); err != nil {
		return err
	}
	return checkFinite("keys", p.Keys, p.D)
}

// validateSizes is Validate without the scan for non-finite inputs.
func (p *Problem) validateSizes() error {
	if err := p.validateDims(); err != nil {
		return err
	}
	switch {
	case len(p.Queries) != p.N*p.D:
		return fmt.Errorf("kernels: len(Queries) = %d, want N*D = %d*%d = %d", len(p.Queries), p.N, p.D, p.N*p.D)
	case len(p.Keys) != p.C*p.D:
		return fmt.Errorf("kernels: len(Keys) = %d, want C*D = %d*%d = %d", len(p.Keys), p.C, p.D, p.C*p.D)
	}
	return nil
}

// validateDims checks N, C, D, K and Scale.
func (p *Problem) validateDims() error {
	switch {
	case p.N < 0:
		return fmt.Errorf("kernels: N = %d, must be 0 or more", p.N)
	case p.C < 1:
		return fmt.Errorf("kernels: C = %d, must be at least 1", p.C)
	case p.D < 1:
		return fmt.Errorf("kernels: D = %d, must be at least 1", p.D)
	case p.K < 1 || p.K > p.C:
		return fmt.Errorf("kernels: K = %d out of range 1..C (C = %d)", p.K, p.C)
	case math.IsNaN(float64(p.Scale)) || math.IsInf(float64(p.Scale), 0):
		return fmt.Errorf("kernels: Scale = %v, must be finite", p.Scale)
	}
	return nil
}

func checkFinite(what string, x []float32, d int) error {
	bad := -1
	var mu sync.Mutex
	forEachRange((len(x)+finiteChunk-1)/finiteChunk, runtime.GOMAXPROCS(0), func(lo, hi int) {
		for c := lo; c < hi; c++ {
			off := c * finiteChunk
			if i := firstNonFinite(x[off:min(off+finiteChunk, len(x))]); i >= 0 {
				mu.Lock()
				if bad < 0 || off+i < bad {
					bad = off + i
				}
				mu.Unlock()
				return
			}
		}
	})
	if bad >= 0 {
		return nonFinite(what, bad/d, bad%d, x[bad])
	}
	return nil
}

func nonFinite(what string, row, col int, v float32) error {
	return fmt.Errorf("kernels: %s row %d, column %d: %v (inputs must be finite)", what, row, col, v)
}

// finiteChunk is the number of elements one goroutine checks at a time.
const finiteChunk = 1 << 16

// firstNonFinite returns the index of the first NaN or ±Inf in x, or -1:
// those are the values whose exponent bits are all ones.
func firstNonFinite(x []float32) int {
	const exp = 0x7f800000
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		a, b := math.Float32bits(v[0])&exp, math.Float32bits(v[1])&exp
		c, d := math.Float32bits(v[2])&exp, math.Float32bits(v[3])&exp
		if max(a, b, c, d) == exp {
			break
		}
	}
	for ; i < len(x); i++ {
		if math.Float32bits(x[i])&exp == exp {
			return i
		}
	}
	return -1
}

// Result is the answer to a Problem. Index and Score hold N*K entries, row i
// at [i*K, (i+1)*K), best first; equal scores keep the lower index first.
// Logits holds N*C scores when WantLogits was set, else nil.
type Result struct {
	Index  []int32
	Score  []float32
	Logits []float32
}

// newResult allocates a Result for p.
func newResult(p *Problem) *Result {
	r := &Result{Index: make([]int32, p.N*p.K), Score: make([]float32, p.N*p.K)}
	if p.WantLogits {
		r.Logits = make([]float32, p.N*p.C)
	}
	return r
}

// Scorer computes Results. Implementations are safe for concurrent use.
type Scorer interface {
	// Name is the registry name, with the dtype appended when it is not
	// fp32 ("cuda-fused/fp16").
	Name() string
	// Score validates p and computes its Result. It returns ctx.Err() when
	// ctx is cancelled (checked between blocks of work).
	Score(ctx context.Context, p *Problem) (*Result, error)
}

// ErrCUDANotBuilt is returned when a CUDA implementation is requested from
// a build without -tags cuda.
var ErrCUDANotBuilt = errors.New("CUDA kernels not built: rebuild with -tags cuda")

// Into is implemented by Scorers that can write into buffers the caller
// owns, to avoid allocating per call. res must have the lengths Score would
// give it (N*K, N*K, and N*C logits or nil).
type Into interface {
	ScoreInto(ctx context.Context, p *Problem, res *Result) error
}

// KLimited is implemented by Scorers that keep at most MaxK scores per row
// (the CUDA kernels keep the top k in registers).
type KLimited interface {
	MaxK() int
}

// ScoreInto computes p's Result into res, through Into when s implements it
// and by copying otherwise.
func ScoreInto(ctx context.Context, s Scorer, p *Problem, res *Result) error {
	if err := checkResult(p, res); err != nil {
		return err
	}
	if in, ok := s.(Into); ok {
		return in.ScoreInto(ctx, p, res)
	}
	r, err := s.Score(ctx, p)
	if err != nil {
		return err
	}
	copy(res.Index, r.Index)
	copy(res.Score, r.Score)
	copy(res.Logits, r.Logits)
	return nil
}

// checkResult checks that res has room for p's answer.
func checkResult(p *Problem, res *Result) error {
	nk := p.N * p.K
	switch {
	case res == nil:
		return errors.New("kernels: nil Result")
	case len(res.Index) != nk || len(res.Score) != nk:
		return fmt.Errorf("kernels: Result has %d indices and %d scores, want N*K = %d", len(res.Index), len(res.Score), nk)
	case p.WantLogits && len(res.Logits) != p.N*p.C:
		return fmt.Errorf("kernels: Result has %d logits, want N*C = %d", len(res.Logits), p.N*p.C)
	}
	return nil
}

// scorer adapts a function that fills a Result to Scorer and Into; it
// validates the Problem and the Result before calling run.
type scorer struct {
	name string
	maxK int // 0: no limit
	// ownFiniteCheck says run rejects non-finite inputs itself, with the
	// errors Validate would give, so check need not scan them first.
	ownFiniteCheck bool
	run            func(ctx context.Context, p *Problem, res *Result) error
}

func (s *scorer) Name() string { return s.name }

// MaxK is the largest K the implementation keeps (0: any K up to C).
func (s *scorer) MaxK() int { return s.maxK }

func (s *scorer) check(p *Problem) error {
	validate := p.Validate
	if s.ownFiniteCheck {
		validate = p.validateSizes
	}
	if err := validate(); err != nil {
		return err
	}
	if s.maxK > 0 && p.K > s.maxK {
		return fmt.Errorf("kernels: %s keeps at most %d scores per row, K = %d", s.name, s.maxK, p.K)
	}
	return nil
}

func (s *scorer) Score(ctx context.Context, p *Problem) (*Result, error) {
	if err := s.check(p); err != nil {
		return nil, err
	}
	res := newResult(p)
	if err := s.run(ctx, p, res); err != nil {
		return nil, err
	}
	return res, nil
}

func (s *scorer) ScoreInto(ctx context.Context, p *Problem, res *Result) error {
	if err := s.check(p); err != nil {
		return err
	}
	if err := checkResult(p, res); err != nil {
		return err
	}
	return s.run(ctx, p, res)
}
