//go:build cudaemu && cgo

// kernels/cuda/mma.cu built with -DFUSED_MMA_BN=64 (the variant the GPU
// check times) for the host emulator, in its own namespace and with its
// kernels renamed bn64_*; EVALCLIP_EMU_VARIANT=bn64 makes launches of the
// fused kernels run these.
#include "emu_device.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "../../cuda/common.cuh"
#include "emu_warp_ops.h"

#define FUSED_MMA_BN 64
#define gemm_mma_f16 bn64_gemm_mma_f16
#define gemm_mma_bf16 bn64_gemm_mma_bf16
#define gemm_mma_tf32 bn64_gemm_mma_tf32
#define fused_mma_f16_k8 bn64_fused_mma_f16_k8
#define fused_mma_f16_k16 bn64_fused_mma_f16_k16
#define fused_mma_bf16_k8 bn64_fused_mma_bf16_k8
#define fused_mma_bf16_k16 bn64_fused_mma_bf16_k16
#define fused_mma_tf32_k8 bn64_fused_mma_tf32_k8
#define fused_mma_tf32_k16 bn64_fused_mma_tf32_k16

namespace bn64 {
#include "../../cuda/mma.cu"
}  // namespace bn64
using namespace bn64;

EMU_KERNEL(bn64_fused_mma_f16_k8)
EMU_KERNEL(bn64_fused_mma_f16_k16)
EMU_KERNEL(bn64_fused_mma_bf16_k8)
EMU_KERNEL(bn64_fused_mma_bf16_k16)
EMU_KERNEL(bn64_fused_mma_tf32_k8)
EMU_KERNEL(bn64_fused_mma_tf32_k16)
