// Package kernels scores image embeddings against class or text embeddings
// and keeps the top k per image: the "normalize, multiply, keep the top k"
// step of zero-shot classification and retrieval.
//
// Data flow:
//
//  1. A caller (the zero-shot task, retrieval, the kernel timing suite)
//     fills a Problem: N query rows (images) and C key rows (class weights or
//     texts) of width D, float32, row-major, with K, optional L2
//     normalisation and a logit scale.
//  2. A Scorer from the registry (Reference, CPU, Lookup by name; CUDA
//     implementations when built with -tags cuda) computes
//     Scale * <q̂_i, k̂_j> for every pair and keeps, per row, the K best
//     (ties: lower index first); the full N×C logits only when asked.
//  3. The Result goes back to the caller; the timing harness (Measure) also
//     turns repeated runs into milliseconds, GFLOP/s, GB/s and the fraction
//     of the device's measured peak; [Plan] expands implementation names
//     ("all"), shapes and dtypes into measurements. The kernels task of
//     package suites/tasks turns them into "kernel" records: this package
//     imports nothing of the suite runner or the reports.
//
// Reference is the specification, in float64: every other implementation is
// tested against it (package kernels/kerneltest) on fresh random inputs with
// poisoned outputs. CPU is the fast float32 path: OpenBLAS SGEMM (package
// kernels/blas; gonum's pure Go without cgo) over row and column blocks, with
// a streaming per-row top-k so the full logits never exist.
//
// The CUDA implementations (cuda-naive, cuda-tiled, cuda-mma, cuda-fused)
// are CUDA C in kernels/cuda/*.cu, compiled to PTX by `make ptx` (nvcc,
// -arch=compute_80) and committed under kernels/cuda/ptx, embedded with
// go:embed and launched through gorgonia.org/cu (the driver API, on one
// pinned OS thread; package kernels/internal/cudrv). They exist only in
// builds with -tags cuda; elsewhere looking them up fails with "CUDA
// kernels not built: rebuild with -tags cuda". Builds with -tags cudaemu
// launch the same CUDA C, compiled for the CPU, on cudrv's host emulator of
// the CUDA execution model: that is how the CUDA path is tested without a
// GPU. EVALCLIP_PTX_DIR names a folder whose .ptx files replace the
// embedded ones (for PTX from a newer nvcc) without rebuilding.
package kernels
