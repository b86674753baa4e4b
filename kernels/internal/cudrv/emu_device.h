// The CUDA C dialect the kernels use, for the host compiler: qualifiers,
// built-in variables, vector types, intrinsics and warp shuffles, mapped
// onto the emulator's runtime. Include it before a kernels/cuda/*.cu file.
#pragma once

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <algorithm>
#include <type_traits>
#include <utility>

#include "emu_runtime.h"

#define EVALCLIP_EMU 1

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
// Shared memory: kernels declare their arrays with SHARED_ARRAY (see
// kernels/cuda/common.cuh), which here places them in the runtime's
// per-block arena. A bare __shared__ does not compile.
#define SHARED_ARRAY(T, name, n, align)                       \
    static const int name##_emu_slot = ::emu::shared_slot();  \
    T* const name = (T*)::emu::shared_array(name##_emu_slot, sizeof(T) * (size_t)(n), align)
#define __shared__ __shared___is_not_emulated_use_SHARED_ARRAY
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...)

#define threadIdx (::emu::thread_idx())
#define blockIdx (::emu::block_idx)
#define blockDim (::emu::block_dim)
#define gridDim (::emu::grid_dim)

using std::max;
using std::min;

struct __attribute__((aligned(16))) float4 {
    float x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

inline float __int_as_float(int i) {
    float f;
    memcpy(&f, &i, 4);
    return f;
}

inline void __syncthreads() { ::emu::syncthreads(); }

namespace emu {

// shfl_xor_op: lane l receives the value of lane l ^ off (words 0-1 in,
// word 2 the offset).
inline void shfl_xor_op(const uint32_t (*in)[kInWords], uint32_t (*out)[kOutWords], const bool*) {
    for (int l = 0; l < 32; ++l) {
        const int src = l ^ (int)(in[l][2] & 31);
        out[l][0] = in[src][0];
        out[l][1] = in[src][1];
    }
}

}  // namespace emu

template <class T>
inline T __shfl_xor_sync(unsigned mask, T v, int off) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value, "shuffle of a value wider than 8 bytes");
    if (mask != 0xffffffffu) ::emu::fail("__shfl_xor_sync with a partial mask is not emulated");
    uint32_t in[3] = {0, 0, (uint32_t)off}, out[2];
    memcpy(in, &v, sizeof(T));
    ::emu::collective(::emu::shfl_xor_op, in, 3, out, 2);
    T r;
    memcpy(&r, out, sizeof(T));
    return r;
}

// Kernel registration: EMU_KERNEL(name) makes an extern "C" kernel
// launchable by name with its arguments unpacked from a params array.
namespace emu {
template <class... A>
struct Unpack {
    template <void (*F)(A...), size_t... I>
    static void callI(void** p, std::index_sequence<I...>) {
        F(*static_cast<std::decay_t<A>*>(p[I])...);
        (void)p;
    }
    template <void (*F)(A...)>
    static void call(void** p) {
        callI<F>(p, std::index_sequence_for<A...>{});
    }
};
template <class... A>
Unpack<A...> unpack_of(void (*)(A...));
}  // namespace emu

#define EMU_KERNEL(fn) \
    static const bool emu_registered_##fn = ::emu::register_kernel(#fn, &decltype(::emu::unpack_of(fn))::template call<fn>);
