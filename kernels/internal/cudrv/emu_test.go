//go:build cudaemu && cgo

package cudrv

import (
	"math"
	"strings"
	"testing"
	"unsafe"
)

// testModule is PTX text declaring the self-test kernels.
const testModule = `
.version 7.8
.target sm_80
.address_size 64
.visible .entry emutest_barrier(.param .u64 p0) { ret; }
.visible .entry emutest_shfl(.param .u32 p0, .param .u64 p1, .param .u64 p2) { ret; }
.visible .entry emutest_deadlock() { ret; }
.visible .entry emutest_partial_warp() { ret; }
.visible .entry emutest_cp_async(.param .u64 p0, .param .u32 p1, .param .u64 p2) { ret; }
.visible .entry emutest_uninit(.param .u64 p0) { ret; }
.visible .entry emutest_not_shared(.param .u64 p0) { ret; }
.visible .entry not_compiled_in() { ret; }
`

func fn(t *testing.T, name string) Function {
	t.Helper()
	m, err := LoadDataEx(testModule)
	if err != nil {
		t.Fatal(err)
	}
	f, err := m.Function(name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func alloc(t *testing.T, n int64) DevicePtr {
	t.Helper()
	p, err := MemAlloc(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := MemFree(p); err != nil {
			t.Error(err)
		}
	})
	return p
}

func launch(f Function, gx, bx int, args ...uint64) error {
	params := make([]unsafe.Pointer, len(args))
	for i := range args {
		params[i] = unsafe.Pointer(&args[i])
	}
	return f.Launch(gx, 1, 1, bx, 1, 1, 0, Stream{}, params)
}

func download[T any](t *testing.T, p DevicePtr, n int) []T {
	t.Helper()
	out := make([]T, n)
	var z T
	if err := MemcpyDtoH(unsafe.Pointer(&out[0]), p, int64(n)*int64(unsafe.Sizeof(z))); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBarrier(t *testing.T) {
	out := alloc(t, 4*256)
	if err := launch(fn(t, "emutest_barrier"), 1, 256, uint64(out)); err != nil {
		t.Fatal(err)
	}
	for i, v := range download[int32](t, out, 256) {
		if want := int32(i + 1000*(255-i)); v != want {
			t.Fatalf("thread %d: %d, want %d", i, v, want)
		}
	}
}

func TestSharedMemoryStartsPoisoned(t *testing.T) {
	out := alloc(t, 4*64*2)
	if err := launch(fn(t, "emutest_uninit"), 2, 64, uint64(out)); err != nil {
		t.Fatal(err)
	}
	for i, v := range download[int32](t, out, 128) {
		if v != -1 {
			t.Fatalf("thread %d of block %d read %d from unwritten shared memory, want the 0xff poison", i%64, i/64, v)
		}
	}
}

func TestShuffle(t *testing.T) {
	const n = 128
	oi, od := alloc(t, 4*n), alloc(t, 8*n)
	for _, off := range []int{1, 5, 16} {
		if err := launch(fn(t, "emutest_shfl"), 2, n/2, uint64(off), uint64(oi), uint64(od)); err != nil {
			t.Fatal(err)
		}
		gi, gd := download[int32](t, oi, n), download[float64](t, od, n)
		for i := range n {
			src := i ^ off
			if gi[i] != int32(src) || gd[i] != 0.5+float64(src) {
				t.Fatalf("offset %d, thread %d: got %d and %g, want lane %d's", off, i, gi[i], gd[i], src)
			}
		}
	}
}

func TestDeviceErrors(t *testing.T) {
	for _, c := range []struct{ kernel, want string }{
		{"emutest_deadlock", "deadlock in block (0,0,0): 48 threads wait at __syncthreads, 16 at warp collectives"},
		{"emutest_partial_warp", "a warp collective ran with 16 of 32 lanes"},
		{"emutest_not_shared", "which is not in the block's shared memory"},
	} {
		buf := alloc(t, 64)
		err := launch(fn(t, c.kernel), 1, 64, uint64(buf))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.kernel, err, c.want)
		}
	}
}

