//go:build !cgo || noopenblas

package blas

// Without cgo (or with the noopenblas tag) every routine, Sgemm and Dgemm
// included, is gonum's pure-Go implementation, promoted from the embedded
// gonum.Implementation.

const haveOpenBLAS = false

func coreName() string { return "" }

func backend() string {
	return "gonum (pure Go; rebuild with cgo and Debian's libopenblas-dev for OpenBLAS)"
}

// The pure-Go GEMMs spread over goroutines, which never spin: nothing to
// switch.
func getThreads() int { return 0 }

func setThreads(int) {}
