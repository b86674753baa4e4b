//go:build (cuda || cudaemu) && cgo

package kernels

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/evalclip/evalclip/internal/panics"
	cu "github.com/evalclip/evalclip/kernels/internal/cudrv"
)

//go:embed cuda/ptx/*.ptx
var ptxFS embed.FS

// cudaModules lists each PTX module and the kernels the launcher uses.
var cudaModules = map[string][]string{
	"prep.ptx": {"convert_f32", "convert_f16", "convert_bf16", "row_scale_f32", "row_scale_f16", "row_scale_bf16",
		"topk_rows_k8", "topk_rows_k16", "topk_merge_k8", "topk_merge_k16", "copy_f4"},
	"simt.ptx": {"gemm_naive_f32", "gemm_tiled_f32", "fused_tiled_f32_k8", "fused_tiled_f32_k16"},
	"mma.ptx": {"gemm_mma_f16", "gemm_mma_bf16", "gemm_mma_tf32",
		"fused_mma_f16_k8", "fused_mma_f16_k16", "fused_mma_bf16_k8", "fused_mma_bf16_k16", "fused_mma_tf32_k8", "fused_mma_tf32_k16"},
}

func init() {
	for _, k := range cudaKinds {
		Register(Impl{
			Name: k.name, Summary: k.summary, Device: DeviceCUDA, DTypes: k.dtypes, MaxK: CUDAMaxK,
			New:   func(dt DType) (Scorer, error) { return newCUDAScorer(k, dt), nil },
			Peaks: cudaPeaks,
		})
	}
}

// gpu owns one CUDA context. Every driver call runs on one goroutine locked
// to its OS thread, where the context is current; do hands it work.
type gpu struct {
	work   chan func()
	ord    int
	name   string
	sms    int
	stream cu.Stream
	fns    map[string]cu.Function
	ptx    map[string]string // module -> "embedded" or the override file
	res    map[string]string // kernel -> registers, local memory and blocks/SM as the driver compiled it
}

var (
	gpuOnce sync.Once
	gpuDev  *gpu
	gpuErr  error
)

// theGPU opens the device on first use.
func theGPU() (*gpu, error) {
	gpuOnce.Do(func() { gpuDev, gpuErr = openGPU() })
	return gpuDev, gpuErr
}

func openGPU() (*gpu, error) {
	g := &gpu{work: make(chan func()), fns: map[string]cu.Function{}, ptx: map[string]string{}, res: map[string]string{}}
	if s := os.Getenv(CUDADeviceEnv); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("cuda: %s=%q: want a device ordinal", CUDADeviceEnv, s)
		}
		g.ord = v
	}
	ready := make(chan error)
	go func() {
		// The thread keeps the context for the life of the process.
		runtime.LockOSThread()
		ready <- g.init()
		for f := range g.work {
			f()
		}
	}()
	if err := <-ready; err != nil {
		return nil, err
	}
	return g, nil
}

