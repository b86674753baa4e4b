// The warp-wide PTX instructions of the tensor-core kernels as emulator
// collectives: ldmatrix.x4 and mma.sync (m16n8k16 fp16/bf16, m16n8k8
// tf32), each following the fragment layouts of the PTX ISA. Included by
// emu_ptx.h (and, before a namespaced variant build, by its .cc file).
#pragma once

#include <stdint.h>
#include <string.h>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "emu_runtime.h"

namespace emu {

inline float f32_of(uint32_t x) {
    float f;
    memcpy(&f, &x, 4);
    return f;
}
inline uint32_t bits_of(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    return x;
}

// ldmatrix_op: ldmatrix.sync.aligned.m8n8.x4.shared.b16. Lanes 8i..8i+7
// give the row addresses of matrix i (word 0); lane l receives, for each
// matrix i, the 32 bits at columns 2(l%4), 2(l%4)+1 of row l/4.
inline void ldmatrix_op(const uint32_t (*in)[kInWords], uint32_t (*out)[kOutWords], const bool*) {
    for (int l = 0; l < 32; ++l)
        for (int i = 0; i < 4; ++i) {
            const uint32_t row = in[8 * i + l / 4][0];
            if (row & 15) fail("ldmatrix row address %u is not 16-byte aligned", row);
            memcpy(&out[l][i], sptr(row + 4 * (l % 4), 4), 4);
        }
}

// mma_d finishes an m16n8kK product: lane l's words 6-9 hold its C
// fragment (element f is row g + 8(f/2), column 2t + f%2, g = l/4, t =
// l%4), and its outputs get D = A B + C in the same layout, accumulated in
// double and rounded once.
template <int K>
inline void mma_d(const float (&A)[16][K], const float (&B)[K][8], const uint32_t (*in)[kInWords], uint32_t (*out)[kOutWords]) {
    for (int l = 0; l < 32; ++l) {
        const int g = l / 4, t = l % 4;
        for (int f = 0; f < 4; ++f) {
            const int i = g + 8 * (f / 2), j = 2 * t + f % 2;
            double acc = f32_of(in[l][6 + f]);
            for (int k = 0; k < K; ++k) acc += (double)A[i][k] * (double)B[k][j];
            out[l][f] = bits_of((float)acc);
        }
    }
}

inline float h2f(uint16_t h) { return __half2float(__half{h}); }
inline float b2f(uint16_t h) { return __bfloat162float(__nv_bfloat16{h}); }

// mma16_op: mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}. Lane inputs:
// words 0-3 the A registers, 4-5 the B registers, 6-9 C; outputs D. With
// g = lane/4 and t = lane%4: A register r holds row g + 8(r%2), columns
// 2t + 8(r/2) + {0,1}; B register r holds rows 2t + 8r + {0,1} of column
// g; C and D as in mma_d.
template <float (*cvt)(uint16_t)>
inline void mma16_op(const uint32_t (*in)[kInWords], uint32_t (*out)[kOutWords], const bool*) {
    float A[16][16], B[16][8];
    for (int l = 0; l < 32; ++l) {
        const int g = l / 4, t = l % 4;
        for (int r = 0; r < 4; ++r)
            for (int h = 0; h < 2; ++h) A[g + 8 * (r % 2)][2 * t + 8 * (r / 2) + h] = cvt((uint16_t)(in[l][r] >> (16 * h)));
        for (int r = 0; r < 2; ++r)
            for (int h = 0; h < 2; ++h) B[2 * t + 8 * r + h][g] = cvt((uint16_t)(in[l][4 + r] >> (16 * h)));
    }
    mma_d(A, B, in, out);
}

// tf32_value reads a .tf32 operand: the device ignores the low 13 bits.
inline float tf32_value(uint32_t x) { return f32_of(x & 0xffffe000u); }

// mma_tf32_op: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32. A
// register r holds row g + 8(r%2), column t + 4(r/2); B register r holds
// row t + 4r of column g; C/D as for m16n8k16.
inline void mma_tf32_op(const uint32_t (*in)[kInWords], uint32_t (*out)[kOutWords], const bool*) {
    float A[16][8], B[8][8];
    for (int l = 0; l < 32; ++l) {
        const int g = l / 4, t = l % 4;
        for (int r = 0; r < 4; ++r) A[g + 8 * (r % 2)][t + 4 * (r / 2)] = tf32_value(in[l][r]);
        for (int r = 0; r < 2; ++r) B[t + 4 * r][g] = tf32_value(in[l][4 + r]);
    }
    mma_d(A, B, in, out);
}

inline void mma_call(WarpOp op, float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    uint32_t in[10] = {a[0], a[1], a[2], a[3], b0, b1, bits_of(d[0]), bits_of(d[1]), bits_of(d[2]), bits_of(d[3])};
    uint32_t out[4];
    collective(op, in, 10, out, 4);
    for (int f = 0; f < 4; ++f) d[f] = f32_of(out[f]);
}

}  // namespace emu
