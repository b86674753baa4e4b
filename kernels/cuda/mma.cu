// Tensor-core kernels (mma.sync, sm_80 and newer): fp16 and bf16 inputs
// with m16n8k16, tf32 (float32 storage rounded inside the product) with
// m16n8k8, float32 accumulation. gemm_mma_* write the logits; fused_mma_*
// keep the top k per row (common.cuh) and never write them unless asked.
//
// Operands: Q [N][ld] and K [C][ld] row-major in the dtype (float32 for
// tf32), ld a multiple of 32 elements (zero padding past D); rowscale[N]
// and colscale[C] turn a dot product into a score.
//
// Block: 128xBN scores (BN = 128; the fused kernels take FUSED_MMA_BN, 128
// or 64), 256 threads = 8 warps as 2 (rows) x 4 (columns), a warp
// computing 64x(BN/4) = 4xNT mma tiles of 16x8 (NT = BN/32). K-steps of 64
// bytes per row (32 fp16/bf16 or 16 tf32 elements) are copied with
// cp.async into two shared-memory stages (rows padded to 80 bytes:
// conflict-free ldmatrix and fragment loads) so the copy of step s+1
// overlaps the products of step s.
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include "common.cuh"

#define MM_BN 128
#define MM_ROWB 80                      // bytes per shared-memory row (64 + 16 padding)
#define MM_TILEB (128 * MM_ROWB)        // the A tile of one stage

// The fused kernels' column tile: 128 (the committed PTX), or 64 with
// -DFUSED_MMA_BN=64 (half the accumulators, so that two blocks fit a
// multiprocessor), a variant the GPU check times.
#ifndef FUSED_MMA_BN
#define FUSED_MMA_BN 128
#endif

// MmSmem sizes the shared memory of a 128xBN block: two stages of the A
// tile and the BN-row B tile.
template <int BN>
struct MmSmem {
    static constexpr int stage = MM_TILEB + BN * MM_ROWB;
    static constexpr int bytes = 2 * stage;  // 40 KiB for BN = 128
};

// The PTX instructions the kernels issue, as inline assembly: shared-memory
// addresses, cp.async, ldmatrix, mma.sync, and the rounding to tf32. The
// host emulator (kernels/internal/cudrv) builds this file with its own
// versions of them, written from the PTX ISA's fragment layouts.
template <class T> struct MmaOp;

#ifdef EVALCLIP_EMU
#include "emu_ptx.h"
#else
__device__ __forceinline__ uint32_t smem_addr(const void* p) {
    return (uint32_t)__cvta_generic_to_shared(p);
}

__device__ __forceinline__ void cp_async16(uint32_t dst, const void* src, bool ok) {
    const int n = ok ? 16 : 0;  // 0: fill with zeros, read nothing
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(n));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
__device__ __forceinline__ void cp_async_wait1() { asm volatile("cp.async.wait_group 1;\n" ::); }

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr));
}

template <> struct MmaOp<__half> {
    static __device__ __forceinline__ void mma(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
    }
};
template <> struct MmaOp<__nv_bfloat16> {
    static __device__ __forceinline__ void mma(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
    }
};

__device__ __forceinline__ uint32_t to_tf32(float x) {
    uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(x));
    return r;
}

