package kernels

import "context"

// PTXDirEnv names an environment variable: a folder whose .ptx files
// replace the embedded PTX modules of the same names (prep.ptx, simt.ptx,
// mma.ptx) when the CUDA kernels load, so that PTX from a newer nvcc (for
// example for sm_90a) can be tried without rebuilding evalclip.
const PTXDirEnv = "EVALCLIP_PTX_DIR"

// CUDADeviceEnv names an environment variable holding the ordinal of the
// GPU the CUDA kernels use (default 0).
const CUDADeviceEnv = "EVALCLIP_CUDA_DEVICE"

// cudaKind is one CUDA implementation.
type cudaKind struct {
	name    string
	summary string
	dtypes  []DType
}

// cudaKinds are the CUDA implementations, registered as unavailable in
// builds without -tags cuda.
var cudaKinds = []cudaKind{
	{"cuda-naive", "one thread per score, logits in device memory, then a warp-per-row top-k", []DType{FP32}},
	{"cuda-tiled", "shared-memory tiled float32 GEMM (128x128 tiles, 8x8 per thread) writing logits, then a warp-per-row top-k", []DType{FP32}},
	{"cuda-mma", "tensor-core GEMM (mma.sync, cp.async double buffering) writing logits, then a warp-per-row top-k", []DType{TF32, FP16, BF16}},
	{"cuda-fused", "normalise, GEMM and top-k in one kernel (tensor cores for tf32/fp16/bf16, CUDA cores for fp32); per-row top-k in registers, logits never written", []DType{FP32, TF32, FP16, BF16}},
}

// CUDAMaxK is the largest k the CUDA kernels keep per row.
const CUDAMaxK = 16

// DeviceProblem is a Problem whose inputs are already in GPU memory:
// Queries and Keys are device addresses of N×D and C×D float32 rows
// (row-major, no padding) valid in the device's primary CUDA context (the
// one the CUDA runtime, and so ONNX Runtime's CUDA provider, uses). Only the
// CUDA implementations accept it; inputs are not scanned for NaN or Inf.
type DeviceProblem struct {
	Queries, Keys uintptr
	N, C, D, K    int
	Normalize     bool
	Scale         float32
	WantLogits    bool
}

// shape returns a Problem with p's sizes and settings and no host data.
func (p *DeviceProblem) shape() *Problem {
	return &Problem{N: p.N, C: p.C, D: p.D, K: p.K, Normalize: p.Normalize, Scale: p.Scale, WantLogits: p.WantLogits}
}

// DeviceScorer is implemented by the CUDA Scorers: ScoreDevice is Score
// for a DeviceProblem, the Result (sized as for Score) filled on the host.
type DeviceScorer interface {
	Scorer
	ScoreDevice(ctx context.Context, p *DeviceProblem, res *Result) error
}

// DeviceBuffer is float32 data in GPU memory, allocated by ToDevice in the
// context the CUDA kernels use.
type DeviceBuffer struct {
	Ptr uintptr // device address
	Len int     // float32 elements
}

// ToDevice copies x into new GPU memory (builds with -tags cuda; others
// return ErrCUDANotBuilt). Free releases it.
func ToDevice(x []float32) (*DeviceBuffer, error) { return toDevice(x) }

// Free releases the buffer's GPU memory.
func (b *DeviceBuffer) Free() error { return freeDevice(b) }
