// The host emulator's runtime, seen by the device shim (emu_device.h) and
// by the cgo bridge (emu.go): fibers standing in for CUDA threads, block
// and warp barriers, warp collectives, and the kernel registry.
#pragma once

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// emu_launch runs kernel name over the grid, one block after another, each
// block's threads as fibers on the calling thread. params holds one
// pointer per kernel argument. It returns 0, or -1 with a message in err.
int emu_launch(const char* name, int gx, int gy, int gz, int bx, int by, int bz, void** params, char* err, int errlen);

// emu_has_kernel reports whether the emulator knows kernel name.
int emu_has_kernel(const char* name);

// emu_alloc returns n bytes of emulated device memory between guard pages,
// filled with 0xff bytes (NaN floats, -1 integers); 0 when out of memory.
uintptr_t emu_alloc(size_t n);

// emu_free releases memory from emu_alloc; -1 when p is not an allocation.
int emu_free(uintptr_t p);

// emu_check reports whether [p, p+n) lies inside one allocation.
int emu_check(uintptr_t p, size_t n);

#ifdef __cplusplus
}

#include <functional>

namespace emu {

struct uint3v {
    unsigned x, y, z;
};

// Thread is one emulated CUDA thread.
struct Thread;

extern uint3v block_idx, block_dim, grid_dim;
const uint3v& thread_idx();

// syncthreads is __syncthreads: it returns once every live thread of the
// block has arrived.
void syncthreads();

// Words a lane hands to, and receives from, a warp collective.
enum { kInWords = 16, kOutWords = 8 };

// WarpOp computes every lane's outputs from every lane's inputs; live[l]
// tells whether lane l takes part.
typedef void (*WarpOp)(const uint32_t (*in)[kInWords], uint32_t (*out)[kOutWords], const bool* live);

// collective runs op over the warp: the calling lane supplies in (copied)
// and receives its outputs in out once every live lane of the warp has
// called collective with the same op.
void collective(WarpOp op, const uint32_t* in, int nin, uint32_t* out, int nout);

// lane is the calling thread's lane in its warp.
int lane();

// fail records a device-side error for the running launch (the first one
// wins) and returns.
void fail(const char* fmt, ...);

// shared_slot numbers a SHARED_ARRAY declaration (once per declaration);
// shared_array returns the block's array for a slot, placing it in the
// block's arena on first use (every thread of the block gets the same
// address). The arena starts each block filled with 0xff bytes, and its
// use is checked against the 48 KiB a block may declare statically.
int shared_slot();
void* shared_array(int slot, size_t bytes, size_t align);

// Shared-memory addresses: 32-bit offsets into the arena. saddr fails for
// a pointer outside it; sptr for n bytes that do not fit in it.
uint32_t saddr(const void* p);
char* sptr(uint32_t a, size_t n);

// cp.async emulation.
void cp_async(uint32_t dst, const void* src, int n);
void cp_async_commit();
void cp_async_wait(int keep);

// Registration of a kernel: invoke unpacks params and calls it.
struct Kernel {
    const char* name;
    void (*invoke)(void** params);
};
bool register_kernel(const char* name, void (*invoke)(void**));

}  // namespace emu
#endif
