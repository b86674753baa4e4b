//go:build cudaemu && cgo

// Kernels that test the emulator itself (emu_test.go): barriers, shuffles,
// and the errors it reports for code a GPU would not run correctly.
#include "emu_device.h"

// emutest_barrier: out[t] = t + the value thread 255-t stored before the
// barrier, for one block of 256 threads.
extern "C" __global__ void emutest_barrier(int* out) {
    SHARED_ARRAY(int, s, 256, 4);
    const int t = threadIdx.x;
    s[t] = 1000 * t;
    __syncthreads();
    out[t] = t + s[255 - t];
}

// emutest_shfl: out[t] = the int and the double of lane t ^ off.
extern "C" __global__ void emutest_shfl(int off, int* outI, double* outD) {
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    outI[t] = __shfl_xor_sync(0xffffffffu, t, off);
    outD[t] = __shfl_xor_sync(0xffffffffu, 0.5 + t, off);
}

// emutest_deadlock: half of warp 0 shuffles while everyone else waits at
// a barrier.
extern "C" __global__ void emutest_deadlock() {
    if (threadIdx.x < 16) {
        (void)__shfl_xor_sync(0xffffffffu, 1, 1);
    } else {
        __syncthreads();
    }
}

// emutest_partial_warp: lanes 16-31 exit, the rest shuffle.
extern "C" __global__ void emutest_partial_warp() {
    if ((threadIdx.x & 31) >= 16) return;
    (void)__shfl_xor_sync(0xffffffffu, 1, 1);
}

// emutest_cp_async: each thread copies 16 bytes from src + 16*t + skew to
// shared memory with cp.async (skew 4 is misaligned), waits, and writes
// them back to dst.
extern "C" __global__ void emutest_cp_async(const char* src, int skew, char* dst) {
    SHARED_ARRAY(char, s, 32 * 16, 16);
    const int t = threadIdx.x;
    ::emu::cp_async(::emu::saddr(s + 16 * t), src + 16 * t + skew, t % 2 == 0 ? 16 : 0);
    ::emu::cp_async_commit();
    ::emu::cp_async_wait(0);
    __syncthreads();
    for (int i = 0; i < 16; ++i) dst[16 * t + i] = s[16 * t + i];
}

// emutest_uninit: out[t] = what shared memory holds before any write.
extern "C" __global__ void emutest_uninit(int* out) {
    SHARED_ARRAY(int, s, 64, 4);
    out[threadIdx.x] = s[threadIdx.x];
    __syncthreads();
    s[threadIdx.x] = 7;  // the next block must not see this
}

// emutest_not_shared: cp.async to a global address.
extern "C" __global__ void emutest_not_shared(char* buf) {
    ::emu::cp_async(::emu::saddr(buf), buf, 16);
}

EMU_KERNEL(emutest_barrier)
EMU_KERNEL(emutest_uninit)
EMU_KERNEL(emutest_not_shared)
EMU_KERNEL(emutest_shfl)
EMU_KERNEL(emutest_deadlock)
EMU_KERNEL(emutest_partial_warp)
EMU_KERNEL(emutest_cp_async)