__device__ __forceinline__ void mma_tf32(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
#endif  // EVALCLIP_EMU

// load_stage copies the 64-byte k-slice at byte offset kb of 128 rows of A
// (from row0) and BN rows of B (from col0) into stage buffer st. Rows past
// the end are zero-filled. Each of the 256 threads moves two 16-byte chunks
// of A and BN/64 of B.
template <int BN>
__device__ __forceinline__ void load_stage(const char* A, const char* B, int N, int cend, size_t ldb,
                                           int row0, int col0, int kb, char* st) {
#pragma unroll
    for (int c = 0; c < 2; ++c) {
        const int chunk = threadIdx.x + c * 256;  // 0..511
        const int r = chunk >> 2, q = (chunk & 3) * 16;
        const int ra = row0 + r;
        cp_async16(smem_addr(st + r * MM_ROWB + q), A + (size_t)min(ra, N - 1) * ldb + kb + q, ra < N);
    }
#pragma unroll
    for (int c = 0; c < BN / 64; ++c) {
        const int chunk = threadIdx.x + c * 256;  // 0..4*BN-1
        const int r = chunk >> 2, q = (chunk & 3) * 16;
        const int rb = col0 + r;
        cp_async16(smem_addr(st + MM_TILEB + r * MM_ROWB + q), B + (size_t)min(rb, cend - 1) * ldb + kb + q, rb < cend);
    }
}

template <int NT>
struct MmaAcc {
    float c[4][NT][4];  // [m tile][n tile][fragment]
};

// compute_stage_16 runs the warp's 4xNT m16n8k16 products over the two
// k16 slices of a stage (fp16/bf16), fragments loaded with ldmatrix.
// ldmatrix.x4 lane addresses: A rows m0 + lane%16, k half lane/16; B rows
// n0 + lane%8 + (lane/16)*8 (two n tiles), k half (lane/8)%2.
template <class T, int NT>
__device__ __forceinline__ void compute_stage_16(const char* st, int wm, int wn, MmaAcc<NT>& acc) {
    const int lane = threadIdx.x & 31;
#pragma unroll
    for (int ks = 0; ks < 2; ++ks) {
        uint32_t a[4][4], b[NT][2];
#pragma unroll
        for (int mt = 0; mt < 4; ++mt) {
            const int r = wm * 64 + mt * 16 + (lane & 15);
            ldmatrix_x4(a[mt], smem_addr(st + r * MM_ROWB + ks * 32 + (lane >> 4) * 16));
        }
#pragma unroll
        for (int np = 0; np < NT / 2; ++np) {
            const int r = wn * NT * 8 + np * 16 + (lane & 7) + (lane >> 4) * 8;
            uint32_t t[4];
            ldmatrix_x4(t, smem_addr(st + MM_TILEB + r * MM_ROWB + ks * 32 + ((lane >> 3) & 1) * 16));
            b[2 * np][0] = t[0];
            b[2 * np][1] = t[1];
            b[2 * np + 1][0] = t[2];
            b[2 * np + 1][1] = t[3];
        }
#pragma unroll
        for (int mt = 0; mt < 4; ++mt)
#pragma unroll
            for (int nt = 0; nt < NT; ++nt) MmaOp<T>::mma(acc.c[mt][nt], a[mt], b[nt][0], b[nt][1]);
    }
}

// compute_stage_tf32 runs the warp's 4xNT m16n8k8 tf32 products over the
// two k8 slices of a stage. Fragments (g = lane/4, t = lane%4): A a0 =
// (g, t), a1 = (g+8, t), a2 = (g, t+4), a3 = (g+8, t+4); B b0 = (k t, n
// g), b1 = (k t+4, n g), read as 32-bit words from the padded rows.
template <int NT>
__device__ __forceinline__ void compute_stage_tf32(const char* st, int wm, int wn, MmaAcc<NT>& acc) {
    const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    const float* As = (const float*)st;
    const float* Bs = (const float*)(st + MM_TILEB);
    constexpr int RW = MM_ROWB / 4;  // words per row
#pragma unroll
    for (int ks = 0; ks < 2; ++ks) {
        uint32_t a[4][4], b[NT][2];
#pragma unroll
        for (int mt = 0; mt < 4; ++mt) {
            const float* p = As + (wm * 64 + mt * 16 + g) * RW + ks * 8 + t;
            a[mt][0] = to_tf32(p[0]);
            a[mt][1] = to_tf32(p[8 * RW]);
            a[mt][2] = to_tf32(p[4]);
            a[mt][3] = to_tf32(p[8 * RW + 4]);
        }
#pragma unroll
        for (int nt = 0; nt < NT; ++nt) {
            const float* p = Bs + (wn * NT * 8 + nt * 8 + g) * RW + ks * 8 + t;
            b[nt][0] = to_tf32(p[0]);
            b[nt][1] = to_tf32(p[4]);
        }
#pragma unroll
        for (int mt = 0; mt < 4; ++mt)
#pragma unroll
            for (int nt = 0; nt < NT; ++nt) mma_tf32(acc.c[mt][nt], a[mt], b[nt][0], b[nt][1]);
    }
}

template <class T, int NT>
struct ComputeStage {
    static __device__ __forceinline__ void run(const char* st, int wm, int wn, MmaAcc<NT>& acc) {
        compute_stage_16<T>(st, wm, wn, acc);
    }
};
template <int NT>
struct ComputeStage<float, NT> {
    static __device__ __forceinline__ void run(const char* st, int wm, int wn, MmaAcc<NT>& acc) {
        compute_stage_tf32(st, wm, wn, acc);
    }
};

// mma_tile computes the raw dot products of the block's 128xBN tile at
// (row0, col0) into the warp's accumulators (rows past N and columns past
// cend read as zero).
template <class T, int BN>
__device__ __forceinline__ void mma_tile(const T* Q, const T* K, int N, int cend, int ld,
                                         int row0, int col0, char* smem, MmaAcc<BN / 32>& acc) {
    constexpr int NT = BN / 32, STAGE = MmSmem<BN>::stage;
    const int warp = threadIdx.x >> 5, wm = warp >> 2, wn = warp & 3;
#pragma unroll
    for (int mt = 0; mt < 4; ++mt)
#pragma unroll
        for (int nt = 0; nt < NT; ++nt)
#pragma unroll
            for (int f = 0; f < 4; ++f) acc.c[mt][nt][f] = 0.f;
    const size_t ldb = (size_t)ld * sizeof(T);
    const int steps = (int)(ldb / 64);
    load_stage<BN>((const char*)Q, (const char*)K, N, cend, ldb, row0, col0, 0, smem);
    cp_async_commit();
    for (int s = 0; s < steps; ++s) {
        if (s + 1 < steps)
            load_stage<BN>((const char*)Q, (const char*)K, N, cend, ldb, row0, col0, (s + 1) * 64, smem + ((s + 1) & 1) * STAGE);
        cp_async_commit();
        cp_async_wait1();
        __syncthreads();
        ComputeStage<T, NT>::run(smem + (s & 1) * STAGE, wm, wn, acc);
        __syncthreads();
    }
}

// Accumulator fragment (g = lane/4, t = lane%4): c[f] is row g + 8*(f/2),
// column 2t + f%2 of its 16x8 tile.
__device__ __forceinline__ int mma_row(int mt, int f) {
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    return (warp >> 2) * 64 + mt * 16 + (lane >> 2) + 8 * (f >> 1);
}
template <int NT>
__device__ __forceinline__ int mma_col(int nt, int f) {
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    return (warp & 3) * NT * 8 + nt * 8 + 2 * (lane & 3) + (f & 1);
}

// mma_scale turns the tile's dot products into scores: times
// rowscale[row] * colscale[column]; columns at or past cend become -inf.
template <int NT>
__device__ __forceinline__ void mma_scale(MmaAcc<NT>& acc, int row0, int col0, int N, int cend,
                                          const float* rowscale, const float* colscale) {
    float rs[4][2];
#pragma unroll
    for (int mt = 0; mt < 4; ++mt)
#pragma unroll
        for (int hf = 0; hf < 2; ++hf) rs[mt][hf] = rowscale[min(row0 + mma_row(mt, 2 * hf), N - 1)];
#pragma unroll
    for (int nt = 0; nt < NT; ++nt)
#pragma unroll
        for (int f = 0; f < 4; ++f) {
            const int c = col0 + mma_col<NT>(nt, f);
            const float cs = c < cend ? colscale[c] : 0.f;
#pragma unroll
            for (int mt = 0; mt < 4; ++mt)
                acc.c[mt][nt][f] = c < cend ? acc.c[mt][nt][f] * cs * rs[mt][f >> 1] : NEG_INF;
        }
}

// mma_store_logits writes the tile's scores of rows below N and columns
// below cend into logits [N][C].
template <int NT>
__device__ __forceinline__ void mma_store_logits(const MmaAcc<NT>& acc, int row0, int col0, int N, int cend, int C, float* logits) {
#pragma unroll
    for (int mt = 0; mt < 4; ++mt)
#pragma unroll
        for (int nt = 0; nt < NT; ++nt)
#pragma unroll
            for (int f = 0; f < 4; ++f) {
                const int r = row0 + mma_row(mt, f), c = col0 + mma_col<NT>(nt, f);
                if (r < N && c < cend) logits[(size_t)r * C + c] = acc.c[mt][nt][f];
            }
}

template <class T>
__device__ __forceinline__ void gemm_mma(const T* Q, const T* K, int N, int C, int ld,
                                         const float* rowscale, const float* colscale, float* logits) {
    SHARED_ARRAY(char, smem, MmSmem<MM_BN>::bytes, 128);
    const int row0 = blockIdx.y * FT_BM, col0 = blockIdx.x * MM_BN;
    MmaAcc<MM_BN / 32> acc;
    mma_tile<T, MM_BN>(Q, K, N, C, ld, row0, col0, smem, acc);
    mma_scale(acc, row0, col0, N, C, rowscale, colscale);
    mma_store_logits(acc, row0, col0, N, C, C, logits);
}

#define GEMM_MMA(NAME, T)                                                                                  \
    extern "C" __global__ void __launch_bounds__(FT_THREADS)                                               \
    gemm_mma_##NAME(const T* Q, const T* K, int N, int C, int ld, const float* rs, const float* cs, float* logits) { \
        gemm_mma<T>(Q, K, N, C, ld, rs, cs, logits);                                                       \
    }
