// Preparation and selection kernels shared by every implementation:
// conversion of host float32 rows to the compute dtype (padded to the
// leading dimension, optionally normalised first), per-row scale factors
// (1/|row| for normalisation, times the logit scale), the top-k of rows of
// stored logits, the merge of per-split top-k lists, and a copy kernel for
// the bandwidth ceiling.
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include "common.cuh"

#define NORM_EPS 1e-12

template <class T> __device__ __forceinline__ T from_float(float x);
template <> __device__ __forceinline__ float from_float<float>(float x) { return x; }
template <> __device__ __forceinline__ __half from_float<__half>(float x) { return __float2half_rn(x); }
template <> __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

template <class T> __device__ __forceinline__ float to_float(T x);
template <> __device__ __forceinline__ float to_float<float>(float x) { return x; }
template <> __device__ __forceinline__ float to_float<__half>(__half x) { return __half2float(x); }
template <> __device__ __forceinline__ float to_float<__nv_bfloat16>(__nv_bfloat16 x) { return __bfloat162float(x); }

__device__ __forceinline__ double warp_sum(double s) {
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) s += __shfl_xor_sync(0xffffffffu, s, off);
    return s;
}

// convert: one warp per row. dst[r][c] = src[r][c] (times 1/max(|row|,
// eps) when prenormalize) for c < d, 0 for d <= c < ld.
template <class T>
__device__ void convert(const float* src, int rows, int d, int ld, int prenormalize, T* dst) {
    const int lane = threadIdx.x & 31;
    const int r = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (r >= rows) return;
    const float* s = src + (size_t)r * d;
    float scale = 1.f;
    if (prenormalize) {
        double ss = 0;
        for (int c = lane; c < d; c += 32) ss += (double)s[c] * (double)s[c];
        ss = warp_sum(ss);
        scale = (float)(1.0 / fmax(sqrt(ss), NORM_EPS));
    }
    T* o = dst + (size_t)r * ld;
    for (int c = lane; c < ld; c += 32) o[c] = from_float<T>(c < d ? s[c] * scale : 0.f);
}

extern "C" __global__ void convert_f32(const float* src, int rows, int d, int ld, int pre, float* dst) { convert(src, rows, d, ld, pre, dst); }
extern "C" __global__ void convert_f16(const float* src, int rows, int d, int ld, int pre, __half* dst) { convert(src, rows, d, ld, pre, dst); }
extern "C" __global__ void convert_bf16(const float* src, int rows, int d, int ld, int pre, __nv_bfloat16* dst) { convert(src, rows, d, ld, pre, dst); }

// row_scale: one warp per row. out[r] = alpha / max(|x_r|, eps) when
// normalize, else alpha. The sum of squares is accumulated in double, so
// rows of any finite float32 magnitude normalise correctly.
template <class T>
__device__ void row_scale(const T* x, int rows, int ld, float alpha, int normalize, float* out) {
    const int lane = threadIdx.x & 31;
    const int r = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (r >= rows) return;
    if (!normalize) {
        if (lane == 0) out[r] = alpha;
        return;
    }
    const T* s = x + (size_t)r * ld;
    double ss = 0;
    for (int c = lane; c < ld; c += 32) {
        double f = to_float<T>(s[c]);
        ss += f * f;
    }
    ss = warp_sum(ss);
    if (lane == 0) out[r] = (float)(alpha / fmax(sqrt(ss), NORM_EPS));
}

extern "C" __global__ void row_scale_f32(const float* x, int rows, int ld, float alpha, int normalize, float* out) { row_scale(x, rows, ld, alpha, normalize, out); }
extern "C" __global__ void row_scale_f16(const __half* x, int rows, int ld, float alpha, int normalize, float* out) { row_scale(x, rows, ld, alpha, normalize, out); }
extern "C" __global__ void row_scale_bf16(const __nv_bfloat16* x, int rows, int ld, float alpha, int normalize, float* out) { row_scale(x, rows, ld, alpha, normalize, out); }

// topk_rows (kernels topk_rows_k8 and _k16, lists of 8 or 16 entries for
// k up to 8 or 16): one warp per row of stored logits [N][C]; lane l scans
// columns l, l+32, ... (increasing, so a strict compare keeps the lower
// index on ties), then the warp merges its 32 lists.
template <int KM>
__device__ __forceinline__ void topk_rows(const float* logits, int N, int C, int k, float* outV, int* outI) {
    const int lane = threadIdx.x & 31;
    const int r = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (r >= N) return;  // whole warps leave together
    float v[KM];
    int ix[KM];
    topk_init(v, ix);
    const float* row = logits + (size_t)r * C;
    float thr = NEG_INF;
    for (int j = lane; j < C; j += 32) {
        float x = row[j];
        if (x > thr) {
            topk_push(v, ix, k, x, j);
            thr = topk_kth(v, k);
        }
    }
    group_merge(v, ix, k, 32, outV + (size_t)r * k, outI + (size_t)r * k, lane == 0);
}

// topk_merge (topk_merge_k8 and _k16): one warp per row; merges the lists
// of splits parts, laid out [split][N][k], into [N][k].
template <int KM>
__device__ __forceinline__ void topk_merge(const float* partV, const int* partI, int splits, int N, int k, float* outV, int* outI) {
    const int lane = threadIdx.x & 31;
    const int r = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (r >= N) return;
    float v[KM];
    int ix[KM];
    topk_init(v, ix);
    for (int s = lane; s < splits; s += 32) {
        const size_t o = ((size_t)s * N + r) * k;
        for (int e = 0; e < k; ++e) topk_offer(v, ix, k, partV[o + e], partI[o + e]);
    }
    group_merge(v, ix, k, 32, outV + (size_t)r * k, outI + (size_t)r * k, lane == 0);
}

#define TOPK_KERNELS(KM)                                                                                       \
    extern "C" __global__ void topk_rows_k##KM(const float* logits, int N, int C, int k, float* outV, int* outI) { \
        topk_rows<KM>(logits, N, C, k, outV, outI);                                                            \
    }                                                                                                          \
    extern "C" __global__ void topk_merge_k##KM(const float* partV, const int* partI, int splits, int N, int k, \
                                                float* outV, int* outI) {                                      \
        topk_merge<KM>(partV, partI, splits, N, k, outV, outI);                                                \
    }
TOPK_KERNELS(8)
TOPK_KERNELS(16)

// copy_f4: grid-stride copy of n4 float4s, the bandwidth ceiling.
extern "C" __global__ void copy_f4(const float4* src, float4* dst, long long n4) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n4; i += (long long)gridDim.x * blockDim.x)
        dst[i] = src[i];
}
