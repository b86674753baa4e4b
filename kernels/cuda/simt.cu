// float32 kernels on the CUDA cores: the naive product (one thread per
// score), the shared-memory tiled product writing logits, and the fused
// tiled product that keeps the top k per row and never writes the logits.
//
// Operands: Q [N][ld] and K [C][ld] row-major float32 with ld a multiple of
// 32 (zero padding past D); rowscale[N] and colscale[C] hold the factors
// that turn a dot product into a score (1/|q|, and Scale/|k|).
#include "common.cuh"

// gemm_naive_f32: logits[i][j] = rowscale[i] * colscale[j] * <Q_i, K_j>,
// row i = blockIdx.x, column j = blockIdx.y * blockDim.x + threadIdx.x.
extern "C" __global__ void gemm_naive_f32(const float* Q, const float* K, int N, int C, int ld,
                                          const float* rowscale, const float* colscale, float* logits) {
    const int i = blockIdx.x;
    const int j = blockIdx.y * blockDim.x + threadIdx.x;
    if (i >= N || j >= C) return;
    const float* q = Q + (size_t)i * ld;
    const float* k = K + (size_t)j * ld;
    float acc = 0.f;
    for (int d = 0; d < ld; ++d) acc += q[d] * k[d];
    logits[(size_t)i * C + j] = acc * colscale[j] * rowscale[i];
}

// Tiled SIMT product: a 128 x BN tile per block of 256 threads (BN = 128
// or 64), k-steps of 8, each thread computing rows ty*4+{0..3} and
// 64+ty*4+{0..3} (ty = tid/16) by columns tx*4+{0..3} and, for BN = 128,
// 64+tx*4+{0..3} (tx = tid%16): an 8x8 or 8x4 block of scores. Tiles are
// stored k-major in shared memory and double-buffered through registers.
#define ST_BK 8
#define ST_LDS (FT_BM + 4)

template <int BN>
struct SimtTile {
    static constexpr int TN = BN / 16;  // columns per thread
    float acc[8][TN];
};

template <int BN>
struct SimtSmem {
    static constexpr int floats = 2 * ST_BK * ST_LDS * 2;  // A and B, two buffers each (B uses BN of ST_LDS)
};

__device__ __forceinline__ int simt_row(int i) { return (i < 4 ? 0 : 64) + ((threadIdx.x >> 4) * 4) + (i & 3); }
__device__ __forceinline__ int simt_col(int j) { return (j < 4 ? 0 : 64) + ((threadIdx.x & 15) * 4) + (j & 3); }

// simt_tile computes the raw dot products of rows row0.. and columns
// col0.. into t.acc; columns at or past cend read as zero.
template <int BN>
__device__ __forceinline__ void simt_tile(const float* Q, const float* K, int N, int cend, int ld,
                                          int row0, int col0, float* smem, SimtTile<BN>& t) {
    constexpr int TN = SimtTile<BN>::TN;
    float (*As)[ST_BK][ST_LDS] = (float (*)[ST_BK][ST_LDS])smem;
    float (*Bs)[ST_BK][ST_LDS] = (float (*)[ST_BK][ST_LDS])(smem + 2 * ST_BK * ST_LDS);
    const int tid = threadIdx.x;
    const int tx = tid & 15, ty = tid >> 4;
    // Loader: each thread moves one float4 of A (row lr, k offset lk) and,
    // when lr < BN, one of B per k-step.
    const int lr = tid >> 1, lk = (tid & 1) * 4;
    const bool qok = row0 + lr < N, kok = lr < BN && col0 + lr < cend;
    const float* qp = Q + (size_t)min(row0 + lr, N - 1) * ld + lk;
    const float* kp = K + (size_t)min(col0 + min(lr, BN - 1), cend - 1) * ld + lk;
#pragma unroll
    for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) t.acc[i][j] = 0.f;
    const float4 zero = make_float4(0.f, 0.f, 0.f, 0.f);
    float4 a4 = qok ? *(const float4*)qp : zero;
    float4 b4 = kok ? *(const float4*)kp : zero;
    const int steps = ld / ST_BK;
    for (int s = 0; s < steps; ++s) {
        const int buf = s & 1;
        As[buf][lk + 0][lr] = a4.x;
        As[buf][lk + 1][lr] = a4.y;
        As[buf][lk + 2][lr] = a4.z;
        As[buf][lk + 3][lr] = a4.w;
        if (lr < BN) {
            Bs[buf][lk + 0][lr] = b4.x;
            Bs[buf][lk + 1][lr] = b4.y;
            Bs[buf][lk + 2][lr] = b4.z;
            Bs[buf][lk + 3][lr] = b4.w;
        }
        __syncthreads();
        if (s + 1 < steps) {
            const int off = (s + 1) * ST_BK;
            a4 = qok ? *(const float4*)(qp + off) : zero;
            b4 = kok ? *(const float4*)(kp + off) : zero;
        }
#pragma unroll
        for (int kk = 0; kk < ST_BK; ++kk) {
            float4 a0 = *(const float4*)&As[buf][kk][ty * 4];
            float4 a1 = *(const float4*)&As[buf][kk][64 + ty * 4];
            float4 b0 = *(const float4*)&Bs[buf][kk][tx * 4];
            const float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            float b[TN];
            b[0] = b0.x, b[1] = b0.y, b[2] = b0.z, b[3] = b0.w;
            if (TN == 8) {
                float4 b1 = *(const float4*)&Bs[buf][kk][64 + tx * 4];
                b[TN - 4] = b1.x, b[TN - 3] = b1.y, b[TN - 2] = b1.z, b[TN - 1] = b1.w;
            }
#pragma unroll
            for (int i = 0; i < 8; ++i)
#pragma unroll
                for (int j = 0; j < TN; ++j) t.acc[i][j] = fmaf(a[i], b[j], t.acc[i][j]);
        }
        // The buffer written next step is the one read two steps ago: one
        // barrier per step suffices.
    }
    __syncthreads();
}