GEMM_MMA(f16, __half)
GEMM_MMA(bf16, __nv_bfloat16)
GEMM_MMA(tf32, float)

// mma_store_half writes the scaled scores of the warps whose rows lie in
// half H (warp row wm == H) into S.
template <int H, int NT>
__device__ __forceinline__ void mma_store_half(float* S, const MmaAcc<NT>& acc) {
    if ((threadIdx.x >> 7) != H) return;  // warps 4H..4H+3 have wm == H
#pragma unroll
    for (int mt = 0; mt < 4; ++mt)
#pragma unroll
        for (int nt = 0; nt < NT; ++nt)
#pragma unroll
            for (int f = 0; f < 4; ++f)
                S[(mma_row(mt, f) - 64 * H) * Stage<NT * 32>::stride + mma_col<NT>(nt, f)] = acc.c[mt][nt][f];
}

// MmaStore hands a tile to scan_tile (half by half) or scan_whole (all).
template <int NT>
struct MmaStore {
    const MmaAcc<NT>& acc;
    template <int H>
    __device__ __forceinline__ void half(float* S) const { mma_store_half<H>(S, acc); }
    __device__ __forceinline__ void all(float* S) const {
#pragma unroll
        for (int mt = 0; mt < 4; ++mt)
#pragma unroll
            for (int nt = 0; nt < NT; ++nt)
#pragma unroll
                for (int f = 0; f < 4; ++f) S[mma_row(mt, f) * WholeStage<NT * 32>::stride + mma_col<NT>(nt, f)] = acc.c[mt][nt][f];
    }
};

