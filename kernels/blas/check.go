//go:build cgo && !noopenblas

package blas

import gblas "gonum.org/v1/gonum/blas"

// Panic messages, identical to gonum's so that callers see the same
// behaviour whichever implementation runs.
const (
	badTranspose = "blas: illegal transpose"
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	zeroIncX     = "blas: zero x index increment"
	zeroIncY     = "blas: zero y index increment"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
	shortX       = "blas: insufficient length of x"
	shortY       = "blas: insufficient length of y"
)

func transposed(t gblas.Transpose) bool {
	switch t {
	case gblas.NoTrans:
		return false
	case gblas.Trans, gblas.ConjTrans:
		return true
	}
	panic(badTranspose)
}

// checkGemm validates Xgemm arguments the way gonum does and reports whether
// there is any work (m and n both positive).
func checkGemm(tA, tB gblas.Transpose, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) bool {
	aT, bT := transposed(tA), transposed(tB)
	switch {
	case m < 0:
		panic(mLT0)
	case n < 0:
		panic(nLT0)
	case k < 0:
		panic(kLT0)
	}
	if (aT && lda < max(1, m)) || (!aT && lda < max(1, k)) {
		panic(badLdA)
	}
	if (bT && ldb < max(1, k)) || (!bT && ldb < max(1, n)) {
		panic(badLdB)
	}
	if ldc < max(1, n) {
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return false
	}
	if (aT && lenA < (k-1)*lda+m) || (!aT && lenA < (m-1)*lda+k) {
		panic(shortA)
	}
	if (bT && lenB < (n-1)*ldb+k) || (!bT && lenB < (k-1)*ldb+n) {
		panic(shortB)
	}
	if lenC < (m-1)*ldc+n {
		panic(shortC)
	}
	return true
}

// checkGemv validates Xgemv arguments the way gonum does and reports whether
// there is any work.
func checkGemv(tA gblas.Transpose, m, n, lenA, lda, lenX, incX, lenY, incY int, alphaZero, betaOne bool) bool {
	aT := transposed(tA)
	switch {
	case m < 0:
		panic(mLT0)
	case n < 0:
		panic(nLT0)
	case lda < max(1, n):
		panic(badLdA)
	case incX == 0:
		panic(zeroIncX)
	case incY == 0:
		panic(zeroIncY)
	}
	if m == 0 || n == 0 {
		return false
	}
	nx, ny := n, m
	if aT {
		nx, ny = m, n
	}
	if (incX > 0 && lenX <= (nx-1)*incX) || (incX < 0 && lenX <= (1-nx)*incX) {
		panic(shortX)
	}
	if (incY > 0 && lenY <= (ny-1)*incY) || (incY < 0 && lenY <= (1-ny)*incY) {
		panic(shortY)
	}
	if lenA < lda*(m-1)+n {
		panic(shortA)
	}
	return !(alphaZero && betaOne)
}