func TestCpAsync(t *testing.T) {
	src, dst := alloc(t, 32*16+16), alloc(t, 32*16)
	in := make([]byte, 32*16+16)
	for i := range in {
		in[i] = byte(i)
	}
	if err := MemcpyHtoD(src, unsafe.Pointer(&in[0]), int64(len(in))); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"deferred", "eager"} {
		t.Setenv("EVALCLIP_EMU_CPASYNC", mode)
		if err := launch(fn(t, "emutest_cp_async"), 1, 32, uint64(src), 0, uint64(dst)); err != nil {
			t.Fatal(err)
		}
		got := download[byte](t, dst, 32*16)
		for i, v := range got {
			want := byte(i)
			if (i/16)%2 == 1 {
				want = 0 // src-size 0: zero fill
			}
			if v != want {
				t.Fatalf("%s: byte %d = %d, want %d", mode, i, v, want)
			}
		}
	}
	err := launch(fn(t, "emutest_cp_async"), 1, 32, uint64(src), 4, uint64(dst))
	if err == nil || !strings.Contains(err.Error(), "must be 16-byte aligned") {
		t.Errorf("misaligned cp.async: error %v", err)
	}
}

func TestModules(t *testing.T) {
	if _, err := LoadDataEx(strings.Replace(testModule, "sm_80", "sm_90a", 1)); err == nil {
		t.Error("sm_90a PTX loaded on the emulated sm_80")
	}
	log := &JITErrorLogBuffer{Buffer: make([]byte, 256)}
	if _, err := LoadDataEx("not ptx", log); err == nil || !strings.Contains(string(log.Buffer), "no .target") {
		t.Errorf("text without .target: error %v, log %q", err, log.Buffer)
	}
	m, err := LoadDataEx(testModule)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Function("emutest_missing"); err == nil {
		t.Error("a kernel the PTX does not declare was found")
	}
	if _, err := m.Function("not_compiled_in"); err == nil || !strings.Contains(err.Error(), "not built with it") {
		t.Errorf("declared but not emulated: error %v", err)
	}
	f := fn(t, "emutest_barrier")
	if err := f.Launch(1, 70000, 1, 32, 1, 1, 0, Stream{}, nil); err == nil {
		t.Error("grid y of 70000 launched")
	}
	if err := f.Launch(1, 1, 1, 2048, 1, 1, 0, Stream{}, nil); err == nil {
		t.Error("block of 2048 threads launched")
	}
}

func TestMemory(t *testing.T) {
	p := alloc(t, 100)
	got := download[uint32](t, p, 25)
	if got[0] != math.MaxUint32 || got[24] != math.MaxUint32 {
		t.Errorf("fresh memory %x, want all ones", got[:2])
	}
	if err := MemsetD32Async(p, 7, 25, Stream{}); err != nil {
		t.Fatal(err)
	}
	if got := download[uint32](t, p, 25); got[24] != 7 {
		t.Errorf("after memset: %v", got)
	}
	buf := make([]byte, 101)
	if err := MemcpyHtoD(p, unsafe.Pointer(&buf[0]), 101); err == nil {
		t.Error("a 101-byte copy into 100 bytes succeeded")
	}
	if err := MemcpyDtoH(unsafe.Pointer(&buf[0]), p+1, 100); err == nil {
		t.Error("a copy past the end succeeded")
	}
	if uintptr(p)%256 != 0 {
		t.Errorf("allocation at %#x is not 256-byte aligned", uintptr(p))
	}
	q, err := MemAlloc(8)
	if err != nil {
		t.Fatal(err)
	}
	if err := MemFree(q); err != nil {
		t.Fatal(err)
	}
	if err := MemFree(q); err == nil {
		t.Error("double free succeeded")
	}
}

func TestEvents(t *testing.T) {
	a, _ := MakeEvent(DefaultEvent)
	b, _ := MakeEvent(DefaultEvent)
	if _, err := a.Elapsed(b); err == nil {
		t.Error("elapsed time of unrecorded events")
	}
	if err := a.Record(Stream{}); err != nil {
		t.Fatal(err)
	}
	if err := b.Record(Stream{}); err != nil {
		t.Fatal(err)
	}
	if ms, err := a.Elapsed(b); err != nil || ms < 0 {
		t.Errorf("elapsed %v, %v", ms, err)
	}
	if err := DestroyEvent(&a); err != nil || a != (Event{}) {
		t.Errorf("destroy: %v, %+v", err, a)
	}
}
