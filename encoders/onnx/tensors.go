//go:build cgo

package onnx

import (
	"fmt"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/internal/half"
)

func floatTensor(dtype string, shape ort.Shape, data []float32) (ort.Value, error) {
	if dtype == "float16" {
		buf := make([]byte, 2*len(data))
		half.Encode(buf, data)
		return ort.NewCustomDataTensor(shape, buf, ort.TensorElementDataTypeFloat16)
	}
	return ort.NewTensor(shape, data)
}

func intTensor(dtype string, shape ort.Shape, data []int64) (ort.Value, error) {
	if dtype == "int32" {
		d32 := make([]int32, len(data))
		for i, v := range data {
			d32[i] = int32(v)
		}
		return ort.NewTensor(shape, d32)
	}
	return ort.NewTensor(shape, data)
}

// dummyInput is a batch-of-one zero input for a combined model's other tower.
func dummyInput(t onnxrt.TensorInfo) (ort.Value, error) {
	shape := make(ort.Shape, len(t.Shape))
	n := int64(1)
	for i, d := range t.Shape {
		if d <= 0 {
			d = 1
			if i == 1 && isInt(t) {
				d = DefaultContextLength
			}
		}
		shape[i] = d
		n *= d
	}
	if isInt(t) {
		return intTensor(t.DType, shape, make([]int64, n))
	}
	return floatTensor(t.DType, shape, make([]float32, n))
}

// runFloatOutput runs the session and returns the [n, dim] output as float32.
// float16 outputs are pre-allocated (onnxruntime_go cannot allocate them).
func runFloatOutput(s *session, inputs []ort.Value, out onnxrt.TensorInfo, n, dim int) ([]float32, error) {
	if out.DType == "float16" {
		if dim <= 0 {
			return nil, fmt.Errorf("%s: float16 output %s has a dynamic width; cannot pre-allocate it", s.path, out.Name)
		}
		buf := make([]byte, 2*n*dim)
		o, err := ort.NewCustomDataTensor(ort.NewShape(int64(n), int64(dim)), buf, ort.TensorElementDataTypeFloat16)
		if err != nil {
			return nil, err
		}
		defer o.Destroy()
		if err := s.sess.Run(inputs, []ort.Value{o}); err != nil {
			return nil, fmt.Errorf("run %s: %w", s.path, err)
		}
		res := make([]float32, n*dim)
		half.Decode(res, o.GetData())
		return res, nil
	}
	outs := []ort.Value{nil}
	if dim > 0 {
		o, err := ort.NewEmptyTensor[float32](ort.NewShape(int64(n), int64(dim)))
		if err != nil {
			return nil, err
		}
		outs[0] = o
	}
	defer func() {
		if outs[0] != nil {
			outs[0].Destroy()
		}
	}()
	if err := s.sess.Run(inputs, outs); err != nil {
		return nil, fmt.Errorf("run %s: %w", s.path, err)
	}
	t, ok := outs[0].(*ort.Tensor[float32])
	if !ok {
		return nil, fmt.Errorf("%s: output %s is not float32", s.path, out.Name)
	}
	return append([]float32(nil), t.GetData()...), nil
}
