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
// GetAvailableProviders, ReleaseAvailableProviders and ReleaseStatus are
// members 125, 126 and 93 of OrtApi, whose member order is part of ONNX
// Runtime's stable ABI (offsetof in onnxruntime_c_api.h of C API 24).
typedef void *(*evalclip_available_fn)(char ***out, int *n);
typedef void *(*evalclip_release_available_fn)(char **ptr, int n);
typedef void (*evalclip_release_status_fn)(void *status);
static int evalclip_providers(const evalclip_ort_api_base *b, uint32_t v, char ***out) {
	void *const *api = (void *const *)b->GetApi(v);
	int n = 0;
	if (api == NULL) return -1;
	void *st = ((evalclip_available_fn)api[125])(out, &n);
	if (st != NULL) {
		((evalclip_release_status_fn)api[93])(st);
		return -1;
	}
	return n;
}
static void evalclip_release_providers(const evalclip_ort_api_base *b, uint32_t v, char **p, int n) {
	void *const *api = (void *const *)b->GetApi(v);
	void *st = ((evalclip_release_available_fn)api[126])(p, n);
	if (st != NULL) ((evalclip_release_status_fn)api[93])(st);
}
static char *evalclip_provider_at(char **p, int i) { return p[i]; }
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
	var list **C.char
	if n := C.evalclip_providers(base, apiVersion, &list); n >= 0 {
		lib.Providers = make([]string, 0, int(n))
		for i := C.int(0); i < n; i++ {
			lib.Providers = append(lib.Providers, C.GoString(C.evalclip_provider_at(list, i)))
		}
		C.evalclip_release_providers(base, apiVersion, list, n)
	}
	keep = true
	return lib, nil
}

// loadable opens a provider library the way ONNX Runtime will (dlopen), so
// that a missing dependency (the CUDA runtime, cuBLAS ...) is named before
// any session is built. A library that loads stays loaded: ONNX Runtime's
// own dlopen of it then shares the handle.
func loadable(path string) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	if h := C.evalclip_dlopen(cpath); h == nil {
		return fmt.Errorf("%s", C.GoString(C.evalclip_dlerror()))
	}
	return nil
}

func orUnknown(v string) string {
	if v == "" {
		return "(unknown version)"
	}
	return v
}
