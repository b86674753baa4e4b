//go:build cuda && !cudaemu && cgo

package cudrv

/*
#include <cuda.h>
#include <dlfcn.h>

// gorgonia.org/cu calls cuInit from its package init and exits the process
// when it fails, which would make a -tags cuda evalclip unusable (even for
// CPU suites and reports) on a machine whose driver sees no GPU. This
// definition of cuInit in the executable takes the calls in place of the
// driver's: it calls the driver's own, records a failure, and reports
// success, so that the process starts; InitError returns the failure to the
// launcher, which names it when the CUDA kernels are first used.
static CUresult evalclip_cu_init_result = CUDA_SUCCESS;

CUresult CUDAAPI cuInit(unsigned int flags) {
	CUresult (*real)(unsigned int) = (CUresult (*)(unsigned int))dlsym(RTLD_NEXT, "cuInit");
	CUresult r = real ? real(flags) : CUDA_ERROR_NOT_INITIALIZED;
	if (r != CUDA_SUCCESS) evalclip_cu_init_result = r;
	return CUDA_SUCCESS;
}

static int evalclip_cu_init_failed(void) { return (int)evalclip_cu_init_result; }

static const char* evalclip_cu_error_name(int r) {
	const char* s = 0;
	if (cuGetErrorName((CUresult)r, &s) != CUDA_SUCCESS) return 0;
	return s;
}
*/
import "C"

import "fmt"

// InitError returns the driver's error from initialisation (cuInit), or nil.
func InitError() error {
	r := C.evalclip_cu_init_failed()
	if r == 0 {
		return nil
	}
	if s := C.evalclip_cu_error_name(r); s != nil {
		return fmt.Errorf("the CUDA driver did not initialise: %s (%d)", C.GoString(s), int(r))
	}
	return fmt.Errorf("the CUDA driver did not initialise: error %d", int(r))
}
