//go:build cudaemu && cgo

package cudrv

/*
#cgo CXXFLAGS: -std=c++17 -O2 -fno-strict-aliasing -I${SRCDIR}/include -I${SRCDIR} -Wall -Wno-unknown-pragmas -Wno-unused-function -Wno-unused-variable
#include <stdlib.h>
#include <string.h>
#include "emu_runtime.h"

static void emu_copy(uintptr_t dst, uintptr_t src, size_t n) { memcpy((void*)dst, (const void*)src, n); }
static void emu_set32(uintptr_t dst, unsigned v, size_t n) {
	unsigned* d = (unsigned*)dst;
	for (size_t i = 0; i < n; i++) d[i] = v;
}
*/
import "C"

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/evalclip/evalclip/kernels/cuda"
)

// The emulator's C++ compiles kernels/cuda/*.cu and the headers under
// include/. Go's build cache tracks neither (they lie outside this
// folder), but it does track embedded files and imported packages: these
// two variables make an edit to a kernel or a header rebuild the emulator.
var (
	//go:embed include/*.h
	emuHeaders embed.FS
	_          = cuda.Source
	_          = emuHeaders
)

// Emulated reports whether this build runs kernels on the host emulator.
const Emulated = true

// EmulatedSMsEnv names an environment variable: the multiprocessor count
// the emulated device reports (default 4), which sets how the launcher
// splits columns over blocks.
const EmulatedSMsEnv = "EVALCLIP_EMU_SMS"

// DevicePtr is an address of emulated device memory (host memory between
// guard pages).
type DevicePtr uintptr

// Device is an emulated device ordinal.
type Device int

// DeviceAttribute names a device property.
type DeviceAttribute int

// MultiprocessorCount is the number of multiprocessors.
const MultiprocessorCount DeviceAttribute = 16

// CUContext is the emulated device's primary context.
type CUContext struct{ dev Device }

// StreamFlags are stream creation flags.
type StreamFlags int

// NonBlocking creates a stream that does not synchronise with stream 0.
const NonBlocking StreamFlags = 1

// Stream is a stream; emulated launches complete before they return.
type Stream struct{ id int }

// EventFlags are event creation flags.
type EventFlags int

// DefaultEvent is the default event flag.
const DefaultEvent EventFlags = 0

// Event is a timing event; it records host wall-clock time.
type Event struct{ id int }

// JITOption is an option of LoadDataEx.
type JITOption interface{ jitOption() }

// JITErrorLogBuffer receives the error log of LoadDataEx.
type JITErrorLogBuffer struct{ Buffer []byte }

func (*JITErrorLogBuffer) jitOption() {}

// Module is a loaded PTX module: the kernels its .entry directives name.
type Module struct{ entries map[string]bool }

// Function is a kernel of a module that the emulator has compiled in.
type Function struct{ name string }

// FunctionAttribute names a property of a compiled kernel.
type FunctionAttribute int

// Kernel properties the launcher reports.
const (
	NumRegs FunctionAttribute = iota + 1
	LocalSizeBytes
)

var errNoResources = errors.New("cuda emulator: kernels have no registers or occupancy here")

// Attribute fails: the emulator runs C++, not compiled PTX.
func (fn Function) Attribute(a FunctionAttribute) (int, error) { return 0, errNoResources }

// MaxActiveBlocksPerMultiProcessor fails: the emulator has no occupancy.
func (fn Function) MaxActiveBlocksPerMultiProcessor(blockSize int, dynamicSmemSize int64) (int, error) {
	return 0, errNoResources
}

var (
	eventsMu sync.Mutex
	events   = map[int]time.Time{}
	nextID   = 1
)

func newID() int {
	eventsMu.Lock()
	defer eventsMu.Unlock()
	nextID++
	return nextID
}

// InitError returns nil: the emulated driver always initialises.
func InitError() error { return nil }

// NumDevices returns 1: the emulated device.
func NumDevices() (int, error) { return 1, nil }

// GetDevice returns the emulated device; only ordinal 0 exists.
func GetDevice(ordinal int) (Device, error) {
	if ordinal != 0 {
		return 0, fmt.Errorf("cuda emulator: invalid device ordinal %d", ordinal)
	}
	return 0, nil
}

// Name names the emulated device.
func (d Device) Name() (string, error) { return "CUDA emulator (host CPU)", nil }

