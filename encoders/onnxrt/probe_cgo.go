//go:build cgo

package onnxrt

/*
#cgo LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

// The first two members of OrtApiBase, stable since ONNX Runtime 1.0.
typedef struct {
	const void *(*GetApi)(uint32_t version);
	const char *(*GetVersionString)(void);
} evalclip_ort_api_base;

typedef const evalclip_ort_api_base *(*evalclip_get_api_base_fn)(void);

static void *evalclip_dlopen(const char *path) { return dlopen(path, RTLD_LAZY); }
static char *evalclip_dlerror(void) { return dlerror(); }
static void *evalclip_dlsym(void *h, const char *name) { return dlsym(h, name); }
static int evalclip_dlclose(void *h) { return dlclose(h); }

static const evalclip_ort_api_base *evalclip_api_base(void *fn) {
	return ((evalclip_get_api_base_fn)fn)();
}
static const char *evalclip_version(const evalclip_ort_api_base *b) {
	return b->GetVersionString ? b->GetVersionString() : NULL;
}
static int evalclip_has_api(const evalclip_ort_api_base *b, uint32_t v) {
	return b->GetApi && b->GetApi(v) != NULL;
}
static const char *evalclip_origin(void *sym) {
	Dl_info info;
	if (dladdr(sym, &info) == 0) return NULL;
	return info.dli_fname;
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// apiVersion is the C API version onnxruntime_go v1.27 requests.
const apiVersion = 24

// Probe opens the library at path (a file path, or a bare soname resolved by
// the system loader), reads its version and checks that it serves C API 24.
// A usable library stays loaded, so that onnxruntime_go's own dlopen of the
// same path reuses it.
func Probe(path string) (Library, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	h := C.evalclip_dlopen(cpath)
	if h == nil {
		return Library{}, fmt.Errorf("cannot load %s: %s", path, C.GoString(C.evalclip_dlerror()))
	}
	keep := false
	defer func() {
		if !keep {
			C.evalclip_dlclose(h)
		}
	}()
	csym := C.CString("OrtGetApiBase")
	defer C.free(unsafe.Pointer(csym))
	sym := C.evalclip_dlsym(h, csym)
	if sym == nil {
		return Library{}, fmt.Errorf("%s is not an ONNX Runtime library (no OrtGetApiBase symbol); %s", path, HowToGet)
	}
	lib := Library{Path: path}
	if origin := C.evalclip_origin(sym); origin != nil {
		lib.Path = C.GoString(origin)
	}
	base := C.evalclip_api_base(sym)
	if base == nil {
		return Library{}, fmt.Errorf("%s: OrtGetApiBase returned nothing", lib.Path)
	}
	if v := C.evalclip_version(base); v != nil {
		lib.Version = C.GoString(v)
	}
	if tooOld(lib.Version) {
		return Library{}, &TooOldError{Path: lib.Path, Version: lib.Version}
	}
	if C.evalclip_has_api(base, apiVersion) == 0 {
		return Library{}, &TooOldError{Path: lib.Path, Version: orUnknown(lib.Version)}
	}
	keep = true
	return lib, nil
}

func orUnknown(v string) string {
	if v == "" {
		return "(unknown version)"
	}
	return v
}
