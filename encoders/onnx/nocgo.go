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
