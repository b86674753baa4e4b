package tasks

import (
	"fmt"
	"io"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/suites"
)

// SpecOf converts a suite model entry to an encoder spec.
func SpecOf(m *suites.Model) encoders.Spec {
	return encoders.Spec{
		Name: m.Name, Path: m.Path, Vision: m.Vision, Text: m.Text, Tokenizer: m.Tokenizer,
		ImageSize: m.ImageSize, Mean: m.Mean, Std: m.Std, Interpolation: m.Interpolation,
		Resize: m.Resize, ContextLength: m.ContextLength, PadID: m.PadID, Clean: m.Clean,
		LogitScale: m.LogitScale, LogitBias: m.LogitBias,
		ImageInput: m.ImageInput, ImageOutput: m.ImageOutput, TextInput: m.TextInput, TextOutput: m.TextOutput,
		EmbedDim: m.EmbedDim, ResizeSize: m.ResizeSize, ImageOnly: m.Supervised,
	}
}

// RuntimeOf converts a suite's runtime section to encoder settings.
func RuntimeOf(s *suites.Suite) encoders.Runtime {
	r := s.Runtime
	return encoders.Runtime{Provider: string(r.Provider), Threads: r.Threads, BatchSize: r.BatchSize,
		Device: r.Device, ONNXRuntime: r.ONNXRuntime}
}

// OpenModel returns the run's shared instance of the model, opening it on
// first use; the runner closes it when the run ends.
func OpenModel(env *suites.Env, m *suites.Model) (encoders.Model, error) {
	r, err := env.Resource("model/"+m.Name, func() (io.Closer, error) {
		model, err := encoders.Open(string(m.Backend), SpecOf(m), RuntimeOf(env.Suite))
		if err != nil {
			return nil, err
		}
		if env.Log != nil {
			fmt.Fprintf(env.Log, "model %s\n", model.Describe())
		}
		return model, nil
	})
	if err != nil {
		return nil, err
	}
	return r.(encoders.Model), nil
}

// Preflight checks what a run of s needs from this process before any job
// starts: today, that the execution provider of [runtime] provider can work
// for each encoder backend the planned jobs use (for onnx: the ONNX Runtime
// library has the provider, its libraries sit beside it and load). Problems
// are ConfigErrors at runtime.provider. The CPU provider is not checked
// here: a missing library is reported when the first model opens.
func Preflight(s *suites.Suite, jobs []suites.Job) error {
	rt := RuntimeOf(s)
	if rt.Provider == "" || rt.Provider == string(suites.ProviderCPU) {
		return nil
	}
	checked := map[suites.Backend]bool{}
	for _, j := range jobs {
		if j.Model == nil || checked[j.Model.Backend] {
			continue
		}
		checked[j.Model.Backend] = true
		if err := encoders.CheckRuntime(string(j.Model.Backend), rt); err != nil {
			return s.KeyError("runtime.provider", "%q for model %s (backend %s): %v", rt.Provider, j.Model.Name, j.Model.Backend, err)
		}
	}
	return nil
}
