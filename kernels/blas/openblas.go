//go:build cgo && !noopenblas

package blas

/*
#cgo LDFLAGS: -lopenblas

// The CBLAS and OpenBLAS entry points used here, declared directly so that
// the build does not depend on which cblas.h the system's alternatives
// select. Enum arguments are passed as int (CblasRowMajor = 101,
// CblasNoTrans = 111, CblasTrans = 112), as the C ABI does.
void cblas_sgemm(int order, int transA, int transB, int m, int n, int k,
	float alpha, const float *a, int lda, const float *b, int ldb,
	float beta, float *c, int ldc);
void cblas_dgemm(int order, int transA, int transB, int m, int n, int k,
	double alpha, const double *a, int lda, const double *b, int ldb,
	double beta, double *c, int ldc);
void cblas_sgemv(int order, int transA, int m, int n,
	float alpha, const float *a, int lda, const float *x, int incX,
	float beta, float *y, int incY);
void cblas_dgemv(int order, int transA, int m, int n,
	double alpha, const double *a, int lda, const double *x, int incX,
	double beta, double *y, int incY);
char *openblas_get_config(void);
char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
*/
import "C"

import (
	"fmt"
	"math"
	"strings"

	gblas "gonum.org/v1/gonum/blas"
)

const haveOpenBLAS = true

const (
	cblasRowMajor = 101
	cblasNoTrans  = 111
	cblasTrans    = 112
)

func cTrans(t gblas.Transpose) C.int {
	if transposed(t) {
		return cblasTrans
	}
	return cblasNoTrans
}

// fitsInt32 reports whether every argument fits OpenBLAS's 32-bit integers.
func fitsInt32(v ...int) bool {
	for _, x := range v {
		if x > math.MaxInt32 || x < math.MinInt32 {
			return false
		}
	}
	return true
}

// Sgemm computes C = alpha * op(A) * op(B) + beta * C in OpenBLAS, where
// op(X) is X or Xᵀ as tA and tB say; A is m×k after op, B is k×n, C is m×n,
// all row-major. See gonum's Implementation.Sgemm for the full contract.
func (impl Implementation) Sgemm(tA, tB gblas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc) {
		return
	}
	if k == 0 || alpha == 0 || !fitsInt32(m, n, k, lda, ldb, ldc) {
		impl.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	C.cblas_sgemm(cblasRowMajor, cTrans(tA), cTrans(tB), C.int(m), C.int(n), C.int(k),
		C.float(alpha), (*C.float)(&a[0]), C.int(lda), (*C.float)(&b[0]), C.int(ldb),
		C.float(beta), (*C.float)(&c[0]), C.int(ldc))
}

// Dgemm computes C = alpha * op(A) * op(B) + beta * C in OpenBLAS; the
// float64 twin of Sgemm.
func (impl Implementation) Dgemm(tA, tB gblas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if !checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc) {
		return
	}
	if k == 0 || alpha == 0 || !fitsInt32(m, n, k, lda, ldb, ldc) {
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	C.cblas_dgemm(cblasRowMajor, cTrans(tA), cTrans(tB), C.int(m), C.int(n), C.int(k),
		C.double(alpha), (*C.double)(&a[0]), C.int(lda), (*C.double)(&b[0]), C.int(ldb),
		C.double(beta), (*C.double)(&c[0]), C.int(ldc))
}

// Sgemv computes y = alpha * op(A) * x + beta * y in OpenBLAS, where A is
// m×n row-major and op(A) is A or Aᵀ as tA says. Negative increments walk
// the vector backwards from its last element, as in reference BLAS.
func (impl Implementation) Sgemv(tA gblas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	if !checkGemv(tA, m, n, len(a), lda, len(x), incX, len(y), incY, alpha == 0, beta == 1) {
		return
	}
	if alpha == 0 || !fitsInt32(m, n, lda, incX, incY) {
		impl.Implementation.Sgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	C.cblas_sgemv(cblasRowMajor, cTrans(tA), C.int(m), C.int(n),
		C.float(alpha), (*C.float)(&a[0]), C.int(lda), (*C.float)(&x[0]), C.int(incX),
		C.float(beta), (*C.float)(&y[0]), C.int(incY))
}

// Dgemv computes y = alpha * op(A) * x + beta * y in OpenBLAS; the float64
// twin of Sgemv.
func (impl Implementation) Dgemv(tA gblas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	if !checkGemv(tA, m, n, len(a), lda, len(x), incX, len(y), incY, alpha == 0, beta == 1) {
		return
	}
	if alpha == 0 || !fitsInt32(m, n, lda, incX, incY) {
		impl.Implementation.Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	C.cblas_dgemv(cblasRowMajor, cTrans(tA), C.int(m), C.int(n),
		C.double(alpha), (*C.double)(&a[0]), C.int(lda), (*C.double)(&x[0]), C.int(incX),
		C.double(beta), (*C.double)(&y[0]), C.int(incY))
}

func coreName() string { return C.GoString(C.openblas_get_corename()) }

// backend reads "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ... SkylakeX
// MAX_THREADS=64" and reports "openblas 0.3.21 SkylakeX (2 threads)".
func backend() string {
	version := "?"
	if f := strings.Fields(C.GoString(C.openblas_get_config())); len(f) > 1 {
		version = f[1]
	}
	return fmt.Sprintf("openblas %s %s (%d threads)", version, coreName(), int(C.openblas_get_num_threads()))
}

func getThreads() int { return int(C.openblas_get_num_threads()) }

func setThreads(n int) { C.openblas_set_num_threads(C.int(n)) }
