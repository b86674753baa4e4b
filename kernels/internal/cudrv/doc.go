// Package cudrv is the slice of the CUDA driver API that package kernels
// launches its CUDA kernels through, with two builds:
//
//   - -tags cuda: the real driver, gorgonia.org/cu re-exported under the
//     same names (types are aliases, functions are the same functions).
//   - -tags cudaemu: a host emulator of the CUDA execution model. The very
//     CUDA C of kernels/cuda/*.cu is compiled for the CPU (emu_*.cc include
//     it after emu_device.h, which maps the CUDA dialect onto the runtime),
//     and a launch runs each block's threads as fibers that switch at
//     __syncthreads, warp collectives (shuffles, ldmatrix, mma.sync) and
//     exit. cp.async, ldmatrix and mma.sync follow the PTX ISA's fragment
//     layouts; device memory sits between guard pages and starts as 0xff
//     bytes, so overruns fault and unwritten outputs read as NaN or -1;
//     shared memory (arrays declared with SHARED_ARRAY) starts every block
//     as 0xff bytes too, and its addresses are checked.
//
// The emulator makes CI, which has no GPU, run the launcher of package
// kernels and the kernels' indexing, tiling, fragment layouts, barriers and
// top-k merges end to end against the float64 reference. It says nothing
// about speed (times are host wall clock), and it cannot see what only
// hardware shows: register spills, occupancy, bank conflicts, or races
// between instructions that no barrier orders (fibers switch only at
// barriers and collectives; EVALCLIP_EMU_SCHEDULE=reverse or shuffle:SEED
// changes the order of threads between them, EVALCLIP_EMU_CPASYNC=eager
// lands cp.async copies at once instead of at cp.async.wait_group). The
// emulator also carries the bn64 variant of the tensor-core fused kernels
// (mma.cu built with FUSED_MMA_BN=64, emu_mma_bn64.cc), which launches use
// under EVALCLIP_EMU_VARIANT=bn64.
//
// Without either tag the package is empty.
package cudrv