extern "C" __global__ void __launch_bounds__(FT_THREADS)
gemm_tiled_f32(const float* Q, const float* K, int N, int C, int ld,
               const float* rowscale, const float* colscale, float* logits) {
    SHARED_ARRAY(float, smem, SimtSmem<128>::floats, 16);
    const int row0 = blockIdx.y * FT_BM, col0 = blockIdx.x * 128;
    SimtTile<128> t;
    simt_tile<128>(Q, K, N, C, ld, row0, col0, smem, t);
#pragma unroll
    for (int i = 0; i < 8; ++i) {
        const int r = row0 + simt_row(i);
        if (r >= N) continue;
        const float rs = rowscale[r];
#pragma unroll
        for (int j = 0; j < 8; ++j) {
            const int c = col0 + simt_col(j);
            if (c < C) logits[(size_t)r * C + c] = t.acc[i][j] * colscale[c] * rs;
        }
    }
}

// SimtStore hands a tile to scan_whole.
template <int BN>
struct SimtStore {
    const SimtTile<BN>& t;
    __device__ __forceinline__ void all(float* S) const {
#pragma unroll
        for (int i = 0; i < 8; ++i)
#pragma unroll
            for (int j = 0; j < SimtTile<BN>::TN; ++j) S[simt_row(i) * WholeStage<BN>::stride + simt_col(j)] = t.acc[i][j];
    }
};

// fused_tiled_f32_k8/_k16 (lists of 8 or 16 entries, for k up to 8 or
// 16): block (x, y) = (row tile, split); the split covers
// columns [y*cps, min(C, (y+1)*cps)) with cps a multiple of 128. Each
// 128x64 tile of scores (8x4 per thread, leaving registers for the top-k
// list) goes through shared memory into per-thread top-k lists
// (common.cuh); the block writes its rows' best k to outV/outI[(split*N +
// row)*k ...]. logits, when not null, also receives every score.
#define FS_BN 64
#define FS_SMEM (WholeStage<FS_BN>::floats > SimtSmem<FS_BN>::floats ? WholeStage<FS_BN>::floats : SimtSmem<FS_BN>::floats)

template <int KM>
__device__ __forceinline__ void fused_tiled(const float* Q, const float* K, int N, int C, int ld,
                                            const float* rowscale, const float* colscale, int k, int cps,
                                            float* outV, int* outI, float* logits) {
    SHARED_ARRAY(float, smem, FS_SMEM > 2 * 128 * KMAX ? FS_SMEM : 2 * 128 * KMAX, 16);
    const int row0 = blockIdx.x * FT_BM;
    const int cbeg = blockIdx.y * cps, cend = min(C, cbeg + cps);
    float v[KM];
    int ix[KM];
    topk_init(v, ix);
    float rs[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) rs[i] = rowscale[min(row0 + simt_row(i), N - 1)];
    for (int col0 = cbeg; col0 < cend; col0 += FS_BN) {
        FORGET_FUSED_PARAMS();
        SimtTile<FS_BN> t;
        simt_tile<FS_BN>(Q, K, N, cend, ld, row0, col0, smem, t);
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int c = col0 + simt_col(j);
            const float cs = c < cend ? colscale[c] : 0.f;
#pragma unroll
            for (int i = 0; i < 8; ++i) t.acc[i][j] = c < cend ? t.acc[i][j] * cs * rs[i] : NEG_INF;
        }
        if (logits) {
#pragma unroll
            for (int i = 0; i < 8; ++i) {
                const int r = row0 + simt_row(i);
#pragma unroll
                for (int j = 0; j < 4; ++j) {
                    const int c = col0 + simt_col(j);
                    if (r < N && c < cend) logits[(size_t)r * C + c] = t.acc[i][j];
                }
            }
        }
        scan_whole<FS_BN>(smem, SimtStore<FS_BN>{t}, v, ix, k, col0);
    }
    finish_rows(smem, v, ix, k, row0, N, blockIdx.y, outV, outI);
}

#define FUSED_TILED(KM)                                                                                   \
    extern "C" __global__ void FUSED_BOUNDS                                              \
    fused_tiled_f32_k##KM(const float* Q, const float* K, int N, int C, int ld, const float* rs,           \
                          const float* cs, int k, int cps, float* outV, int* outI, float* logits) {        \
        fused_tiled<KM>(Q, K, N, C, ld, rs, cs, k, cps, outV, outI, logits);                              \
    }
FUSED_TILED(8)
FUSED_TILED(16)
