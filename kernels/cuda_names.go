package kernels

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
