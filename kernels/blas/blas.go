package blas

import (
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sys/cpu"
	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation satisfies gonum's blas.Float32 and blas.Float64. Sgemm,
// Dgemm, Sgemv and Dgemv run in OpenBLAS when the build links it; all other
// routines are gonum's. Arguments are checked exactly as gonum checks them,
// with the same panic messages, before any C code runs.
type Implementation struct {
	gonum.Implementation
}

var (
	_ gblas.Float32 = Implementation{}
	_ gblas.Float64 = Implementation{}
)

// Use registers Implementation with gonum's blas32.Use and blas64.Use, so
// that blas32.Gemm, blas64.Gemm and gonum/mat use it. It is safe to call more
// than once.
func Use() {
	blas32.Use(Implementation{})
	blas64.Use(Implementation{})
}

// Backend describes the implementation behind Sgemm and Dgemm, such as
// "openblas 0.3.21 Haswell (4 threads)" or "gonum (pure Go)".
func Backend() string { return backend() }

// OpenBLAS reports whether Sgemm and Dgemm run in OpenBLAS in this build.
func OpenBLAS() bool { return haveOpenBLAS }

// CoreWarning returns a warning when OpenBLAS selected its slow "Prescott"
// kernels on a CPU that has AVX2 (a virtual CPU whose model OpenBLAS did not
// recognise), saying how to set OPENBLAS_CORETYPE; otherwise "".
func CoreWarning() string {
	return coreWarning(coreName(), cpu.X86.HasAVX2, cpu.X86.HasAVX512F)
}

func coreWarning(core string, avx2, avx512 bool) string {
	if !strings.EqualFold(core, "prescott") || !avx2 {
		return ""
	}
	want := "Haswell"
	if avx512 {
		want = "SkylakeX"
	}
	return fmt.Sprintf("OpenBLAS detected this CPU as %q and uses its slow SSE3 kernels although the CPU has AVX2; "+
		"set OPENBLAS_CORETYPE=%s in the environment before starting the program (GEMM is typically 3-10x faster)", core, want)
}

// serial counts the callers inside Serial; serialPrev is OpenBLAS's thread
// count before the first of them.
var (
	serialMu   sync.Mutex
	serial     int
	serialPrev int
)

// Serial makes every Sgemm and Dgemm run on its calling thread until the
// returned function has been called (by every caller of Serial, which may
// nest and overlap), and returns OpenBLAS to its earlier thread count then.
// It is for callers that run GEMMs from several goroutines at once: each
// call then uses one core, and OpenBLAS's own threads do not spin for work
// while the callers run Go code between GEMMs. Other goroutines' GEMMs in
// the meantime also run single-threaded; the pure-Go build is unaffected.
func Serial() (restore func()) {
	serialMu.Lock()
	if serial == 0 {
		serialPrev = getThreads()
		if serialPrev > 1 {
			setThreads(1)
		}
	}
	serial++
	serialMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			serialMu.Lock()
			serial--
			if serial == 0 && serialPrev > 1 {
				setThreads(serialPrev)
			}
			serialMu.Unlock()
		})
	}
}