func (g *gpu) init() error {
	if err := cu.InitError(); err != nil {
		return fmt.Errorf("cuda: %w", err)
	}
	n, err := cu.NumDevices()
	if err != nil {
		return fmt.Errorf("cuda: count devices: %w", err)
	}
	if g.ord >= n {
		return fmt.Errorf("cuda: device %d requested, %d present", g.ord, n)
	}
	dev, err := cu.GetDevice(g.ord)
	if err != nil {
		return fmt.Errorf("cuda: device %d: %w", g.ord, err)
	}
	if g.name, err = dev.Name(); err != nil {
		return fmt.Errorf("cuda: device %d name: %w", g.ord, err)
	}
	if g.sms, err = dev.Attribute(cu.MultiprocessorCount); err != nil {
		return fmt.Errorf("cuda: %s: multiprocessor count: %w", g.name, err)
	}
	major, minor, err := dev.ComputeCapability()
	if err != nil {
		return fmt.Errorf("cuda: %s: compute capability: %w", g.name, err)
	}
	if major < 8 {
		return fmt.Errorf("cuda: %s has compute capability %d.%d; the kernels (mma.sync, cp.async) need 8.0 or newer", g.name, major, minor)
	}
	// The device's primary context, shared with the CUDA runtime (and so
	// with libraries such as ONNX Runtime's CUDA provider): their device
	// pointers are valid here.
	ctx, err := dev.RetainPrimaryCtx()
	if err != nil {
		return fmt.Errorf("cuda: %s: retain the primary context: %w", g.name, err)
	}
	if err := cu.SetCurrentContext(ctx); err != nil {
		return fmt.Errorf("cuda: %s: make the primary context current: %w", g.name, err)
	}
	if g.stream, err = cu.MakeStream(cu.NonBlocking); err != nil {
		return fmt.Errorf("cuda: %s: create stream: %w", g.name, err)
	}
	override := os.Getenv(PTXDirEnv)
	for file, kernels := range cudaModules {
		src, err := ptxFS.ReadFile("cuda/ptx/" + file)
		if err != nil {
			return fmt.Errorf("cuda: embedded %s: %w", file, err)
		}
		g.ptx[file] = "embedded"
		if override != "" {
			path := filepath.Join(override, file)
			if b, err := os.ReadFile(path); err == nil {
				src, g.ptx[file] = b, path
			} else if !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("cuda: %s: %w", path, err)
			}
		}
		jitLog := &cu.JITErrorLogBuffer{Buffer: make([]byte, 8192)}
		mod, err := cu.LoadDataEx(string(src), jitLog)
		if err != nil {
			msg := strings.TrimSpace(string(bytes.TrimRight(jitLog.Buffer, "\x00")))
			return fmt.Errorf("cuda: load PTX %s (%s) on %s: %w: %s", file, g.ptx[file], g.name, err, msg)
		}
		for _, k := range kernels {
			fn, err := mod.Function(k)
			if err != nil {
				return fmt.Errorf("cuda: %s (%s): kernel %s: %w", file, g.ptx[file], k, err)
			}
			g.fns[k] = fn
			// What the driver's JIT made of the PTX (absent on the
			// emulator, which runs C++).
			if regs, err := fn.Attribute(cu.NumRegs); err == nil {
				local, _ := fn.Attribute(cu.LocalSizeBytes)
				blocks, _ := fn.MaxActiveBlocksPerMultiProcessor(256, 0)
				g.res[k] = fmt.Sprintf("%d regs, %d B local, %d blocks/SM", regs, local, blocks)
			}
		}
	}
	return nil
}

// do runs f on the context's thread.
func (g *gpu) do(f func() error) error {
	errc := make(chan error, 1)
	g.work <- func() {
		var err error
		defer func() { errc <- err }()
		defer panics.Recover(&err) // a panic is the call's error; the thread lives on
		err = f()
	}
	return <-errc
}

// Kernel arguments travel as 8-byte slots (cu copies 8 bytes per
// argument; the driver reads the argument's own size, the low bytes on a
// little-endian machine).
func argP(p cu.DevicePtr) uint64 { return uint64(p) }
func argI(v int) uint64          { return uint64(uint32(int32(v))) }
func argF(v float32) uint64      { return uint64(math.Float32bits(v)) }

// launch runs kernel name on the stream; call on the context's thread.
func (g *gpu) launch(name string, gx, gy, block int, args ...uint64) error {
	fn, ok := g.fns[name]
	if !ok {
		return fmt.Errorf("cuda: no kernel %s", name)
	}
	if gx < 1 || gy < 1 || gx > math.MaxInt32 || gy > 65535 {
		return fmt.Errorf("cuda: %s: grid %dx%d out of range (the problem is too large for one launch)", name, gx, gy)
	}
	params := make([]unsafe.Pointer, len(args))
	for i := range args {
		params[i] = unsafe.Pointer(&args[i])
	}
	if err := fn.Launch(gx, gy, 1, block, 1, 1, 0, g.stream, params); err != nil {
		return fmt.Errorf("cuda: launch %s (grid %dx%d): %w", name, gx, gy, err)
	}
	return nil
}

// alloc returns device memory of n bytes; call on the context's thread.
func (g *gpu) alloc(what string, n int64) (cu.DevicePtr, error) {
	p, err := cu.MemAlloc(max(n, 4))
	if err != nil {
		return 0, fmt.Errorf("cuda: allocate %s (%d MiB) on %s: %w", what, n>>20, g.name, err)
	}
	return p, nil
}

