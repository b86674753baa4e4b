// The emulator's versions of the PTX instructions mma.cu issues through
// inline assembly: cvta to shared addresses, cp.async, ldmatrix.x4 and the
// warp-wide mma.sync shapes (m16n8k16 fp16/bf16, m16n8k8 tf32), each
// following the fragment layouts of the PTX ISA. mma.cu includes this file
// in place of its assembly when EVALCLIP_EMU is defined.
//
// No include guard: a variant build includes mma.cu, and so this file, a
// second time inside its own namespace.
#include "emu_warp_ops.h"

__device__ __forceinline__ uint32_t smem_addr(const void* p) { return ::emu::saddr(p); }

__device__ __forceinline__ void cp_async16(uint32_t dst, const void* src, bool ok) { ::emu::cp_async(dst, src, ok ? 16 : 0); }
__device__ __forceinline__ void cp_async_commit() { ::emu::cp_async_commit(); }
__device__ __forceinline__ void cp_async_wait1() { ::emu::cp_async_wait(1); }


__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t addr) {
    uint32_t in[1] = {addr};
    ::emu::collective(::emu::ldmatrix_op, in, 1, r, 4);
}

template <>
struct MmaOp<__half> {
    static void mma(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
        ::emu::mma_call(::emu::mma16_op<::emu::h2f>, d, a, b0, b1);
    }
};
template <>
struct MmaOp<__nv_bfloat16> {
    static void mma(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
        ::emu::mma_call(::emu::mma16_op<::emu::b2f>, d, a, b0, b1);
    }
};

// to_tf32 is cvt.rna.tf32.f32: round to the nearest value with 10
// mantissa bits, ties away from zero.
__device__ __forceinline__ uint32_t to_tf32(float x) {
    uint32_t b = ::emu::bits_of(x);
    if ((b & 0x7f800000u) == 0x7f800000u) return b;  // Inf and NaN pass
    return (b + 0x1000u) & 0xffffe000u;
}

__device__ __forceinline__ void mma_tf32(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    ::emu::mma_call(::emu::mma_tf32_op, d, a, b0, b1);
}
