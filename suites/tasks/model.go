package tasks

import (
	"errors"
	"fmt"
	"io"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/prompts"
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

// Preflight checks, before any work, what can be checked without running:
// that the execution provider can work for the backends the jobs use,
// that every local model's files make a model its backend can open
// (layout, graphs, preprocessing, tokenizer), and that each zero-shot
// dataset's prompt set fits its classes where the class list is cheap to
// read (folder names, a class-name file, digits). It reports every problem
// at once, each at its suite key.
func Preflight(s *suites.Suite, jobs []suites.Job) error {
	var errs []error
	rt := RuntimeOf(s)
	checked := map[suites.Backend]bool{}
	models := map[string]bool{}
	prompted := map[string]bool{}
	for _, j := range jobs {
		if j.Model == nil {
			continue
		}
		if rt.Provider != "" && rt.Provider != string(suites.ProviderCPU) && !checked[j.Model.Backend] {
			checked[j.Model.Backend] = true
			if err := encoders.CheckRuntime(string(j.Model.Backend), rt); err != nil {
				errs = append(errs, s.KeyError("runtime.provider", "%q for model %s (backend %s): %v", rt.Provider, j.Model.Name, j.Model.Backend, err))
			}
		}
		if !models[j.Model.Name] {
			models[j.Model.Name] = true
			if err := encoders.CheckModel(string(j.Model.Backend), SpecOf(j.Model)); err != nil {
				errs = append(errs, s.KeyError(entryKey(s, "models", j.Model.Name)+".path", "%v", err))
			}
		}
		if z, ok := j.Task.Config.(*ZeroShot); ok && j.Dataset != nil && j.Dataset.Hub == "" {
			d := z.dataset(j.Dataset)
			id := fmt.Sprint(j.TaskIndex, "\x00", d.Name)
			if prompted[id] {
				continue
			}
			prompted[id] = true
			classes, cheap, err := datasets.Classes(string(d.Format), d.Path, d.Split)
			if err != nil || !cheap {
				continue // the run reports a dataset that does not open
			}
			if _, err := prompts.Resolve(promptRequest(d), classes); err != nil {
				key := entryKey(s, "datasets", d.Name)
				switch {
				case z.Templates != "" || z.Classnames != "" || z.Prompts != "":
					key = fmt.Sprintf("tasks[%d]", j.TaskIndex)
				case d.Prompts != "":
					key += ".prompts"
				case d.Classnames != "":
					key += ".classnames"
				case d.Templates != "":
					key += ".templates"
				}
				errs = append(errs, s.KeyError(key, "%v", err))
			}
		}
	}
	return errors.Join(errs...)
}

// entryKey is the key path of the model or dataset called name
// ("models[2]").
func entryKey(s *suites.Suite, list, name string) string {
	if list == "models" {
		for i := range s.Models {
			if s.Models[i].Name == name {
				return fmt.Sprintf("models[%d]", i)
			}
		}
	}
	for i := range s.Datasets {
		if s.Datasets[i].Name == name {
			return fmt.Sprintf("datasets[%d]", i)
		}
	}
	return list
}