func cdiv(a, b int) int { return (a + b - 1) / b }

// elemSuffix names the storage type of dt in kernel names.
func elemSuffix(dt DType) string {
	switch dt {
	case FP16:
		return "f16"
	case BF16:
		return "bf16"
	}
	return "f32"
}

// padLD is the leading dimension of device rows: D rounded up to 32
// elements (the kernels' k-steps), zero-filled.
func padLD(d int) int { return cdiv(d, 32) * 32 }

// cudaScorer is one CUDA implementation in one dtype.
type cudaScorer struct {
	*scorer
	kind cudaKind
	dt   DType
}

func newCUDAScorer(k cudaKind, dt DType) *cudaScorer {
	s := &cudaScorer{kind: k, dt: dt}
	s.scorer = &scorer{name: scorerName(k.name, dt), maxK: CUDAMaxK, run: s.run}
	return s
}

// DeviceName opens the GPU if needed and returns its name.
func (s *cudaScorer) DeviceName() string {
	g, err := theGPU()
	if err != nil {
		return "cuda (unavailable)"
	}
	return g.name
}

// devSet is one problem's inputs on the device, in the dtype.
type devSet struct {
	q, k cu.DevicePtr
}

// devOut are the outputs and scratch of one problem shape.
type devOut struct {
	n, c, d, ld, k  int
	splits, cps     int
	logitsFromFused bool
	rowScale        cu.DevicePtr // N
	colScale        cu.DevicePtr // C
	outV, outI      cu.DevicePtr // N*K
	partV, partI    cu.DevicePtr // splits*N*K when splits > 1
	logits          cu.DevicePtr // N*C: non-fused kernels, or WantLogits
	ptrs            []cu.DevicePtr
}

func (o *devOut) free() error {
	var errs []error
	for _, p := range o.ptrs {
		if err := cu.MemFree(p); err != nil {
			errs = append(errs, err)
		}
	}
	o.ptrs = nil
	return errors.Join(errs...)
}

// fusedBN is the column tile of the fused kernel for dt.
func fusedBN(dt DType) int {
	if dt == FP32 {
		return 64
	}
	return 128
}

// newOut allocates outputs for p; call on the context's thread.
func (s *cudaScorer) newOut(g *gpu, p *Problem) (*devOut, error) {
	o := &devOut{n: p.N, c: p.C, d: p.D, ld: padLD(p.D), k: p.K, splits: 1}
	fused := s.kind.name == "cuda-fused"
	if fused {
		// Enough blocks for about four per multiprocessor: split the
		// columns when there are too few row tiles.
		rowTiles, colTiles := cdiv(p.N, 128), cdiv(p.C, fusedBN(s.dt))
		splits := min(colTiles, max(1, 4*g.sms/max(rowTiles, 1)))
		o.cps = cdiv(colTiles, splits) * fusedBN(s.dt)
		o.splits = cdiv(p.C, o.cps)
		o.logitsFromFused = p.WantLogits
	}
	alloc := func(what string, n int64) (cu.DevicePtr, error) {
		ptr, err := g.alloc(what, n)
		if err == nil {
			o.ptrs = append(o.ptrs, ptr)
		}
		return ptr, err
	}
	var err error
	nk := int64(p.N) * int64(p.K)
	steps := []struct {
		dst  *cu.DevicePtr
		what string
		n    int64
		need bool
	}{
		{&o.rowScale, "row scales", 4 * int64(p.N), true},
		{&o.colScale, "column scales", 4 * int64(p.C), true},
		{&o.outV, "top-k scores", 4 * nk, true},
		{&o.outI, "top-k indices", 4 * nk, true},
		{&o.partV, "per-split top-k scores", 4 * nk * int64(o.splits), o.splits > 1},
		{&o.partI, "per-split top-k indices", 4 * nk * int64(o.splits), o.splits > 1},
		{&o.logits, "logits", 4 * int64(p.N) * int64(p.C), !fused || p.WantLogits},
	}
	for _, st := range steps {
		if !st.need {
			continue
		}
		if *st.dst, err = alloc(st.what, st.n); err != nil {
			o.free()
			return nil, err
		}
	}
	return o, nil
}

