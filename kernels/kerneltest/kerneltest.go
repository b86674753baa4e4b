package kerneltest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evalclip/evalclip/kernels"
)

// poison values written into outputs before each run.
const poisonIndex = -7

var poisonScore = float32(math.NaN())

// Case is one random problem of the suite.
type Case struct {
	N, C, D, K int
	Normalize  bool
	Scale      float32
	WantLogits bool
	// Ties plants exact ties: a zero query row, a zero key row and
	// duplicated key rows.
	Ties bool
	// Extreme scales query row 1 by 1e20 and key row 1 by 1e-20, whose
	// squares leave float32's range (use with Normalize).
	Extreme bool
}

func (c Case) String() string {
	s := fmt.Sprintf("N=%d/C=%d/D=%d/K=%d/norm=%v/scale=%g/logits=%v/ties=%v",
		c.N, c.C, c.D, c.K, c.Normalize, c.Scale, c.WantLogits, c.Ties)
	if c.Extreme {
		s += "/extreme"
	}
	return s
}

// Cases is the suite's problem list: odd and round sizes, K from 1 to C,
// with and without normalisation, scales 1, 100 and -1 (which reverses the
// order), with and without logits. maxK > 0 caps K (for kernels that keep
// at most maxK per row).
func Cases(maxK int) []Case {
	cases := []Case{
		{N: 1, C: 1, D: 1, K: 1},
		{N: 3, C: 7, D: 5, K: 7, Normalize: true, WantLogits: true},
		{N: 17, C: 100, D: 64, K: 5, Normalize: true, Scale: 100},
		{N: 64, C: 1000, D: 512, K: 5, Normalize: true, Scale: 100, WantLogits: true},
		{N: 130, C: 129, D: 33, K: 16, Normalize: true, Ties: true},
		{N: 257, C: 300, D: 100, K: 10, Scale: -1, Ties: true, WantLogits: true},
		{N: 300, C: 2500, D: 40, K: 1, Normalize: true, Ties: true},
		{N: 5, C: 5000, D: 16, K: 16, Normalize: true, Scale: 100, Extreme: true, WantLogits: true},
		{N: 40, C: 50, D: 8, K: 50, Normalize: true, Ties: true},
		{N: 300, C: 1100, D: 24, K: 300},
	}
	if maxK <= 0 {
		return cases
	}
	var out []Case
	for _, c := range cases {
		if c.K > maxK {
			c.K = maxK
		}
		out = append(out, c)
	}
	return out
}

// Seed returns the suite's random seed: EVALCLIP_KERNELTEST_SEED when set,
// otherwise the clock.
func Seed(t testing.TB) uint64 {
	if s := os.Getenv("EVALCLIP_KERNELTEST_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("EVALCLIP_KERNELTEST_SEED=%q: %v", s, err)
		}
		return v
	}
	return uint64(time.Now().UnixNano())
}

// NewProblem draws a random problem for c: Gaussian entries, row norms
// varying over two orders of magnitude (so that normalisation matters).
func NewProblem(rng *rand.Rand, c Case) *kernels.Problem {
	p := &kernels.Problem{N: c.N, C: c.C, D: c.D, K: c.K, Normalize: c.Normalize, Scale: c.Scale, WantLogits: c.WantLogits}
	p.Queries = randRows(rng, c.N, c.D)
	p.Keys = randRows(rng, c.C, c.D)
	if c.Ties {
		clear(p.Queries[:c.D]) // query 0: every score is 0
		if c.C > 1 {
			clear(p.Keys[(c.C-1)*c.D:]) // the last key scores 0 everywhere
		}
		for j := 1; j+1 < c.C; j += 3 { // keys 2, 5, 8 ... copy their predecessors
			copy(p.Keys[(j+1)*c.D:(j+2)*c.D], p.Keys[j*c.D:(j+1)*c.D])
		}
	}
	if c.Extreme && c.N > 1 && c.C > 1 {
		for d := 0; d < c.D; d++ {
			p.Queries[c.D+d] *= 1e20
			p.Keys[c.D+d] *= 1e-20
		}
	}
	return p
}

func randRows(rng *rand.Rand, rows, d int) []float32 {
	x := make([]float32, rows*d)
	for r := 0; r < rows; r++ {
		scale := math.Pow(10, rng.Float64()*2-1)
		for c := 0; c < d; c++ {
			x[r*d+c] = float32(rng.NormFloat64() * scale)
		}
	}
	return x
}

// Poisoned returns a Result for p whose every element is poison.
func Poisoned(p *kernels.Problem) *kernels.Result {
	res := &kernels.Result{Index: make([]int32, p.N*p.K), Score: make([]float32, p.N*p.K)}
	for i := range res.Index {
		res.Index[i], res.Score[i] = poisonIndex, poisonScore
	}
	if p.WantLogits {
		res.Logits = make([]float32, p.N*p.C)
		for i := range res.Logits {
			res.Logits[i] = poisonScore
		}
	}
	return res
}

// Compare is kernels.Compare.
func Compare(p *kernels.Problem, dt kernels.DType, ref, got *kernels.Result) (float64, error) {
	return kernels.Compare(p, dt, ref, got)
}

// maxK returns the Scorer's limit on K, 0 for none.
func maxK(s kernels.Scorer) int {
	if l, ok := s.(kernels.KLimited); ok {
		return l.MaxK()
	}
	return 0
}

