//go:build cudaemu && cgo

// kernels/cuda/prep.cu built for the host emulator.
#include "emu_device.h"

#include "../../cuda/prep.cu"

EMU_KERNEL(convert_f32)
EMU_KERNEL(convert_f16)
EMU_KERNEL(convert_bf16)
EMU_KERNEL(row_scale_f32)
EMU_KERNEL(row_scale_f16)
EMU_KERNEL(row_scale_bf16)
EMU_KERNEL(topk_rows_k8)
EMU_KERNEL(topk_rows_k16)
EMU_KERNEL(topk_merge_k8)
EMU_KERNEL(topk_merge_k16)
EMU_KERNEL(copy_f4)
