// Package cuda holds the CUDA C of the similarity kernels (*.cu, *.cuh) and
// the PTX that `make ptx` compiles from it (ptx/, committed and embedded by
// package kernels). Source embeds the CUDA C so that builds compiling it
// for the host emulator (package kernels/internal/cudrv, -tags cudaemu)
// import it, which makes Go's build cache rebuild them when a kernel
// changes.
package cuda
