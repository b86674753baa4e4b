//go:build !cgo

package onnx

import (
	"fmt"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/onnxrt"
)

func init() { encoders.Register("onnx", backend{}) }

type backend struct{}

func (backend) Open(spec encoders.Spec, rt encoders.Runtime) (encoders.Model, error) {
	return nil, fmt.Errorf("model %s: %w", spec.Name, onnxrt.ErrNoCgo)
}

// CheckRuntime fails for GPU providers: nothing can run without cgo.
func (backend) CheckRuntime(rt encoders.Runtime) error {
	if rt.Provider == "" || rt.Provider == "cpu" {
		return nil
	}
	return fmt.Errorf("execution provider %s: %w", rt.Provider, onnxrt.ErrNoCgo)
}