// Attribute returns a device property: the multiprocessor count
// (EVALCLIP_EMU_SMS, default 4).
func (d Device) Attribute(a DeviceAttribute) (int, error) {
	if a != MultiprocessorCount {
		return 0, fmt.Errorf("cuda emulator: attribute %d not emulated", a)
	}
	if s := os.Getenv(EmulatedSMsEnv); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			return 0, fmt.Errorf("cuda emulator: %s=%q: want a positive count", EmulatedSMsEnv, s)
		}
		return v, nil
	}
	return 4, nil
}

// ComputeCapability returns 8.0, what the PTX targets.
func (d Device) ComputeCapability() (major, minor int, err error) { return 8, 0, nil }

// RetainPrimaryCtx returns the device's primary context.
func (d Device) RetainPrimaryCtx() (CUContext, error) { return CUContext{d}, nil }

// SetCurrentContext makes ctx current (a no-op).
func SetCurrentContext(ctx CUContext) error { return nil }

// MakeStream returns a stream.
func MakeStream(flags StreamFlags) (Stream, error) { return Stream{newID()}, nil }

// Synchronize returns at once: emulated work completes when enqueued.
func (s Stream) Synchronize() error { return nil }

var (
	entryRE  = regexp.MustCompile(`(?m)^\s*\.(?:visible\s+)?\.entry\s+([A-Za-z_$][\w$]*)\s*\(`)
	targetRE = regexp.MustCompile(`(?m)^\s*\.target\s+((?:sm|compute)_(\d+)[a-z]?)`)
)

// LoadDataEx "loads" a PTX module: it checks that the text is PTX for a
// target the emulated sm_80 runs and records the kernels its .entry
// directives declare. The code that runs is the CUDA C compiled into the
// emulator, so a kernel must also be known to it (Module.Function).
func LoadDataEx(image string, options ...JITOption) (Module, error) {
	fail := func(msg string) (Module, error) {
		for _, o := range options {
			if lb, ok := o.(*JITErrorLogBuffer); ok && len(lb.Buffer) > 0 {
				copy(lb.Buffer, msg)
			}
		}
		return Module{}, errors.New("CUDA_ERROR_INVALID_PTX")
	}
	m := targetRE.FindStringSubmatch(image)
	if m == nil {
		return fail("ptxas fatal: no .target directive")
	}
	if v, _ := strconv.Atoi(m[2]); v > 80 || m[1] != "sm_"+m[2] && m[1] != "compute_"+m[2] {
		return fail(fmt.Sprintf("ptxas fatal: .target %s is newer than the emulated sm_80", m[1]))
	}
	mod := Module{entries: map[string]bool{}}
	for _, e := range entryRE.FindAllStringSubmatch(image, -1) {
		mod.entries[e[1]] = true
	}
	return mod, nil
}

// Function returns kernel name of the module.
func (m Module) Function(name string) (Function, error) {
	if !m.entries[name] {
		return Function{}, errors.New("CUDA_ERROR_NOT_FOUND")
	}
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	if C.emu_has_kernel(cs) == 0 {
		return Function{}, fmt.Errorf("cuda emulator: the PTX declares %s but the emulator was not built with it", name)
	}
	return Function{name}, nil
}

// EmulatedVariantEnv names an environment variable: a variant build of the
// kernels compiled into the emulator (bn64: mma.cu with FUSED_MMA_BN=64)
// whose kernels launches use instead of the default ones where it has
// them.
const EmulatedVariantEnv = "EVALCLIP_EMU_VARIANT"

