//go:build cudaemu && cgo

// kernels/cuda/simt.cu built for the host emulator.
#include "emu_device.h"

#include "../../cuda/simt.cu"

EMU_KERNEL(gemm_naive_f32)
EMU_KERNEL(gemm_tiled_f32)
EMU_KERNEL(fused_tiled_f32_k8)
EMU_KERNEL(fused_tiled_f32_k16)
