//go:build cgo

package onnx

import (
	"fmt"
	"strings"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/onnxrt"
)

// session wraps one ONNX Runtime session with its I/O description.
type session struct {
	path    string
	sess    *ort.DynamicAdvancedSession
	inputs  []onnxrt.TensorInfo // in session order
	outputs []onnxrt.TensorInfo
	// batch1 is set when the first input's batch dimension is fixed at 1.
	batch1  bool
	workers int // concurrent Run calls
}

func (s *session) describe() string {
	var in []string
	for _, t := range s.inputs {
		in = append(in, fmt.Sprintf("%s %s%v", t.Name, t.DType, t.Shape))
	}
	mode := fmt.Sprintf("dynamic batch x %d concurrent", s.workers)
	if s.batch1 {
		mode = fmt.Sprintf("static batch 1 x %d concurrent", s.workers)
	}
	return strings.Join(in, ", ") + "; " + mode
}

func (s *session) close() error {
	if s == nil || s.sess == nil {
		return nil
	}
	err := s.sess.Destroy()
	s.sess = nil
	return err
}

// newSession opens path with the given inputs and outputs (names already
// resolved). threads is the machine's budget. On the CPU provider every
// request runs on one thread and threads requests run at once (a batch is
// split across them): for batch inference this keeps all cores busy without
// ONNX Runtime's per-operator synchronisation, which dominates for small
// towers, and it is how static batch-1 towers use the machine at all. On a
// GPU provider a dynamic-batch tower takes whole batches one at a time.
func newSession(path string, rt encoders.Runtime, inputs, outputs []onnxrt.TensorInfo, batch1 bool, threads int) (*session, error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	s := &session{path: path, inputs: inputs, outputs: outputs, batch1: batch1, workers: threads}
	intra := 1
	if providerName(rt.Provider) != "cpu" && !batch1 {
		intra, s.workers = threads, 1
	}
	if err := opts.SetIntraOpNumThreads(intra); err != nil {
		return nil, err
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, err
	}
	if err := opts.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return nil, err
	}
	if err := appendProvider(opts, rt); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var in, out []string
	for _, t := range inputs {
		in = append(in, t.Name)
	}
	for _, t := range outputs {
		out = append(out, t.Name)
	}
	sess, err := ort.NewDynamicAdvancedSession(path, in, out, opts)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.sess = sess
	return s, nil
}

func appendProvider(opts *ort.SessionOptions, rt encoders.Runtime) error {
	name := providerName(rt.Provider)
	var (
		po interface {
			Update(map[string]string) error
			Destroy() error
		}
		add func() error
		err error
	)
	switch name {
	case "cpu":
		return nil
	case "cuda":
		var c *ort.CUDAProviderOptions
		if c, err = ort.NewCUDAProviderOptions(); err == nil {
			po, add = c, func() error { return opts.AppendExecutionProviderCUDA(c) }
		}
	case "tensorrt":
		var t *ort.TensorRTProviderOptions
		if t, err = ort.NewTensorRTProviderOptions(); err == nil {
			po, add = t, func() error { return opts.AppendExecutionProviderTensorRT(t) }
		}
	default:
		return fmt.Errorf("unknown execution provider %q (cpu, cuda, tensorrt)", rt.Provider)
	}
	lib, _ := onnxrt.Loaded()
	if err != nil {
		return providerError(name, lib, err)
	}
	defer po.Destroy()
	if err := po.Update(map[string]string{"device_id": fmt.Sprint(rt.Device)}); err != nil {
		return providerError(name, lib, err)
	}
	if err := add(); err != nil {
		return providerError(name, lib, err)
	}
	return nil
}

func providerError(name string, lib onnxrt.Library, err error) error {
	want := map[string]string{"cuda": "libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so beside it, and CUDA/cuDNN libraries on the loader path",
		"tensorrt": "libonnxruntime_providers_tensorrt.so and libonnxruntime_providers_shared.so beside it, and TensorRT libraries on the loader path"}[name]
	return fmt.Errorf("execution provider %s is not available in ONNX Runtime %s at %s (it needs %s; the npm onnxruntime-node build is CPU-only): %w",
		name, lib.Version, lib.Path, want, err)
}