// Launch runs the kernel to completion. Each kernelParams entry points at
// the argument's bytes (8-byte slots are fine: the kernel reads its own
// parameter size). Dynamic shared memory is not emulated.
func (fn Function) Launch(gx, gy, gz, bx, by, bz, sharedMemBytes int, stream Stream, kernelParams []unsafe.Pointer) error {
	if sharedMemBytes != 0 {
		return fmt.Errorf("cuda emulator: %s: dynamic shared memory is not emulated", fn.name)
	}
	// The arguments move to C memory: cgo does not let C keep pointers
	// to Go memory that holds Go pointers.
	slots := C.malloc(C.size_t(8 * max(len(kernelParams), 1)))
	defer C.free(slots)
	ptrs := C.malloc(C.size_t(unsafe.Sizeof(uintptr(0)) * uintptr(max(len(kernelParams), 1))))
	defer C.free(ptrs)
	slotArr := unsafe.Slice((*uint64)(slots), max(len(kernelParams), 1))
	ptrArr := unsafe.Slice((*unsafe.Pointer)(ptrs), max(len(kernelParams), 1))
	for i, p := range kernelParams {
		slotArr[i] = *(*uint64)(p)
		ptrArr[i] = unsafe.Pointer(&slotArr[i])
	}
	name := fn.name
	if v := os.Getenv(EmulatedVariantEnv); v != "" {
		vc := C.CString(v + "_" + name)
		if C.emu_has_kernel(vc) != 0 {
			name = v + "_" + name
		}
		C.free(unsafe.Pointer(vc))
	}
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	var msg [512]C.char
	if C.emu_launch(cs, C.int(gx), C.int(gy), C.int(gz), C.int(bx), C.int(by), C.int(bz), (*unsafe.Pointer)(ptrs), &msg[0], C.int(len(msg))) != 0 {
		return fmt.Errorf("cuda emulator: %s", C.GoString(&msg[0]))
	}
	return nil
}

// MemAlloc returns n bytes of emulated device memory, filled with 0xff.
func MemAlloc(n int64) (DevicePtr, error) {
	if n <= 0 {
		return 0, errors.New("CUDA_ERROR_INVALID_VALUE")
	}
	p := C.emu_alloc(C.size_t(n))
	if p == 0 {
		return 0, errors.New("CUDA_ERROR_OUT_OF_MEMORY")
	}
	return DevicePtr(p), nil
}

// MemFree releases memory from MemAlloc.
func MemFree(p DevicePtr) error {
	if C.emu_free(C.uintptr_t(p)) != 0 {
		return errors.New("CUDA_ERROR_INVALID_VALUE")
	}
	return nil
}

func checkRange(p DevicePtr, n int64) error {
	if n < 0 || C.emu_check(C.uintptr_t(p), C.size_t(n)) == 0 {
		return fmt.Errorf("CUDA_ERROR_INVALID_VALUE: %d bytes at %#x are not inside one allocation", n, uintptr(p))
	}
	return nil
}

// MemcpyHtoD copies n bytes from host memory to device memory.
func MemcpyHtoD(dst DevicePtr, src unsafe.Pointer, n int64) error {
	if err := checkRange(dst, n); err != nil {
		return err
	}
	C.emu_copy(C.uintptr_t(dst), C.uintptr_t(uintptr(src)), C.size_t(n))
	return nil
}

// MemcpyDtoH copies n bytes from device memory to host memory.
func MemcpyDtoH(dst unsafe.Pointer, src DevicePtr, n int64) error {
	if err := checkRange(src, n); err != nil {
		return err
	}
	C.emu_copy(C.uintptr_t(uintptr(dst)), C.uintptr_t(src), C.size_t(n))
	return nil
}

// MemsetD32Async sets n 32-bit words at p to v.
func MemsetD32Async(p DevicePtr, v uint, n int64, s Stream) error {
	if err := checkRange(p, 4*n); err != nil {
		return err
	}
	C.emu_set32(C.uintptr_t(p), C.unsigned(v), C.size_t(n))
	return nil
}

// MakeEvent returns a new event.
func MakeEvent(flags EventFlags) (Event, error) { return Event{newID()}, nil }

// DestroyEvent releases an event.
func DestroyEvent(e *Event) error {
	eventsMu.Lock()
	defer eventsMu.Unlock()
	delete(events, e.id)
	*e = Event{}
	return nil
}

// Record stamps the event with the host clock.
func (e Event) Record(s Stream) error {
	if e.id == 0 {
		return errors.New("CUDA_ERROR_INVALID_HANDLE")
	}
	eventsMu.Lock()
	defer eventsMu.Unlock()
	events[e.id] = time.Now()
	return nil
}

// Synchronize returns at once.
func (e Event) Synchronize() error { return nil }

// Elapsed returns the milliseconds between two recorded events.
func (e Event) Elapsed(end Event) (float64, error) {
	eventsMu.Lock()
	defer eventsMu.Unlock()
	t0, ok0 := events[e.id]
	t1, ok1 := events[end.id]
	if !ok0 || !ok1 {
		return 0, errors.New("CUDA_ERROR_INVALID_HANDLE")
	}
	return float64(t1.Sub(t0)) / float64(time.Millisecond), nil
}