// upload copies p's inputs to the device in the dtype, rows padded to
// ld; with prenormalize each row is first divided by its norm in float64
// (so fp16 and bf16 keep their precision and cannot overflow). Call on the
// context's thread.
func (s *cudaScorer) upload(g *gpu, p *Problem, ld int, prenormalize bool) (devSet, []cu.DevicePtr, error) {
	staging, err := g.alloc("staging", 4*int64(max(p.N, p.C))*int64(p.D))
	if err != nil {
		return devSet{}, nil, err
	}
	defer cu.MemFree(staging)
	fill := func(what string, x []float32) (cu.DevicePtr, error) {
		if len(x) > 0 {
			if err := cu.MemcpyHtoD(staging, unsafe.Pointer(&x[0]), 4*int64(len(x))); err != nil {
				return 0, fmt.Errorf("cuda: copy %s to %s: %w", what, g.name, err)
			}
		}
		return staging, nil
	}
	return s.convertInputs(g, p.N, p.C, p.D, ld, prenormalize,
		func() (cu.DevicePtr, error) { return fill("queries", p.Queries) },
		func() (cu.DevicePtr, error) { return fill("keys", p.Keys) })
}

// convertInputs converts N and C float32 rows of width d, which source
// puts in device memory, into new buffers in the dtype with leading
// dimension ld. Call on the context's thread.
func (s *cudaScorer) convertInputs(g *gpu, n, c, d, ld int, prenormalize bool, queries, keys func() (cu.DevicePtr, error)) (set devSet, ptrs []cu.DevicePtr, err error) {
	eb := int64(s.dt.ElemBytes())
	pre := 0
	if prenormalize {
		pre = 1
	}
	for _, in := range []struct {
		dst    *cu.DevicePtr
		what   string
		source func() (cu.DevicePtr, error)
		rows   int
	}{{&set.q, "queries", queries, n}, {&set.k, "keys", keys, c}} {
		if *in.dst, err = g.alloc(in.what, eb*int64(max(in.rows, 1))*int64(ld)); err != nil {
			break
		}
		ptrs = append(ptrs, *in.dst)
		if in.rows == 0 {
			continue
		}
		var src cu.DevicePtr
		if src, err = in.source(); err != nil {
			break
		}
		if err = g.launch("convert_"+elemSuffix(s.dt), cdiv(in.rows, 8), 1, 256,
			argP(src), argI(in.rows), argI(d), argI(ld), argI(pre), argP(*in.dst)); err != nil {
			break
		}
		// The next source may reuse a staging buffer, and synchronous
		// copies do not wait for a non-blocking stream.
		if err = g.stream.Synchronize(); err != nil {
			err = fmt.Errorf("cuda: convert %s on %s: %w", in.what, g.name, err)
			break
		}
	}
	if err != nil {
		for _, ptr := range ptrs {
			cu.MemFree(ptr)
		}
		return devSet{}, nil, err
	}
	return set, ptrs, nil
}

