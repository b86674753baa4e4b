// Package blas provides gonum's blas.Float32 and blas.Float64 interfaces
// backed by OpenBLAS where the build allows it.
//
// Data flow: callers (the linear probe, the kernels package) hand row-major
// float32 or float64 matrices to gonum's blas32/blas64 helpers or to an
// Implementation directly; Sgemm, Dgemm, Sgemv and Dgemv go to OpenBLAS's
// CBLAS entry points through cgo (Debian package libopenblas-dev, linked as
// -lopenblas), every other routine to gonum's pure-Go implementation, which
// Implementation embeds. Results are written into the caller's slices.
//
// Builds without cgo (CGO_ENABLED=0), or with the build tag noopenblas, use
// the embedded gonum implementation alone; Backend says which one is in use.
//
// Call Use once at start-up to make blas32.Gemm and blas64.Gemm (and every
// gonum/mat operation built on them) use this implementation.
//
// OpenBLAS picks its compute kernels from the CPU it detects when the
// library loads. Some virtual machines hide the CPU model, and OpenBLAS then
// falls back to its "Prescott" (SSE3) kernels, 3-10x slower than the AVX2 or
// AVX-512 ones. CoreWarning detects that case; the fix is to set the
// environment variable OPENBLAS_CORETYPE (Haswell for AVX2 machines,
// SkylakeX for AVX-512 ones) before the program starts.
package blas
