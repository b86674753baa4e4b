package onnx

import (
	"fmt"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/onnxrt"
)

// CheckModel checks what can be checked of spec's model without ONNX
// Runtime (evalclip validate): the layout is recognised and its files
// exist, the ONNX graphs parse and have the inputs the towers need, the
// preprocessing config and overrides make a valid pipeline, and the text
// side (tokenizer, config, context) resolves.
func (backend) CheckModel(spec encoders.Spec) error {
	if spec.Path == "" && spec.Vision == "" {
		return nil // a hub model not pulled yet
	}
	f, err := Detect(spec)
	if err != nil {
		return err
	}
	ins, err := GraphInputs(f.Vision)
	if err != nil {
		return fmt.Errorf("model %s: %w", spec.Name, err)
	}
	in, err := pick("image input", f.Vision, spec.ImageInput, ins, imageInputNames, func(t onnxrt.TensorInfo) bool { return isFloat(t) && len(t.Shape) == 4 })
	if err != nil {
		return err
	}
	if !isFloat(in) || len(in.Shape) != 4 {
		return fmt.Errorf("%s: image input %s is %s%v, want float or float16 [batch,3,H,W]", f.Vision, in.Name, in.DType, in.Shape)
	}
	if _, err := imagePreprocess(spec, f.Preprocess, f.Vision, in.Shape); err != nil {
		return err
	}
	if spec.ImageOnly {
		return nil
	}
	_, _, err = TextInputFor(spec)
	return err
}