// enqueue launches the implementation's kernels for one problem on the
// stream: row and column scales (normalisation and Scale), then the
// product and the top-k. Call on the context's thread.
func (s *cudaScorer) enqueue(g *gpu, in devSet, o *devOut, normalize bool, scale float32) error {
	norm := 0
	if normalize {
		norm = 1
	}
	sfx := elemSuffix(s.dt)
	if err := g.launch("row_scale_"+sfx, cdiv(o.n, 8), 1, 256, argP(in.q), argI(o.n), argI(o.ld), argF(1), argI(norm), argP(o.rowScale)); err != nil {
		return err
	}
	if err := g.launch("row_scale_"+sfx, cdiv(o.c, 8), 1, 256, argP(in.k), argI(o.c), argI(o.ld), argF(scale), argI(norm), argP(o.colScale)); err != nil {
		return err
	}
	common := []uint64{argP(in.q), argP(in.k), argI(o.n), argI(o.c), argI(o.ld), argP(o.rowScale), argP(o.colScale)}
	var err error
	switch s.kind.name {
	case "cuda-naive":
		err = g.launch("gemm_naive_f32", o.n, cdiv(o.c, 256), 256, append(common, argP(o.logits))...)
	case "cuda-tiled":
		err = g.launch("gemm_tiled_f32", cdiv(o.c, 128), cdiv(o.n, 128), 256, append(common, argP(o.logits))...)
	case "cuda-mma":
		err = g.launch("gemm_mma_"+mmaSuffix(s.dt), cdiv(o.c, 128), cdiv(o.n, 128), 256, append(common, argP(o.logits))...)
	case "cuda-fused":
		name := "fused_mma_" + mmaSuffix(s.dt)
		if s.dt == FP32 {
			name = "fused_tiled_f32"
		}
		name += listSuffix(o.k)
		outV, outI := o.outV, o.outI
		if o.splits > 1 {
			outV, outI = o.partV, o.partI
		}
		var logits cu.DevicePtr
		if o.logitsFromFused {
			logits = o.logits
		}
		if err = g.launch(name, cdiv(o.n, 128), o.splits, 256, append(common, argI(o.k), argI(o.cps), argP(outV), argP(outI), argP(logits))...); err != nil {
			return err
		}
		if o.splits > 1 {
			return g.launch("topk_merge"+listSuffix(o.k), cdiv(o.n, 8), 1, 256, argP(o.partV), argP(o.partI), argI(o.splits), argI(o.n), argI(o.k), argP(o.outV), argP(o.outI))
		}
		return nil
	default:
		return fmt.Errorf("cuda: unknown implementation %s", s.kind.name)
	}
	if err != nil {
		return err
	}
	return g.launch("topk_rows"+listSuffix(o.k), cdiv(o.n, 8), 1, 256, argP(o.logits), argI(o.n), argI(o.c), argI(o.k), argP(o.outV), argP(o.outI))
}

// listSuffix names the top-k list length of kernels keeping k per row:
// _k8 for k up to 8, _k16 above (fewer registers for the common small k).
func listSuffix(k int) string {
	if k <= 8 {
		return "_k8"
	}
	return "_k16"
}

