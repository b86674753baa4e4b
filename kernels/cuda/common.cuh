// Shared device code of the similarity kernels: the per-thread top-k list
// kept in registers, merges of such lists across lanes, and the epilogue
// that streams a tile of scores through shared memory into the lists.
//
// A top-k list is two register arrays of KM entries sorted best first
// (KM = 8 or KMAX = 16, a template argument, so that kernels for small k
// spend fewer registers); only the first k (k <= KM, a kernel argument)
// are used. Entries rank by
// score, and equal scores by lower column index. Every array index is a
// compile-time constant after unrolling (runtime positions are handled
// with predicates), so the lists never leave registers.
#pragma once

#include <stdint.h>

// SHARED_ARRAY declares one of a block's shared-memory arrays. The host
// emulator (kernels/internal/cudrv) defines its own: an array in a
// per-block arena that starts filled with 0xff bytes, as a GPU's shared
// memory starts undefined.
#ifndef SHARED_ARRAY
#define SHARED_ARRAY(T, name, n, align) __shared__ __align__(align) T name[n]
#endif

#define KMAX 16
#define NEG_INF (__int_as_float(0xff800000))
#define IDX_NONE 0x7fffffff

__device__ __forceinline__ bool better(float a, int ai, float b, int bi) {
    return a > b || (a == b && ai < bi);
}

template <int KM>
__device__ __forceinline__ void topk_init(float (&v)[KM], int (&ix)[KM]) {
#pragma unroll
    for (int p = 0; p < KM; ++p) {
        v[p] = NEG_INF;
        ix[p] = IDX_NONE;
    }
}

// topk_kth returns entry k-1 (of the scores or the indices), the one a
// new entry must beat.
template <class T, int KM>
__device__ __forceinline__ T topk_kth(const T (&a)[KM], int k) {
    T t = a[0];
#pragma unroll
    for (int p = 1; p < KM; ++p)
        if (p == k - 1) t = a[p];
    return t;
}

// topk_push inserts (x, j), which the caller knows beats entry k-1; entry
// k-1 drops out.
template <int KM>
__device__ __forceinline__ void topk_push(float (&v)[KM], int (&ix)[KM], int k, float x, int j) {
#pragma unroll
    for (int p = KM - 1; p > 0; --p) {
        if (p < k) {
            if (better(x, j, v[p - 1], ix[p - 1])) {
                v[p] = v[p - 1];
                ix[p] = ix[p - 1];
            } else if (better(x, j, v[p], ix[p])) {
                v[p] = x;
                ix[p] = j;
            }
        }
    }
    if (better(x, j, v[0], ix[0])) {
        v[0] = x;
        ix[0] = j;
    }
}

// topk_offer inserts (x, j) when it beats entry k-1, in any order of j.
template <int KM>
__device__ __forceinline__ void topk_offer(float (&v)[KM], int (&ix)[KM], int k, float x, int j) {
    if (better(x, j, topk_kth(v, k), topk_kth(ix, k))) topk_push(v, ix, k, x, j);
}

// group_merge merges the lists of the G contiguous lanes of each group
// (G a power of two, at most 32) into the group's best k, written best
// first to outV/outI by the group's first lane when write is set. Every
// lane of the warp must call it. Lists are consumed.
template <int KM>
__device__ __forceinline__ void group_merge(float (&v)[KM], int (&ix)[KM], int k, int G,
                                            float* outV, int* outI, bool write) {
#pragma unroll
    for (int r = 0; r < KM; ++r) {
        if (r < k) {
            float bv = v[0];
            int bi = ix[0];
            for (int off = G / 2; off > 0; off >>= 1) {
                float ov = __shfl_xor_sync(0xffffffffu, bv, off);
                int oi = __shfl_xor_sync(0xffffffffu, bi, off);
                if (better(ov, oi, bv, bi)) {
                    bv = ov;
                    bi = oi;
                }
            }
            if (ix[0] == bi && v[0] == bv) {
#pragma unroll
                for (int p = 0; p < KM - 1; ++p) {
                    v[p] = v[p + 1];
                    ix[p] = ix[p + 1];
                }
                v[KM - 1] = NEG_INF;
                ix[KM - 1] = IDX_NONE;
            }
            if (write) {
                outV[r] = bv;
                outI[r] = bi;
            }
        }
    }
}

// ---- Fused epilogue -------------------------------------------------------
//
// The fused kernels compute a 128 x BN tile of scores per step (BN = 64 or
// 128) and keep, per thread, the top k of one row over half of every tile's
// columns: thread t owns row t % 128 and column half t / 128 (256 threads).
// A tile reaches the lists through shared memory (rows of odd stride, so
// the 32 lanes of a warp, which own 32 different rows, read 32 different
// banks): whole when it fits (scan_whole, BN = 64), else 64 rows at a time
// (scan_tile, BN = 128).

#define FT_BM 128
#define FT_THREADS 256

// FUSED_BOUNDS are the fused kernels' launch bounds. Building with
// -DFUSED_MIN_BLOCKS=2 asks ptxas for two resident blocks per
// multiprocessor (at most 128 registers a thread, spilling the rest), a
// variant the GPU check times against the committed PTX.
#ifdef FUSED_MIN_BLOCKS
#define FUSED_BOUNDS __launch_bounds__(FT_THREADS, FUSED_MIN_BLOCKS)
#else
#define FUSED_BOUNDS __launch_bounds__(FT_THREADS)
#endif

template <int BN>
struct Stage {
    static constexpr int stride = BN + 1;
    static constexpr int floats = 64 * stride;
};

