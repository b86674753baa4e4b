package kernels

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Device names of Impl.Device.
const (
	DeviceCPU  = "cpu"
	DeviceCUDA = "cuda"
)

// Impl describes one registered implementation.
type Impl struct {
	// Name is the registry key ("cpu", "cuda-fused").
	Name string
	// Summary is one line for listings.
	Summary string
	// Device is DeviceCPU or DeviceCUDA.
	Device string
	// DTypes are the precisions it computes in; the first is the default.
	DTypes []DType
	// MaxK is the largest k the implementation keeps per row (0: any k
	// up to C).
	MaxK int
	// Slow marks implementations meant for tests and baselines (the float64
	// reference, the naive Go loop): "all" in the timing suite leaves them
	// out; naming them includes them.
	Slow bool
	// New returns a Scorer computing in dt, one of DTypes.
	New func(dt DType) (Scorer, error)
	// Peaks measures the device's GEMM and copy ceilings in dt (see
	// MeasurePeaks, which caches them).
	Peaks func(ctx context.Context, dt DType) (Peaks, error)
	// Unavailable, when set, says why this build cannot run it; such
	// implementations are left out of Names and Lookup returns the reason.
	Unavailable error
}

// Supports reports whether the implementation computes in dt.
func (im Impl) Supports(dt DType) bool { return slices.Contains(im.DTypes, dt) }

var (
	implMu sync.RWMutex
	impls  = map[string]Impl{}
)

// Register adds an implementation; packages call it from init. Registering
// a name twice panics.
func Register(im Impl) {
	implMu.Lock()
	defer implMu.Unlock()
	if im.Name == "" || (im.Unavailable == nil && (im.New == nil || len(im.DTypes) == 0)) {
		panic(fmt.Sprintf("kernels: incomplete registration %+v", im))
	}
	if _, dup := impls[im.Name]; dup {
		panic(fmt.Sprintf("kernels: implementation %q registered twice", im.Name))
	}
	impls[im.Name] = im
}

// Names lists the implementations this build can run, sorted.
func Names() []string {
	var out []string
	for _, im := range Impls() {
		out = append(out, im.Name)
	}
	return out
}

// Impls lists the implementations this build can run, sorted by name.
func Impls() []Impl {
	implMu.RLock()
	defer implMu.RUnlock()
	var out []Impl
	for _, im := range impls {
		if im.Unavailable == nil {
			out = append(out, im)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Describe returns the registration of name (without a dtype suffix).
func Describe(name string) (Impl, error) {
	implMu.RLock()
	im, ok := impls[name]
	implMu.RUnlock()
	if !ok {
		return Impl{}, fmt.Errorf("kernels: unknown implementation %q (available: %s)", name, strings.Join(Names(), ", "))
	}
	if im.Unavailable != nil {
		return Impl{}, fmt.Errorf("kernels: %s: %w", name, im.Unavailable)
	}
	return im, nil
}

// Lookup returns the implementation called name in its default dtype;
// "name/dtype" (such as "cuda-fused/fp16") selects another dtype.
func Lookup(name string) (Scorer, error) {
	base, dt, hasDT := strings.Cut(name, "/")
	im, err := Describe(base)
	if err != nil {
		return nil, err
	}
	d := im.DTypes[0]
	if hasDT {
		if d, err = ParseDType(dt); err != nil {
			return nil, fmt.Errorf("kernels: %s: %w", name, err)
		}
	}
	return LookupDType(base, d)
}

// LookupDType returns the implementation called name computing in dt.
func LookupDType(name string, dt DType) (Scorer, error) {
	im, err := Describe(name)
	if err != nil {
		return nil, err
	}
	if !im.Supports(dt) {
		return nil, fmt.Errorf("kernels: %s does not compute in %s (it supports %s)", name, dt, joinDTypes(im.DTypes))
	}
	return im.New(dt)
}

func joinDTypes(ds []DType) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = string(d)
	}
	return strings.Join(s, ", ")
}

// scorerName is the Name of a Scorer for impl computing in dt.
func scorerName(impl string, dt DType) string {
	if dt == FP32 {
		return impl
	}
	return impl + "/" + string(dt)
}