// resources describes, for the kernels that compute in dt, the registers,
// local memory and resident blocks the driver's JIT gave them ("" when
// unknown).
func (g *gpu) resources(dt DType) string {
	names := []string{"fused_tiled_f32_k8", "fused_tiled_f32_k16", "gemm_tiled_f32"}
	if dt != FP32 {
		m := mmaSuffix(dt)
		names = []string{"fused_mma_" + m + "_k8", "fused_mma_" + m + "_k16", "gemm_mma_" + m}
	}
	var parts []string
	for _, k := range append(names, "topk_rows_k8") {
		if r, ok := g.res[k]; ok {
			parts = append(parts, k+" "+r)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; compiled: " + strings.Join(parts, "; ")
}

// mmaSuffix names dt in tensor-core kernel names.
func mmaSuffix(dt DType) string {
	if dt == TF32 {
		return "tf32"
	}
	return elemSuffix(dt)
}

// download copies the outputs into res; call on the context's thread.
func (o *devOut) download(g *gpu, res *Result) error {
	if len(res.Index) > 0 {
		if err := cu.MemcpyDtoH(unsafe.Pointer(&res.Score[0]), o.outV, 4*int64(len(res.Score))); err != nil {
			return fmt.Errorf("cuda: copy scores from %s: %w", g.name, err)
		}
		if err := cu.MemcpyDtoH(unsafe.Pointer(&res.Index[0]), o.outI, 4*int64(len(res.Index))); err != nil {
			return fmt.Errorf("cuda: copy indices from %s: %w", g.name, err)
		}
	}
	if len(res.Logits) > 0 {
		if err := cu.MemcpyDtoH(unsafe.Pointer(&res.Logits[0]), o.logits, 4*int64(len(res.Logits))); err != nil {
			return fmt.Errorf("cuda: copy logits from %s: %w", g.name, err)
		}
	}
	return nil
}

// poison fills the outputs with all-ones bits (NaN scores, index -1) so
// that an element no kernel writes cannot pass for a result. It is queued
// on the stream, before the kernels.
func (o *devOut) poison(g *gpu) error {
	for _, p := range []struct {
		ptr cu.DevicePtr
		n   int64
	}{{o.outV, int64(o.n) * int64(o.k)}, {o.outI, int64(o.n) * int64(o.k)}, {o.logits, int64(o.n) * int64(o.c)}} {
		if p.ptr != 0 && p.n > 0 {
			if err := cu.MemsetD32Async(p.ptr, 0xffffffff, p.n, g.stream); err != nil {
				return fmt.Errorf("cuda: poison outputs: %w", err)
			}
		}
	}
	return nil
}

// run is Score on the GPU: upload (normalising rows in float64 first when
// asked), poison the outputs, run, download.
func (s *cudaScorer) run(ctx context.Context, p *Problem, res *Result) error {
	return s.scoreOn(ctx, p, res, func(g *gpu, o *devOut) (devSet, []cu.DevicePtr, error) {
		return s.upload(g, p, o.ld, p.Normalize)
	})
}

// ScoreDevice is Score for inputs already in GPU memory (see
// DeviceProblem); the result comes back to the host.
func (s *cudaScorer) ScoreDevice(ctx context.Context, dp *DeviceProblem, res *Result) error {
	p := dp.shape()
	if err := p.validateDims(); err != nil {
		return err
	}
	if p.K > CUDAMaxK {
		return fmt.Errorf("kernels: %s keeps at most %d scores per row, K = %d", s.Name(), CUDAMaxK, p.K)
	}
	if err := checkResult(p, res); err != nil {
		return err
	}
	if (p.N > 0 && dp.Queries == 0) || dp.Keys == 0 {
		return errors.New("kernels: DeviceProblem with a nil device address")
	}
	return s.scoreOn(ctx, p, res, func(g *gpu, o *devOut) (devSet, []cu.DevicePtr, error) {
		return s.convertInputs(g, p.N, p.C, p.D, o.ld, p.Normalize,
			func() (cu.DevicePtr, error) { return cu.DevicePtr(dp.Queries), nil },
			func() (cu.DevicePtr, error) { return cu.DevicePtr(dp.Keys), nil })
	})
}

// scoreOn allocates outputs, gets the inputs onto the device with load,
// poisons the outputs, runs and downloads into res.
func (s *cudaScorer) scoreOn(ctx context.Context, p *Problem, res *Result, load func(*gpu, *devOut) (devSet, []cu.DevicePtr, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.N == 0 {
		return nil
	}
	g, err := theGPU()
	if err != nil {
		return err
	}
	return g.do(func() error {
		o, err := s.newOut(g, p)
		if err != nil {
			return err
		}
		defer o.free()
		in, ptrs, err := load(g, o)
		if err != nil {
			return err
		}
		defer func() {
			for _, ptr := range ptrs {
				cu.MemFree(ptr)
			}
		}()
		if err := o.poison(g); err != nil {
			return err
		}
		// Both loaders normalised the rows on the way in (x / max(|x|,
		// eps) in float64): normalising again would make a row shorter
		// than eps a unit row.
		if err := s.enqueue(g, in, o, false, p.scale()); err != nil {
			return err
		}
		if err := g.stream.Synchronize(); err != nil {
			return fmt.Errorf("cuda: %s on %s: %w", s.Name(), g.name, err)
		}
		return o.download(g, res)
	})
}

// toDevice copies x into new device memory.
func toDevice(x []float32) (*DeviceBuffer, error) {
	g, err := theGPU()
	if err != nil {
		return nil, err
	}
	b := &DeviceBuffer{Len: len(x)}
	err = g.do(func() error {
		p, err := g.alloc("buffer", 4*int64(len(x)))
		if err != nil {
			return err
		}
		if len(x) > 0 {
			if err := cu.MemcpyHtoD(p, unsafe.Pointer(&x[0]), 4*int64(len(x))); err != nil {
				cu.MemFree(p)
				return fmt.Errorf("cuda: copy to %s: %w", g.name, err)
			}
		}
		b.Ptr = uintptr(p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// freeDevice releases memory from toDevice.
func freeDevice(b *DeviceBuffer) error {
	g, err := theGPU()
	if err != nil {
		return err
	}
	return g.do(func() error { return cu.MemFree(cu.DevicePtr(b.Ptr)) })
}

// cudaBench keeps problems resident on the device and times the kernels
// with CUDA events.
type cudaBench struct {
	s          *cudaScorer
	g          *gpu
	probs      []*Problem
	sets       []devSet
	ptrs       []cu.DevicePtr
	out        *devOut
	start, end cu.Event
	last       int
}

// NewBench uploads the problems (which must share a shape) in the dtype,
// without normalising them: normalisation is part of what is timed.
func (s *cudaScorer) NewBench(ctx context.Context, probs []*Problem) (Bench, error) {
	if len(probs) == 0 {
		return nil, errors.New("cuda: no problems to time")
	}
	if probs[0].K > CUDAMaxK {
		return nil, fmt.Errorf("kernels: %s keeps at most %d scores per row, K = %d", s.Name(), CUDAMaxK, probs[0].K)
	}
	g, err := theGPU()
	if err != nil {
		return nil, err
	}
	b := &cudaBench{s: s, g: g, probs: probs, last: -1}
	err = g.do(func() error {
		var err error
		if b.out, err = s.newOut(g, probs[0]); err != nil {
			return err
		}
		for _, p := range probs {
			if err := ctx.Err(); err != nil {
				return err
			}
			set, ptrs, err := s.upload(g, p, b.out.ld, false)
			b.ptrs = append(b.ptrs, ptrs...)
			if err != nil {
				return err
			}
			b.sets = append(b.sets, set)
		}
		if b.start, err = cu.MakeEvent(cu.DefaultEvent); err != nil {
			return fmt.Errorf("cuda: event: %w", err)
		}
		if b.end, err = cu.MakeEvent(cu.DefaultEvent); err != nil {
			return fmt.Errorf("cuda: event: %w", err)
		}
		return nil
	})
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func (b *cudaBench) Run(ctx context.Context, i int) (float64, error) {
	var ms float64
	err := b.g.do(func() error {
		p := b.probs[i]
		if err := b.start.Record(b.g.stream); err != nil {
			return fmt.Errorf("cuda: record event: %w", err)
		}
		if err := b.s.enqueue(b.g, b.sets[i], b.out, p.Normalize, p.scale()); err != nil {
			return err
		}
		if err := b.end.Record(b.g.stream); err != nil {
			return fmt.Errorf("cuda: record event: %w", err)
		}
		if err := b.end.Synchronize(); err != nil {
			return fmt.Errorf("cuda: %s on %s: %w", b.s.Name(), b.g.name, err)
		}
		var err error
		if ms, err = b.start.Elapsed(b.end); err != nil {
			return fmt.Errorf("cuda: elapsed time: %w", err)
		}
		return nil
	})
	if err == nil {
		b.last = i
	}
	return ms, err
}

func (b *cudaBench) Result(i int) (*Result, error) {
	if b.last != i {
		return nil, fmt.Errorf("cuda: result of problem %d asked for, but the last run was on problem %d", i, b.last)
	}
	res := newResult(b.probs[i])
	if !b.probs[i].WantLogits {
		res.Logits = nil
	}
	return res, b.g.do(func() error { return b.out.download(b.g, res) })
}

func (b *cudaBench) Timer() string { return "CUDA events" }

func (b *cudaBench) Close() error {
	return b.g.do(func() error {
		var errs []error
		if b.out != nil {
			errs = append(errs, b.out.free())
		}
		for _, p := range b.ptrs {
			errs = append(errs, cu.MemFree(p))
		}
		b.ptrs, b.out = nil, nil
		for _, ev := range []*cu.Event{&b.start, &b.end} {
			if *ev != (cu.Event{}) {
				errs = append(errs, cu.DestroyEvent(ev))
			}
		}
		return errors.Join(errs...)
	})
}

// Sizes of the CUDA peak measurements.
const (
	cudaPeakCopyBytes = 1 << 30
	cudaPeakGemm16    = 8192 // n of the n×n×n tensor-core GEMM
	cudaPeakGemm32    = 4096 // n of the n×n×n float32 GEMM
)

// cudaPeaks measures the GPU's ceilings with the project's own kernels:
// copy_f4 over 1 GiB (bytes read plus written), and the dtype's logits
// GEMM (gemm_mma_* for tf32/fp16/bf16, gemm_tiled_f32 for fp32) at
// n×n×n; each the best of five timed runs after a warm-up.
func cudaPeaks(ctx context.Context, dt DType) (Peaks, error) {
	g, err := theGPU()
	if err != nil {
		return Peaks{}, err
	}
	n, kernel := cudaPeakGemm16, "gemm_mma_"+mmaSuffix(dt)
	if dt == FP32 {
		n, kernel = cudaPeakGemm32, "gemm_tiled_f32"
	}
	copyBytes := int64(cudaPeakCopyBytes)
	if cu.Emulated {
		// The host emulator runs the same kernels at sizes it finishes
		// in a second; its figures are not a GPU's.
		n, copyBytes = 256, 1<<20
	}
	a := RandomEmbeddings(n, n, 11)
	bm := RandomEmbeddings(n, n, 12)
	var pk Peaks
	err = g.do(func() error {
		var ptrs []cu.DevicePtr
		defer func() {
			for _, p := range ptrs {
				cu.MemFree(p)
			}
		}()
		alloc := func(what string, n int64) (cu.DevicePtr, error) {
			p, err := g.alloc(what, n)
			if err == nil {
				ptrs = append(ptrs, p)
			}
			return p, err
		}
		start, err := cu.MakeEvent(cu.DefaultEvent)
		if err != nil {
			return err
		}
		defer cu.DestroyEvent(&start)
		end, err := cu.MakeEvent(cu.DefaultEvent)
		if err != nil {
			return err
		}
		defer cu.DestroyEvent(&end)
		best := func(run func() error) (float64, error) {
			b := math.Inf(1)
			for rep := 0; rep < 6; rep++ {
				if err := ctx.Err(); err != nil {
					return 0, err
				}
				if err := start.Record(g.stream); err != nil {
					return 0, err
				}
				if err := run(); err != nil {
					return 0, err
				}
				if err := end.Record(g.stream); err != nil {
					return 0, err
				}
				if err := end.Synchronize(); err != nil {
					return 0, err
				}
				ms, err := start.Elapsed(end)
				if err != nil {
					return 0, err
				}
				if rep > 0 {
					b = min(b, ms)
				}
			}
			return b, nil
		}

		src, err := alloc("copy source", copyBytes)
		if err != nil {
			return err
		}
		dst, err := alloc("copy destination", copyBytes)
		if err != nil {
			return err
		}
		ms, err := best(func() error {
			return g.launch("copy_f4", 8*g.sms, 1, 256, argP(src), argP(dst), uint64(copyBytes/16))
		})
		if err != nil {
			return fmt.Errorf("cuda: copy peak: %w", err)
		}
		pk.GBPS = 2 * float64(copyBytes) / ms / 1e6

		s := newCUDAScorer(cudaKind{name: "peak"}, dt)
		p := &Problem{Queries: a, N: n, Keys: bm, C: n, D: n, K: 1}
		in, inPtrs, err := s.upload(g, p, n, false)
		ptrs = append(ptrs, inPtrs...)
		if err != nil {
			return err
		}
		scales, err := alloc("scales", 4*int64(n))
		if err != nil {
			return err
		}
		if err := g.launch("row_scale_f32", cdiv(n, 8), 1, 256, argP(scales), argI(n), argI(1), argF(1), argI(0), argP(scales)); err != nil {
			return err
		}
		logits, err := alloc("logits", 4*int64(n)*int64(n))
		if err != nil {
			return err
		}
		ms, err = best(func() error {
			return g.launch(kernel, cdiv(n, 128), cdiv(n, 128), 256,
				argP(in.q), argP(in.k), argI(n), argI(n), argI(n), argP(scales), argP(scales), argP(logits))
		})
		if err != nil {
			return fmt.Errorf("cuda: GEMM peak: %w", err)
		}
		pk.GFLOPS = 2 * float64(n) * float64(n) * float64(n) / ms / 1e6
		pk.Method = fmt.Sprintf("%s at %d³, copy_f4 over %d MiB, best of 5 with CUDA events on %s (PTX: %v)",
			kernel, n, copyBytes>>20, g.name, g.ptx) + g.resources(dt)
		return nil
	})
	return pk, err
}