// scan_cols offers BN/2 scores s[0..BN/2) of the thread's row, columns
// base.., to its list.
//
// Scores are read four at a time, ahead of the compares, so that one
// shared-memory latency covers four columns; a group whose best does not
// beat the list's k-th entry (the common case once the list fills) costs
// one compare.
template <int BN, int KM>
__device__ __forceinline__ void scan_cols(const float* s, int base, float (&v)[KM], int (&ix)[KM], int k) {
    static_assert(BN % 8 == 0, "column halves come in groups of four");
    float thr = topk_kth(v, k);
#pragma unroll 1
    for (int j = 0; j < BN / 2; j += 4) {
        const float x0 = s[j], x1 = s[j + 1], x2 = s[j + 2], x3 = s[j + 3];
        if (fmaxf(fmaxf(x0, x1), fmaxf(x2, x3)) > thr) {
#pragma unroll 1
            for (int u = 0; u < 4; ++u) {
                const float x = u == 0 ? x0 : u == 1 ? x1 : u == 2 ? x2 : x3;
                // Columns arrive in increasing order, so a later equal
                // score never beats a kept one: a strict compare is exact.
                if (x > thr) {
                    topk_push(v, ix, k, x, base + j + u);
                    thr = topk_kth(v, k);
                }
            }
        }
    }
}

// scan_half offers the scores of half h (rows 64h..64h+63 of the tile)
// held in S to the lists of the threads owning those rows. col0 is the
// tile's first column; columns at or past the block's end hold -inf in S.
template <int BN, int KM>
__device__ __forceinline__ void scan_half(const float* S, int h, float (&v)[KM], int (&ix)[KM], int k, int col0) {
    const int row = threadIdx.x & 127, ch = threadIdx.x >> 7;
    if ((row >> 6) != h) return;
    scan_cols<BN>(S + (row - 64 * h) * Stage<BN>::stride + ch * (BN / 2), col0 + ch * (BN / 2), v, ix, k);
}

// FORGET_FUSED_PARAMS makes the compiler forget what it knows of a fused
// kernel's parameters (Q, K, N, C, ld, rowscale, colscale, logits). The
// fused kernels use it at the top of each column tile, so that the
// addresses and offsets derived from the parameters are recomputed per tile
// (a few integer instructions) instead of being computed once and kept in
// registers across the whole loop: kept, they cost the tensor-core fused
// kernel 120 registers (248 instead of 128, one block per multiprocessor
// instead of two). One asm statement for all of them: ptxas 11.8 allocates
// 248 registers again when each parameter gets its own.
#ifdef EVALCLIP_EMU
#define FORGET_FUSED_PARAMS()
#else
#define FORGET_FUSED_PARAMS() \
    asm volatile("" : "+l"(Q), "+l"(K), "+l"(rowscale), "+l"(colscale), "+l"(logits), "+r"(N), "+r"(ld), "+r"(C))
#endif

// WholeStage is a whole 128 x BN tile in shared memory (rows of BN+1
// floats), for tiles small enough to stage at once.
template <int BN>
struct WholeStage {
    static constexpr int stride = BN + 1;
    static constexpr int floats = 128 * stride;
};

// scan_whole streams one tile into the lists in one pass: every thread
// stores all its scores (store.all(S)), then every thread scans its row's
// column half. The accumulators are dead before the scan begins, so the
// scan's registers do not add to theirs.
template <int BN, int KM, class Store>
__device__ __forceinline__ void scan_whole(float* S, const Store& store, float (&v)[KM], int (&ix)[KM], int k, int col0) {
    store.all(S);
    __syncthreads();
    const int row = threadIdx.x & 127, ch = threadIdx.x >> 7;
    scan_cols<BN>(S + row * WholeStage<BN>::stride + ch * (BN / 2), col0 + ch * (BN / 2), v, ix, k);
    __syncthreads();
}

// scan_tile streams one tile of scores into the lists, half by half:
// store.template half<H>(S) writes the thread's scores of rows 64H..64H+63
// into S (H is a template argument so that register arrays stay
// statically indexed).
template <int BN, int KM, class Store>
__device__ __forceinline__ void scan_tile(float* S, const Store& store, float (&v)[KM], int (&ix)[KM], int k, int col0) {
    store.template half<0>(S);
    __syncthreads();
    scan_half<BN>(S, 0, v, ix, k, col0);
    __syncthreads();
    store.template half<1>(S);
    __syncthreads();
    scan_half<BN>(S, 1, v, ix, k, col0);
    __syncthreads();
}

// finish_rows merges the two column halves of each row through shared
// memory M (at least 128 * KM * 2 words) and writes the row's list, best
// first, to outV/outI + (split*N + row)*k for rows below N.
template <int KM>
__device__ __forceinline__ void finish_rows(float* M, float (&v)[KM], int (&ix)[KM], int k,
                                            int row0, int N, int split, float* outV, int* outI) {
    const int row = threadIdx.x & 127, ch = threadIdx.x >> 7;
    float* mv = M;
    int* mi = (int*)(M + 128 * KM);
    __syncthreads();
    if (ch == 1) {
#pragma unroll
        for (int p = 0; p < KM; ++p) {
            mv[p * 128 + row] = v[p];
            mi[p * 128 + row] = ix[p];
        }
    }
    __syncthreads();
    if (ch == 0) {
#pragma unroll 1
        for (int p = 0; p < k; ++p) topk_offer(v, ix, k, mv[p * 128 + row], mi[p * 128 + row]);
        const int r = row0 + row;
        if (r < N) {
            size_t o = ((size_t)split * N + r) * k;
#pragma unroll
            for (int p = 0; p < KM; ++p)
                if (p < k) {
                    outV[o + p] = v[p];
                    outI[o + p] = ix[p];
                }
        }
    }
}