// Run is the whole suite for s computing in dt: Correctness, BadInput and
// Cancel.
func Run(t *testing.T, s kernels.Scorer, dt kernels.DType) {
	t.Run("correctness", func(t *testing.T) { Correctness(t, s, dt) })
	t.Run("bad-input", func(t *testing.T) { BadInput(t, s) })
	t.Run("cancel", func(t *testing.T) { Cancel(t, s) })
}

// Correctness runs every Case on fresh random inputs, twice each into
// poisoned outputs (so results left from the first run cannot hide an
// unwritten element in the second), against the reference.
func Correctness(t *testing.T, s kernels.Scorer, dt kernels.DType) {
	seed := Seed(t)
	t.Logf("%s: seed %d (replay with EVALCLIP_KERNELTEST_SEED=%d)", s.Name(), seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x6b65726e656c73))
	ctx := context.Background()
	for _, c := range Cases(maxK(s)) {
		t.Run(c.String(), func(t *testing.T) {
			p := NewProblem(rng, c)
			rp := *p
			rp.WantLogits = true
			ref, err := kernels.Reference().Score(ctx, &rp)
			if err != nil {
				t.Fatalf("reference: %v", err)
			}
			for run := 0; run < 2; run++ {
				got := Poisoned(p)
				if err := kernels.ScoreInto(ctx, s, p, got); err != nil {
					t.Fatalf("%s: %v", s.Name(), err)
				}
				maxErr, err := Compare(p, dt, ref, got)
				if err != nil {
					t.Fatalf("%s run %d (seed %d):\n%v", s.Name(), run, seed, err)
				}
				if run == 0 {
					t.Logf("max abs error %.3g", maxErr)
				}
			}
			if c.Ties {
				// Query 0 is zero: every score is exactly 0 in any
				// precision, so the top K must be 0..K-1 in order.
				got, err := s.Score(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				for r := 0; r < p.K; r++ {
					if got.Index[r] != int32(r) || got.Score[r] != 0 {
						t.Fatalf("zero query row: rank %d = index %d score %g, want index %d score 0 (ties keep the lower index first)",
							r, got.Index[r], got.Score[r], r)
					}
				}
			}
		})
	}
}

// BadInput checks that s rejects malformed problems with errors that say
// what is wrong and where.
func BadInput(t *testing.T, s kernels.Scorer) {
	good := func() *kernels.Problem {
		return &kernels.Problem{Queries: make([]float32, 6), N: 2, Keys: make([]float32, 9), C: 3, D: 3, K: 2}
	}
	for _, c := range []struct {
		name   string
		modify func(p *kernels.Problem)
		want   string
	}{
		{"k=0", func(p *kernels.Problem) { p.K = 0 }, "K = 0 out of range 1..C (C = 3)"},
		{"k>c", func(p *kernels.Problem) { p.K = 4 }, "K = 4 out of range 1..C (C = 3)"},
		{"n<0", func(p *kernels.Problem) { p.N = -1 }, "N = -1"},
		{"c=0", func(p *kernels.Problem) { p.C = 0 }, "C = 0"},
		{"d=0", func(p *kernels.Problem) { p.D = 0 }, "D = 0"},
		{"short queries", func(p *kernels.Problem) { p.Queries = p.Queries[:5] }, "len(Queries) = 5, want N*D = 2*3 = 6"},
		{"long keys", func(p *kernels.Problem) { p.Keys = make([]float32, 10) }, "len(Keys) = 10, want C*D = 3*3 = 9"},
		{"nan query", func(p *kernels.Problem) { p.Queries[4] = float32(math.NaN()) }, "queries row 1, column 1: NaN"},
		{"inf key", func(p *kernels.Problem) { p.Keys[8] = float32(math.Inf(-1)) }, "keys row 2, column 2: -Inf"},
		{"nan scale", func(p *kernels.Problem) { p.Scale = float32(math.NaN()) }, "Scale = NaN"},
		{"normalised nan query", func(p *kernels.Problem) { p.Normalize = true; p.Queries[4] = float32(math.NaN()) }, "queries row 1, column 1: NaN"},
		{"normalised inf key", func(p *kernels.Problem) { p.Normalize = true; p.Keys[4] = float32(math.Inf(1)) }, "keys row 1, column 1: +Inf"},
	} {
		p := good()
		c.modify(p)
		_, err := s.Score(context.Background(), p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %s: error %v, want one containing %q", s.Name(), c.name, err, c.want)
		}
	}
	p := good()
	if err := kernels.ScoreInto(context.Background(), s, p, &kernels.Result{Index: make([]int32, 3), Score: make([]float32, 4)}); err == nil ||
		!strings.Contains(err.Error(), "want N*K = 4") {
		t.Errorf("%s: short result buffers: error %v, want one containing %q", s.Name(), err, "want N*K = 4")
	}
	if _, err := s.Score(context.Background(), good()); err != nil {
		t.Errorf("%s: valid problem: %v", s.Name(), err)
	}
}

// Cancel checks that a cancelled context stops s with ctx.Err().
func Cancel(t *testing.T, s kernels.Scorer) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := NewProblem(rand.New(rand.NewPCG(1, 1)), Case{N: 300, C: 200, D: 16, K: 3})
	if _, err := s.Score(ctx, p); !errors.Is(err, context.Canceled) {
		t.Errorf("%s with a cancelled context: error %v, want context.Canceled", s.Name(), err)
	}
}
