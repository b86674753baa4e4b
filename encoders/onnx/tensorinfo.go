package onnx

import (
	"fmt"
	"strings"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/imageproc"
	"github.com/evalclip/evalclip/encoders/onnxrt"
)

// Tensor names tried, in order, when the suite names none.
var (
	imageInputNames  = []string{"image", "pixel_values", "images", "input"}
	imageOutputNames = []string{"embedding", "image_embeds", "image_features", "output"}
	textInputNames   = []string{"text", "input_ids", "tokens", "input"}
	textOutputNames  = []string{"embedding", "text_embeds", "text_features", "output"}
)

// pick returns the tensor named want (if set), else the first whose name is
// in candidates, else the only one matching ok.
func pick(role, path, want string, ts []onnxrt.TensorInfo, candidates []string, ok func(onnxrt.TensorInfo) bool) (onnxrt.TensorInfo, error) {
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
	}
	if want != "" {
		for _, t := range ts {
			if t.Name == want {
				return t, nil
			}
		}
		return onnxrt.TensorInfo{}, fmt.Errorf("%s: no %s named %q (has %s)", path, role, want, strings.Join(names, ", "))
	}
	for _, c := range candidates {
		for _, t := range ts {
			if t.Name == c {
				return t, nil
			}
		}
	}
	var match []onnxrt.TensorInfo
	for _, t := range ts {
		if ok(t) {
			match = append(match, t)
		}
	}
	if len(match) == 1 {
		return match[0], nil
	}
	return onnxrt.TensorInfo{}, fmt.Errorf("%s: cannot tell which %s to use among %s; name it in the suite", path, role, strings.Join(names, ", "))
}

func isFloat(t onnxrt.TensorInfo) bool { return t.DType == "float" || t.DType == "float16" }
func isInt(t onnxrt.TensorInfo) bool   { return t.DType == "int32" || t.DType == "int64" }

// imagePreprocess resolves an image tower's preprocessing with
// imageproc.Resolve: the suite's overrides, the model's preprocessing file
// (file, "" when none), the tower's static input size (shape is its input,
// [batch, 3, H, W]), then CLIP's defaults, or torchvision's ImageNet
// transform for an image-only feature extractor. tower names the file in
// errors.
func imagePreprocess(spec encoders.Spec, file, tower string, shape []int64) (imageproc.Config, error) {
	src := imageproc.Sources{Overrides: spec.Overrides(), Defaults: imageproc.Default()}
	if spec.ImageOnly {
		src.Defaults = imageproc.TorchvisionImageNet()
	}
	if file != "" {
		c, err := imageproc.LoadModelPreprocess(file)
		if err != nil {
			return c, fmt.Errorf("model %s: %w", spec.Name, err)
		}
		src.File = &c
	}
	if len(shape) != 4 {
		return imageproc.Config{}, fmt.Errorf("model %s: %s: image input shape %v, want [batch,3,H,W]", spec.Name, tower, shape)
	}
	if shape[1] > 0 && shape[1] != 3 {
		return imageproc.Config{}, fmt.Errorf("model %s: %s takes %d channels, want 3", spec.Name, tower, shape[1])
	}
	h, w := shape[2], shape[3]
	switch {
	case h > 0 && w > 0 && h != w:
		return imageproc.Config{}, fmt.Errorf("model %s: %s takes %dx%d images; only square inputs are supported", spec.Name, tower, h, w)
	case h > 0:
		src.InputSize = int(h)
	case w > 0:
		src.InputSize = int(w)
	}
	pre, err := imageproc.Resolve(src)
	if err != nil {
		return pre, fmt.Errorf("model %s: %s: %w", spec.Name, tower, err)
	}
	return pre, nil
}