// FusedSmem sizes the fused kernel's shared memory: the stages, reused for
// the scan (the whole tile when it fits the 48 KiB a block may declare,
// else half of it) and for the final merge of the lists.
template <int BN>
struct FusedSmem {
    static constexpr bool whole = WholeStage<BN>::floats * 4 <= 48 * 1024;
    static constexpr int scan = whole ? WholeStage<BN>::floats * 4 : Stage<BN>::floats * 4;
    static constexpr int merge = 2 * 128 * KMAX * 4;
    static constexpr int a = MmSmem<BN>::bytes > scan ? MmSmem<BN>::bytes : scan;
    static constexpr int bytes = a > merge ? a : merge;
};

// fused_mma (kernels fused_mma_<dtype>_k8 and _k16, lists of 8 or 16
// entries): block (x, y) = (row tile, split) over columns [y*cps,
// min(C, (y+1)*cps)), cps a multiple of 128 (and so of FUSED_MMA_BN); writes the rows' best k to
// outV/outI[(split*N + row)*k ...] and, when logits is not null, every
// score.
template <class T, int KM>
__device__ __forceinline__ void fused_mma(const T* Q, const T* K, int N, int C, int ld,
                                          const float* rowscale, const float* colscale, int k, int cps,
                                          float* outV, int* outI, float* logits) {
    constexpr int BN = FUSED_MMA_BN, NT = BN / 32;
    SHARED_ARRAY(char, smem, FusedSmem<BN>::bytes, 128);
    float* S = (float*)smem;
    const int row0 = blockIdx.x * FT_BM;
    const int cbeg = blockIdx.y * cps, cend = min(C, cbeg + cps);
    float v[KM];
    int ix[KM];
    topk_init(v, ix);
    for (int col0 = cbeg; col0 < cend; col0 += BN) {
        FORGET_FUSED_PARAMS();
        MmaAcc<NT> acc;
        mma_tile<T, BN>(Q, K, N, cend, ld, row0, col0, smem, acc);
        mma_scale(acc, row0, col0, N, cend, rowscale, colscale);
        if (logits) mma_store_logits(acc, row0, col0, N, cend, C, logits);
        if (FusedSmem<BN>::whole) {
            scan_whole<BN>(S, MmaStore<NT>{acc}, v, ix, k, col0);
        } else {
            scan_tile<BN>(S, MmaStore<NT>{acc}, v, ix, k, col0);
        }
    }
    finish_rows(S, v, ix, k, row0, N, blockIdx.y, outV, outI);
}

#define FUSED_MMA(NAME, T, KM)                                                                            \
    extern "C" __global__ void FUSED_BOUNDS                                              \
    fused_mma_##NAME##_k##KM(const T* Q, const T* K, int N, int C, int ld, const float* rs, const float* cs, \
                             int k, int cps, float* outV, int* outI, float* logits) {                      \
        fused_mma<T, KM>(Q, K, N, C, ld, rs, cs, k, cps, outV, outI, logits);                             \
    }
FUSED_MMA(f16, __half, 8)
FUSED_MMA(f16, __half, 16)
FUSED_MMA(bf16, __nv_bfloat16, 8)
FUSED_MMA(bf16, __nv_bfloat16, 16)
FUSED_MMA(tf32, float, 8)
FUSED_MMA(tf32, float, 16)
