package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/blas/testblas"
)

// gonum's own conformance suites for the float64 routines.
func TestDgemm(t *testing.T) { testblas.TestDgemm(t, Implementation{}) }
func TestDgemv(t *testing.T) { testblas.DgemvTest(t, Implementation{}) }

var transposes = []gblas.Transpose{gblas.NoTrans, gblas.Trans, gblas.ConjTrans}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// TestSgemm compares Sgemm with gonum's pure-Go Sgemm over transposes,
// shapes (empty, tiny, odd, large enough for OpenBLAS's threading), padded
// leading dimensions and alpha/beta cases; beta = 0 must overwrite a C
// poisoned with NaN.
func TestSgemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{0, 3, 2}, {3, 0, 2}, {2, 3, 0}, {1, 1, 1}, {3, 5, 7}, {17, 33, 65}, {130, 70, 257}}
	for _, sh := range shapes {
		for _, tA := range transposes {
			for _, tB := range transposes {
				for _, ab := range [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.25}, {0, 2}} {
					m, n, k := sh[0], sh[1], sh[2]
					name := fmt.Sprintf("m=%d/n=%d/k=%d/tA=%c/tB=%c/alpha=%g/beta=%g", m, n, k, tA, tB, ab[0], ab[1])
					rowsA, colsA := m, k
					if tA != gblas.NoTrans {
						rowsA, colsA = k, m
					}
					rowsB, colsB := k, n
					if tB != gblas.NoTrans {
						rowsB, colsB = n, k
					}
					lda, ldb, ldc := colsA+2, colsB+1, n+3
					a := randSlice(rng, rowsA*lda)
					b := randSlice(rng, rowsB*ldb)
					c0 := randSlice(rng, m*ldc)
					if ab[1] == 0 {
						for i := range c0 {
							c0[i] = float32(math.NaN())
						}
					}
					want := append([]float32(nil), c0...)
					got := append([]float32(nil), c0...)
					gonum.Implementation{}.Sgemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
					Implementation{}.Sgemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], got, ldc)
					for i := range want {
						col := i % ldc
						if col >= n {
							// Padding between rows must be left alone.
							if !sameFloat(got[i], c0[i]) {
								t.Fatalf("%s: c[%d] (padding) changed from %v to %v", name, i, c0[i], got[i])
							}
							continue
						}
						tol := 1e-4 * float32(math.Sqrt(float64(k)+1))
						if !(math.Abs(float64(got[i]-want[i])) <= float64(tol)) {
							t.Fatalf("%s: c[%d] = %v, gonum gives %v", name, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

func sameFloat(a, b float32) bool {
	return a == b || (a != a && b != b)
}

// TestSgemv compares Sgemv with gonum's over transposes, shapes and
// positive and negative increments.
func TestSgemv(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range [][2]int{{0, 4}, {4, 0}, {1, 1}, {5, 3}, {40, 129}} {
		for _, tA := range transposes {
			for _, inc := range [][2]int{{1, 1}, {2, 3}, {-1, 1}, {3, -2}} {
				for _, ab := range [][2]float32{{1, 0}, {0.5, 2}, {0, 1}, {0, 3}} {
					m, n := sh[0], sh[1]
					name := fmt.Sprintf("m=%d/n=%d/tA=%c/inc=%v/alpha=%g/beta=%g", m, n, tA, inc, ab[0], ab[1])
					nx, ny := n, m
					if tA != gblas.NoTrans {
						nx, ny = m, n
					}
					lda := n + 1
					a := randSlice(rng, max(m*lda, 1))
					x := randSlice(rng, max(1, 1+(nx-1)*abs(inc[0])))
					y0 := randSlice(rng, max(1, 1+(ny-1)*abs(inc[1])))
					want := append([]float32(nil), y0...)
					got := append([]float32(nil), y0...)
					gonum.Implementation{}.Sgemv(tA, m, n, ab[0], a, lda, x, inc[0], ab[1], want, inc[1])
					Implementation{}.Sgemv(tA, m, n, ab[0], a, lda, x, inc[0], ab[1], got, inc[1])
					for i := range want {
						if math.Abs(float64(got[i]-want[i])) > 1e-4*math.Sqrt(float64(m+n)+1) {
							t.Fatalf("%s: y[%d] = %v, gonum gives %v", name, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// panicMessage runs f and returns what it panicked with, or "".
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// TestBadArguments checks that bad arguments panic with gonum's messages
// before any C code runs.
func TestBadArguments(t *testing.T) {
	s := make([]float32, 6)
	d := make([]float64, 6)
	type sgemmArgs struct {
		tA, tB        gblas.Transpose
		m, n, k       int
		lda, ldb, ldc int
		la, lb, lc    int
		want          string
	}
	cases := []sgemmArgs{
		{'X', gblas.NoTrans, 2, 2, 2, 2, 2, 2, 4, 4, 4, "blas: illegal transpose"},
		{gblas.NoTrans, 'X', 2, 2, 2, 2, 2, 2, 4, 4, 4, "blas: illegal transpose"},
		{gblas.NoTrans, gblas.NoTrans, -1, 2, 2, 2, 2, 2, 4, 4, 4, "blas: m < 0"},
		{gblas.NoTrans, gblas.NoTrans, 2, -1, 2, 2, 2, 2, 4, 4, 4, "blas: n < 0"},
		{gblas.NoTrans, gblas.NoTrans, 2, 2, -1, 2, 2, 2, 4, 4, 4, "blas: k < 0"},
		{gblas.NoTrans, gblas.NoTrans, 2, 2, 2, 1, 2, 2, 4, 4, 4, "blas: bad leading dimension of A"},
		{gblas.NoTrans, gblas.NoTrans, 2, 2, 2, 2, 1, 2, 4, 4, 4, "blas: bad leading dimension of B"},
		{gblas.NoTrans, gblas.NoTrans, 2, 2, 2, 2, 2, 1, 4, 4, 4, "blas: bad leading dimension of C"},
		{gblas.NoTrans, gblas.NoTrans, 2, 2, 2, 2, 2, 2, 3, 4, 4, "blas: insufficient length of a"},
		{gblas.NoTrans, gblas.Trans, 2, 2, 2, 2, 2, 2, 4, 3, 4, "blas: insufficient length of b"},
		{gblas.Trans, gblas.NoTrans, 2, 2, 2, 2, 2, 2, 4, 4, 3, "blas: insufficient length of c"},
	}
	for i, c := range cases {
		for _, impl := range []struct {
			name string
			gemm func()
		}{
			{"Sgemm", func() {
				Implementation{}.Sgemm(c.tA, c.tB, c.m, c.n, c.k, 1, s[:c.la], c.lda, s[:c.lb], c.ldb, 0, s[:c.lc], c.ldc)
			}},
			{"Dgemm", func() {
				Implementation{}.Dgemm(c.tA, c.tB, c.m, c.n, c.k, 1, d[:c.la], c.lda, d[:c.lb], c.ldb, 0, d[:c.lc], c.ldc)
			}},
			{"gonum Sgemm", func() {
				gonum.Implementation{}.Sgemm(c.tA, c.tB, c.m, c.n, c.k, 1, s[:c.la], c.lda, s[:c.lb], c.ldb, 0, s[:c.lc], c.ldc)
			}},
		} {
			if got := panicMessage(impl.gemm); got != c.want {
				t.Errorf("case %d: %s panicked with %q, want %q", i, impl.name, got, c.want)
			}
		}
	}
	gemvCases := []struct {
		tA                 gblas.Transpose
		m, n, lda          int
		lx, incX, ly, incY int
		want               string
	}{
		{'X', 2, 2, 2, 2, 1, 2, 1, "blas: illegal transpose"},
		{gblas.NoTrans, -1, 2, 2, 2, 1, 2, 1, "blas: m < 0"},
		{gblas.NoTrans, 2, -1, 2, 2, 1, 2, 1, "blas: n < 0"},
		{gblas.NoTrans, 2, 2, 1, 2, 1, 2, 1, "blas: bad leading dimension of A"},
		{gblas.NoTrans, 2, 2, 2, 2, 0, 2, 1, "blas: zero x index increment"},
		{gblas.NoTrans, 2, 2, 2, 2, 1, 2, 0, "blas: zero y index increment"},
		{gblas.NoTrans, 2, 3, 3, 2, 1, 2, 1, "blas: insufficient length of x"},
		{gblas.Trans, 2, 3, 3, 2, 1, 2, 1, "blas: insufficient length of y"},
		{gblas.NoTrans, 2, 2, 2, 2, -2, 2, 1, "blas: insufficient length of x"},
	}
	for i, c := range gemvCases {
		for _, impl := range []struct {
			name string
			gemv func()
		}{
			{"Sgemv", func() { Implementation{}.Sgemv(c.tA, c.m, c.n, 1, s, c.lda, s[:c.lx], c.incX, 0, s[:c.ly], c.incY) }},
			{"Dgemv", func() { Implementation{}.Dgemv(c.tA, c.m, c.n, 1, d, c.lda, d[:c.lx], c.incX, 0, d[:c.ly], c.incY) }},
			{"gonum Dgemv", func() {
				gonum.Implementation{}.Dgemv(c.tA, c.m, c.n, 1, d, c.lda, d[:c.lx], c.incX, 0, d[:c.ly], c.incY)
			}},
		} {
			if got := panicMessage(impl.gemv); got != c.want {
				t.Errorf("gemv case %d: %s panicked with %q, want %q", i, impl.name, got, c.want)
			}
		}
	}
}

func TestUse(t *testing.T) {
	Use()
	if _, ok := blas32.Implementation().(Implementation); !ok {
		t.Errorf("blas32.Implementation() = %T after Use", blas32.Implementation())
	}
	if _, ok := blas64.Implementation().(Implementation); !ok {
		t.Errorf("blas64.Implementation() = %T after Use", blas64.Implementation())
	}
	// blas32.Gemm now goes through Implementation.
	a := blas32.General{Rows: 2, Cols: 3, Stride: 3, Data: []float32{1, 2, 3, 4, 5, 6}}
	b := blas32.General{Rows: 3, Cols: 1, Stride: 1, Data: []float32{1, 0, -1}}
	c := blas32.General{Rows: 2, Cols: 1, Stride: 1, Data: []float32{7, 7}}
	blas32.Gemm(gblas.NoTrans, gblas.NoTrans, 1, a, b, 0, c)
	if c.Data[0] != -2 || c.Data[1] != -2 {
		t.Errorf("blas32.Gemm = %v, want [-2 -2]", c.Data)
	}
}

func TestBackend(t *testing.T) {
	b := Backend()
	t.Logf("backend: %s", b)
	if OpenBLAS() {
		if !strings.HasPrefix(b, "openblas ") || !strings.Contains(b, "threads)") {
			t.Errorf("Backend() = %q, want openblas VERSION CORE (N threads)", b)
		}
		if coreName() == "" {
			t.Error("OpenBLAS reports no core name")
		}
	} else if !strings.HasPrefix(b, "gonum (pure Go") {
		t.Errorf("Backend() = %q, want gonum (pure Go ...)", b)
	}
	if w := CoreWarning(); w != "" {
		t.Logf("core warning: %s", w)
	}
}

func TestCoreWarning(t *testing.T) {
	for _, c := range []struct {
		core         string
		avx2, avx512 bool
		want         string
	}{
		{"Prescott", true, false, "OPENBLAS_CORETYPE=Haswell"},
		{"PRESCOTT", true, true, "OPENBLAS_CORETYPE=SkylakeX"},
		{"Prescott", false, false, ""}, // an old CPU: Prescott is right
		{"Haswell", true, false, ""},
		{"", true, true, ""}, // pure-Go build
	} {
		got := coreWarning(c.core, c.avx2, c.avx512)
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("coreWarning(%q, avx2=%v, avx512=%v) = %q, want it to contain %q", c.core, c.avx2, c.avx512, got, c.want)
		}
	}
}

// TestSerialNestsAndRestores: OpenBLAS runs single-threaded while any
// caller holds Serial (calls nest and overlap, each restore counts once)
// and gets its thread count back after the last.
func TestSerialNestsAndRestores(t *testing.T) {
	before := getThreads()
	r1 := Serial()
	r2 := Serial()
	want1 := before
	if before > 1 {
		want1 = 1
	}
	if got := getThreads(); got != want1 {
		t.Fatalf("inside Serial: %d threads, want %d", got, want1)
	}
	r1()
	r1() // a second call of the same restore does nothing
	if got := getThreads(); got != want1 {
		t.Fatalf("one of two holders left: %d threads, want %d", got, want1)
	}
	r2()
	if got := getThreads(); got != before {
		t.Fatalf("after the last restore: %d threads, want %d as before", got, before)
	}
}
