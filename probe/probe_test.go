package probe

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The fixtures and sklearn's numbers on them come from
// tools/fixtures/make_probe_fixtures.py (Debian python3-sklearn 1.2.1,
// LogisticRegression(solver="lbfgs", multi_class="multinomial",
// max_iter=1000)); the sweep reference is tools/fixtures/clip_sweep.py.

const fixtureClasses = 10

func loadFixture(t testing.TB, split string) Data {
	t.Helper()
	d, err := Load(filepath.Join("testdata", split+"_features.npy"), filepath.Join("testdata", split+"_labels.npy"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type sklearnReference struct {
	Version string `json:"sklearn_version"`
	Fixed   []struct {
		C                  float64 `json:"C"`
		Normalize          bool    `json:"normalize"`
		Acc1               float64 `json:"acc1"`
		Acc5               float64 `json:"acc5"`
		MeanPerClassRecall float64 `json:"mean_per_class_recall"`
	} `json:"fixed"`
	Sweep []struct {
		Normalize bool    `json:"normalize"`
		C         float64 `json:"C"`
		Exp       int     `json:"exp"`
		Acc1      float64 `json:"acc1"`
		Points    []struct {
			C       float64 `json:"C"`
			ValAcc1 float64 `json:"val_acc1"`
		} `json:"points"`
	} `json:"sweep"`
}

func loadReference(t *testing.T) sklearnReference {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sklearn_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref sklearnReference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Fixed) == 0 || len(ref.Sweep) == 0 {
		t.Fatal("sklearn_reference.json has no cases")
	}
	return ref
}

// parityTol is the bound: the same test accuracy within 0.2 points.
const parityTol = 0.002

func TestSklearnParityFixedC(t *testing.T) {
	ref := loadReference(t)
	train, test := loadFixture(t, "train"), loadFixture(t, "test")
	for _, c := range ref.Fixed {
		res, err := Evaluate(context.Background(), train, Data{}, test, fixtureClasses, Options{C: c.C, Normalize: c.Normalize})
		if err != nil {
			t.Fatal(err)
		}
		if res.C != c.C || len(res.Sweep) != 0 {
			t.Errorf("C=%g: result C %g, %d sweep points; want the fixed C and no sweep", c.C, res.C, len(res.Sweep))
		}
		for _, m := range []struct {
			name      string
			got, want float64
		}{{"acc1", res.Acc1, c.Acc1}, {"acc5", res.Acc5, c.Acc5}, {"mean_per_class_recall", res.MeanPerClassRecall, c.MeanPerClassRecall}} {
			if math.Abs(m.got-m.want) > parityTol {
				t.Errorf("C=%g normalize=%v: %s %.4f, sklearn %.4f", c.C, c.Normalize, m.name, m.got, m.want)
			}
		}
	}
}

func TestSklearnParitySweep(t *testing.T) {
	ref := loadReference(t)
	train, val, test := loadFixture(t, "train"), loadFixture(t, "val"), loadFixture(t, "test")
	for _, s := range ref.Sweep {
		res, err := Evaluate(context.Background(), train, val, test, fixtureClasses, Options{Normalize: s.Normalize})
		if err != nil {
			t.Fatal(err)
		}
		refAcc := map[float64]float64{}
		for _, p := range s.Points {
			refAcc[p.C] = p.ValAcc1
		}
		got := math.Round(math.Log10(res.C) * stepsPerDecade)
		switch {
		case got == float64(s.Exp):
			if math.Abs(res.Acc1-s.Acc1) > parityTol {
				t.Errorf("normalize=%v: test acc1 %.4f at C=%g, sklearn %.4f", s.Normalize, res.Acc1, res.C, s.Acc1)
			}
		case math.Abs(got-float64(s.Exp)) == 1:
			// One grid step away is fine when both tools score it the same.
			var ours float64
			for _, p := range res.Sweep {
				if p.C == res.C {
					ours = p.ValAcc1
				}
			}
			if ours != refAcc[s.C] {
				t.Errorf("normalize=%v: chose C=%g (val acc1 %.4f), sklearn C=%g (val acc1 %.4f)", s.Normalize, res.C, ours, s.C, refAcc[s.C])
			}
		default:
			t.Errorf("normalize=%v: chose C=%g, sklearn C=%g: more than one grid step apart", s.Normalize, res.C, s.C)
		}
		if len(res.Sweep) != len(s.Points) {
			t.Errorf("normalize=%v: %d C values tried, sklearn's sweep %d", s.Normalize, len(res.Sweep), len(s.Points))
		}
		for _, p := range res.Sweep {
			want, ok := refAcc[p.C]
			if !ok {
				// The same grid point, computed by Go's and Python's pow.
				for c, a := range refAcc {
					if math.Abs(c-p.C) <= 1e-12*c {
						want, ok = a, true
					}
				}
			}
			if !ok {
				t.Errorf("normalize=%v: C=%g tried, not in sklearn's sweep", s.Normalize, p.C)
			} else if math.Abs(p.ValAcc1-want) > 2.0/float64(val.N)+1e-12 {
				t.Errorf("normalize=%v: C=%g: val acc1 %.4f, sklearn %.4f", s.Normalize, p.C, p.ValAcc1, want)
			}
		}
	}
}

// randomData makes n samples of k Gaussian classes in d dimensions.
func randomData(seed uint64, n, d, k int, spread float64) Data {
	rng := rand.New(rand.NewPCG(seed, 1))
	centres := make([]float64, k*d)
	for i := range centres {
		centres[i] = spread * rng.NormFloat64()
	}
	out := Data{X: make([]float32, n*d), N: n, D: d, Y: make([]int32, n)}
	for i := range n {
		c := i % k
		out.Y[i] = int32(c)
		for j := range d {
			out.X[i*d+j] = float32(centres[c*d+j] + rng.NormFloat64())
		}
	}
	return out
}

// refObjective is the specification of objective.eval: plain float64 loops
// over samples, F = sum_i CE + ||W||^2/(2C).
func refObjective(d Data, scales []float32, k int, C float64, theta []float64) (float64, []float64) {
	kd := k * d.D
	grad := make([]float64, len(theta))
	f := 0.0
	z := make([]float64, k)
	for i := range d.N {
		s := 1.0
		if scales != nil {
			s = float64(scales[i])
		}
		m := math.Inf(-1)
		for c := range k {
			v := theta[kd+c]
			for j := range d.D {
				v += s * float64(d.X[i*d.D+j]) * theta[c*d.D+j]
			}
			z[c] = v
			m = math.Max(m, v)
		}
		sum := 0.0
		for _, v := range z {
			sum += math.Exp(v - m)
		}
		y := int(d.Y[i])
		f += m + math.Log(sum) - z[y]
		for c := range k {
			r := math.Exp(z[c]-m) / sum
			if c == y {
				r--
			}
			grad[kd+c] += r
			for j := range d.D {
				grad[c*d.D+j] += r * s * float64(d.X[i*d.D+j])
			}
		}
	}
	for j, v := range theta[:kd] {
		f += v * v / (2 * C)
		grad[j] += v / C
	}
	return f, grad
}

func TestObjectiveMatchesReference(t *testing.T) {
	const n, d, k, C = 700, 24, 7, 0.5
	data := randomData(3, n, d, k, 0.5)
	rng := rand.New(rand.NewPCG(9, 9))
	theta := make([]float64, k*d+k)
	for i := range theta {
		theta[i] = 0.3 * rng.NormFloat64()
	}
	scales := rowScales(data)
	// Subsets and concatenation: rows [0, 300) contiguous, then every
	// third row of the rest gathered, must equal the same rows copied.
	var idx []int
	for i := 300; i < n; i += 3 {
		idx = append(idx, i)
	}
	all := make([]int, 0, 300+len(idx))
	for i := range 300 {
		all = append(all, i)
	}
	all = append(all, idx...)
	copied := Take(data, all)
	copiedScales := rowScales(copied)
	for _, tc := range []struct {
		name   string
		r      rows
		ref    Data
		scales []float32
	}{
		{"raw", newRows(data, nil, nil), data, nil},
		{"normalized", newRows(data, nil, scales), data, scales},
		{"parts", concat(newRows(Take(data, all[:300]), nil, nil), newRows(data, idx, nil)), copied, nil},
		{"parts-normalized", concat(newRows(data, all[:300], scales), newRows(data, idx, scales)), copied, copiedScales},
	} {
		var f1 float64
		var g1 []float64
		for _, workers := range []int{1, 2, 3} {
			o := newObjective(tc.r, k, C, workers, 128) // several blocks per worker
			g := make([]float64, len(theta))
			f := o.eval(theta, g)
			// Lanes fix the order of every sum: the same bits whatever
			// the number of workers.
			if workers == 1 {
				f1, g1 = f, g
			} else if f != f1 || !slices.Equal(g, g1) {
				t.Errorf("%s: %d workers give F = %v, 1 worker %v (or a different gradient)", tc.name, workers, f, f1)
			}
			wantF, wantG := refObjective(tc.ref, tc.scales, k, C, theta)
			if math.Abs(f-wantF) > 1e-5*math.Abs(wantF) {
				t.Errorf("%s workers=%d: F = %.9g, reference %.9g", tc.name, workers, f, wantF)
			}
			gmax := infNorm(wantG)
			for i := range g {
				if math.Abs(g[i]-wantG[i]) > 1e-5*gmax {
					t.Errorf("%s workers=%d: gradient[%d] = %.9g, reference %.9g", tc.name, workers, i, g[i], wantG[i])
					break
				}
			}
		}
	}
}

func TestLBFGSRosenbrock(t *testing.T) {
	// Extended Rosenbrock in 10 dimensions: minimum 0 at (1, ..., 1).
	fg := func(x, g []float64) float64 {
		f := 0.0
		clear(g)
		for i := 0; i < len(x); i += 2 {
			a, b := 1-x[i], x[i+1]-x[i]*x[i]
			f += a*a + 100*b*b
			g[i] += -2*a - 400*x[i]*b
			g[i+1] += 200 * b
		}
		return f
	}
	x := make([]float64, 10)
	for i := range x {
		x[i] = -1.2
		if i%2 == 1 {
			x[i] = 1
		}
	}
	res, err := lbfgs(context.Background(), fg, x, 1000, 1e-8)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range x {
		if math.Abs(v-1) > 1e-5 {
			t.Fatalf("x[%d] = %v after %d iterations (%s), want 1", i, v, res.iters, res.reason)
		}
	}
	if !res.converged || res.iters > 200 {
		t.Errorf("converged=%v after %d iterations, %d evaluations (%s)", res.converged, res.iters, res.evals, res.reason)
	}
}

func TestLBFGSStopsAtMaxIter(t *testing.T) {
	fg := func(x, g []float64) float64 {
		a, b := 1-x[0], x[1]-x[0]*x[0]
		g[0], g[1] = -2*a-400*x[0]*b, 200*b
		return a*a + 100*b*b
	}
	res, err := lbfgs(context.Background(), fg, []float64{-1.2, 1}, 3, 1e-12)
	if err != nil {
		t.Fatal(err)
	}
	if res.iters != 3 || res.converged || res.reason != stopMaxIter {
		t.Errorf("got %+v, want 3 iterations and the iteration limit", res)
	}
}

func TestWarmStartAndDeterminism(t *testing.T) {
	train := randomData(5, 600, 16, 5, 0.4)
	ctx := context.Background()
	cold, err := Fit(ctx, train, 5, 1, nil, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Fit(ctx, train, 5, 1, nil, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range cold.W {
		if cold.W[i] != again.W[i] {
			t.Fatalf("two fits with the same workers differ at W[%d]: %v vs %v", i, cold.W[i], again.W[i])
		}
	}
	warm, err := Fit(ctx, train, 5, 1, cold, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if warm.Iterations > 3 {
		t.Errorf("refit from the solution took %d iterations (cold: %d)", warm.Iterations, cold.Iterations)
	}
	if math.Abs(warm.Objective-cold.Objective) > 1e-6*cold.Objective {
		t.Errorf("warm objective %v, cold %v", warm.Objective, cold.Objective)
	}
	other := &Model{NumClasses: 5, Dim: 17, W: make([]float64, 5*17), B: make([]float64, 5)}
	if _, err := Fit(ctx, train, 5, 1, other, Options{}); err == nil || !strings.Contains(err.Error(), "warm start") {
		t.Errorf("warm start with other classes: err = %v", err)
	}
}

func TestScoresAndTopK(t *testing.T) {
	var top [3]int32
	topK([]float32{0.5, 2, 2, -1, 3}, top[:])
	if top != [3]int32{4, 1, 2} {
		t.Errorf("topK = %v, want [4 1 2] (ties to the lower class)", top)
	}
	train, test := loadFixture(t, "train"), loadFixture(t, "test")
	m, err := Fit(context.Background(), train, fixtureClasses, 0.1, nil, Options{Normalize: true})
	if err != nil {
		t.Fatal(err)
	}
	scores := m.Scores(test.X, test.N)
	res, err := Evaluate(context.Background(), train, Data{}, test, fixtureClasses, Options{C: 0.1, Normalize: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range test.N {
		var best [1]int32
		topK(scores[i*fixtureClasses:(i+1)*fixtureClasses], best[:])
		if best[0] != res.Predictions[i] || res.Top5[i*5] != best[0] {
			t.Fatalf("sample %d: Scores argmax %d, Evaluate prediction %d", i, best[0], res.Predictions[i])
		}
	}
}

func TestEvaluateCarvedValidation(t *testing.T) {
	train, test := loadFixture(t, "train"), loadFixture(t, "test")
	opts := Options{Seed: 4, ValFraction: 0.25}
	a, err := Evaluate(context.Background(), train, Data{}, test, fixtureClasses, opts)
	if err != nil {
		t.Fatal(err)
	}
	if a.NVal != 150 || a.NTrain != 450 {
		t.Errorf("carved split: %d train, %d val; want 450 and 150 (25%% of 60 per class)", a.NTrain, a.NVal)
	}
	if len(a.Sweep) < 7 || a.C < 1e-6 || a.C > 1e6 {
		t.Errorf("sweep: C=%g after %d points", a.C, len(a.Sweep))
	}
	if a.Acc1 < 0.75 {
		t.Errorf("acc1 %.3f: the fixture's classes are learnable (sklearn's sweep on train/val: 0.856)", a.Acc1)
	}
	b, err := Evaluate(context.Background(), train, Data{}, test, fixtureClasses, opts)
	if err != nil {
		t.Fatal(err)
	}
	if a.C != b.C || a.Acc1 != b.Acc1 {
		t.Errorf("same seed, different results: C %g/%g acc1 %v/%v", a.C, b.C, a.Acc1, b.Acc1)
	}
}

// TestEvaluateSplitViews checks that a split given as row indices of train
// (views) gives exactly what copying those rows into train and val does.
func TestEvaluateSplitViews(t *testing.T) {
	train, test := loadFixture(t, "train"), loadFixture(t, "test")
	tr, va, err := StratifiedSplit(train.Y, fixtureClasses, 0.2, 9)
	if err != nil {
		t.Fatal(err)
	}
	gather := func(idx []int) Data {
		d := Data{N: len(idx), D: train.D, Y: make([]int32, len(idx))}
		for j, i := range idx {
			d.X = append(d.X, train.X[i*train.D:(i+1)*train.D]...)
			d.Y[j] = train.Y[i]
		}
		return d
	}
	opts := Options{Normalize: true}
	copied, err := Evaluate(context.Background(), gather(tr), gather(va), test, fixtureClasses, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Split = &[2][]int{tr, va}
	viewed, err := Evaluate(context.Background(), train, Data{}, test, fixtureClasses, opts)
	if err != nil {
		t.Fatal(err)
	}
	if copied.C != viewed.C || copied.Acc1 != viewed.Acc1 || !slices.Equal(copied.Top5, viewed.Top5) ||
		viewed.NTrain != len(tr) || viewed.NVal != len(va) || len(copied.Sweep) != len(viewed.Sweep) {
		t.Errorf("views: C %g acc1 %v n %d/%d; copies: C %g acc1 %v n %d/%d",
			viewed.C, viewed.Acc1, viewed.NTrain, viewed.NVal, copied.C, copied.Acc1, copied.NTrain, copied.NVal)
	}
	var oneClass, others []int
	for i, y := range train.Y {
		if y == train.Y[0] {
			oneClass = append(oneClass, i)
		} else {
			others = append(others, i)
		}
	}
	for _, c := range []struct {
		split [2][]int
		val   Data
		want  string
	}{
		{[2][]int{{0, 1}, {train.N}}, Data{}, "validation row 0 is 600, outside 0..599"},
		{[2][]int{tr, append([]int{tr[0]}, va...)}, Data{}, "is used twice"},
		{[2][]int{tr, nil}, Data{}, "no validation rows"},
		{[2][]int{oneClass, others[:1]}, Data{}, "split train rows"},
		{[2][]int{tr, va}, gather(va), "a split of train and validation data both given"},
	} {
		o := Options{Split: &c.split}
		_, err := Evaluate(context.Background(), train, c.val, test, fixtureClasses, o)
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("split %v...: error %v, want %q", c.want, err, c.want)
		}
	}
}

func TestStratifiedSplitAndFewShot(t *testing.T) {
	y := make([]int32, 0, 100)
	for c := range 4 {
		for range 10 + 5*c {
			y = append(y, int32(c))
		}
	}
	y = append(y, 4) // a class with one sample stays in train
	tr, va, err := StratifiedSplit(y, 5, 0.2, 1)
	if err != nil {
		t.Fatal(err)
	}
	vc := ClassCounts(take32(y, va), 5)
	if want := []int{2, 3, 4, 5, 0}; !equalInts(vc, want) {
		t.Errorf("validation counts per class %v, want %v", vc, want)
	}
	if len(tr)+len(va) != len(y) {
		t.Errorf("split loses samples: %d + %d != %d", len(tr), len(va), len(y))
	}
	tr2, va2, _ := StratifiedSplit(y, 5, 0.2, 1)
	if !equalInts(tr, tr2) || !equalInts(va, va2) {
		t.Error("same seed, different split")
	}
	if _, _, err := StratifiedSplit(y, 5, 1.5, 1); !errors.Is(err, ErrBadInput) {
		t.Errorf("fraction 1.5: err = %v", err)
	}

	ftr, fva, err := FewShot(y[:len(y)-1], 4, 4, 4, 7)
	if err != nil {
		t.Fatal(err)
	}
	if c := ClassCounts(take32(y, ftr), 4); !equalInts(c, []int{4, 4, 4, 4}) {
		t.Errorf("4-shot train counts %v", c)
	}
	if c := ClassCounts(take32(y, fva), 4); !equalInts(c, []int{4, 4, 4, 4}) {
		t.Errorf("4-shot validation counts %v", c)
	}
	seen := map[int]bool{}
	for _, i := range append(append([]int{}, ftr...), fva...) {
		if seen[i] {
			t.Fatalf("sample %d drawn twice", i)
		}
		seen[i] = true
	}
	_, _, err = FewShot(y[:len(y)-1], 4, 8, 4, 7)
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "class 0 has 10 training samples; k=8 shots plus 4 validation shots need 12") {
		t.Errorf("k larger than a class: err = %v", err)
	}
}

func take32(y []int32, idx []int) []int32 {
	out := make([]int32, len(idx))
	for j, i := range idx {
		out[j] = y[i]
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBadInput(t *testing.T) {
	train, test := loadFixture(t, "train"), loadFixture(t, "test")
	ctx := context.Background()
	clone := func(d Data) Data {
		return Data{X: append([]float32(nil), d.X...), N: d.N, D: d.D, Y: append([]int32(nil), d.Y...)}
	}
	nan := clone(train)
	nan.X[5*train.D+3] = float32(math.NaN())
	inf := clone(test)
	inf.X[7*test.D] = float32(math.Inf(-1))
	outOfRange := clone(test)
	outOfRange.Y[2] = 10
	noClass3 := clone(train)
	for i, y := range noClass3.Y {
		if y == 3 {
			noClass3.Y[i] = 2
		}
	}
	short := clone(train)
	short.Y = short.Y[:10]
	narrow := Data{X: make([]float32, 4*5), N: 4, D: 5, Y: []int32{0, 1, 2, 3}}
	for _, tc := range []struct {
		name        string
		train, test Data
		k           int
		opts        Options
		want        string
	}{
		{"NaN feature", nan, test, 10, Options{C: 1}, "train: sample 5: feature 3 is NaN"},
		{"Inf feature", train, inf, 10, Options{C: 1}, "test: sample 7: feature 0 is -Inf"},
		{"label out of range", train, outOfRange, 10, Options{C: 1}, "test: sample 2: label 10 out of range 0..9"},
		{"class absent from train", noClass3, test, 10, Options{C: 1}, "train: class 3 has no samples"},
		{"mismatched counts", short, test, 10, Options{C: 1}, "train: 600 feature rows but 10 labels"},
		{"feature dimension", train, narrow, 10, Options{C: 1}, "test has 5 features per sample, train has 32"},
		{"one class", train, test, 1, Options{C: 1}, "1 classes: a classifier needs at least 2"},
		{"negative C", train, test, 10, Options{C: -1}, "C = -1: want C > 0"},
		{"empty test", train, Data{D: 32}, 10, Options{C: 1}, "test 0: both must be non-empty"},
	} {
		_, err := Evaluate(ctx, tc.train, Data{}, tc.test, tc.k, tc.opts)
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrBadInput containing %q", tc.name, err, tc.want)
		}
	}
}

func TestCancel(t *testing.T) {
	train, test := loadFixture(t, "train"), loadFixture(t, "test")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Evaluate(ctx, train, Data{}, test, fixtureClasses, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}

// TestEvalMemoryIndependentOfN checks the memory plan: an evaluation
// allocates nothing of the size of N x K or N x D (no logits matrix, no
// copy of X, even for gathered subsets and normalised rows), only the
// goroutine bookkeeping of each block of rows (about 2 KiB, against the
// 80 KiB of one block's logits in float32).
func TestEvalMemoryIndependentOfN(t *testing.T) {
	const d, k = 16, 40
	perEval := func(n int) uint64 {
		data := randomData(8, n, d, k, 0.3)
		var idx []int
		for i := 0; i < n; i += 2 {
			idx = append(idx, i)
		}
		o := newObjective(concat(newRows(data, nil, rowScales(data)), newRows(data, idx, nil)), k, 1, 2, 512)
		theta := make([]float64, o.nparams())
		g := make([]float64, len(theta))
		o.eval(theta, g)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const evals = 5
		for range evals {
			o.eval(theta, g)
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / evals
	}
	for _, n := range []int{1024, 16384} {
		blocks := uint64(n/512 + n/2/512)
		if b := perEval(n); b > 4<<10*blocks {
			t.Errorf("N=%d: %d bytes allocated per evaluation (%d per block of 512 rows); want at most 4 KiB per block", n, b, b/blocks)
		}
	}
}

// TestSweepWorkersAgree runs the sweep sequentially (1 worker) and with the
// bisection pairs fitted concurrently (4 workers): sums are taken per fixed
// chunk of rows, so both give the same numbers.
func TestSweepWorkersAgree(t *testing.T) {
	train, val, test := loadFixture(t, "train"), loadFixture(t, "val"), loadFixture(t, "test")
	var runs []*Result
	for _, w := range []int{1, concurrentFitWorkers} {
		res, err := Evaluate(context.Background(), train, val, test, fixtureClasses, Options{Workers: w, Normalize: true})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, res)
	}
	a, b := runs[0], runs[1]
	if a.C != b.C || a.Acc1 != b.Acc1 || len(a.Sweep) != len(b.Sweep) {
		t.Fatalf("1 worker: C=%g acc1=%v %d points; %d workers: C=%g acc1=%v %d points",
			a.C, a.Acc1, len(a.Sweep), concurrentFitWorkers, b.C, b.Acc1, len(b.Sweep))
	}
	for i := range a.Sweep {
		if a.Sweep[i].C != b.Sweep[i].C || a.Sweep[i].ValAcc1 != b.Sweep[i].ValAcc1 || a.Sweep[i].Iterations != b.Sweep[i].Iterations {
			t.Errorf("point %d: %+v vs %+v", i, a.Sweep[i], b.Sweep[i])
		}
	}
}

func TestExpNonPos(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 2000000; i++ {
		x := -708 * float64(i) / 2000000
		got, want := expNonPos(x), math.Exp(x)
		worst = math.Max(worst, math.Abs(got-want)/want)
	}
	for _, x := range []float64{0, -1e-300, -0.0054152123, -0.34657359, -0.3465736, -1, -700, -707.9, -708} {
		got, want := expNonPos(x), math.Exp(x)
		if math.Abs(got-want) > 1e-15*want {
			t.Errorf("expNonPos(%v) = %v, want %v", x, got, want)
		}
	}
	if worst > 1e-15 {
		t.Errorf("largest relative error %.3g, want <= 1e-15", worst)
	}
}
