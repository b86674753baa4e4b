//go:build cudaemu && cgo

// kernels/cuda/mma.cu built for the host emulator.
#include "emu_device.h"

#include "../../cuda/mma.cu"

EMU_KERNEL(gemm_mma_f16)
EMU_KERNEL(gemm_mma_bf16)
EMU_KERNEL(gemm_mma_tf32)
EMU_KERNEL(fused_mma_f16_k8)
EMU_KERNEL(fused_mma_f16_k16)
EMU_KERNEL(fused_mma_bf16_k8)
EMU_KERNEL(fused_mma_bf16_k16)
EMU_KERNEL(fused_mma_tf32_k8)
EMU_KERNEL(fused_mma_tf32_k16)
