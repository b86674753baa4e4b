package imageproc

import (
	"fmt"
	"strings"
)

// ResizeMode says how an image is brought to the input size.
type ResizeMode string

// Resize modes.
const (
	// ResizeShortest scales the shorter side to Size and center-crops
	// Size x Size (CLIP, open_clip default).
	ResizeShortest ResizeMode = "shortest"
	// ResizeSquash scales both sides to Size, ignoring the aspect ratio.
	ResizeSquash ResizeMode = "squash"
)

// ResizeModes lists the resize modes.
func ResizeModes() []ResizeMode { return []ResizeMode{ResizeShortest, ResizeSquash} }

// UnmarshalText accepts shortest or squash.
func (m *ResizeMode) UnmarshalText(text []byte) error {
	v, err := oneOf("resize mode", string(text), ResizeModes())
	*m = v
	return err
}

// Valid reports whether m is a known mode.
func (m ResizeMode) Valid() bool { _, err := oneOf("", string(m), ResizeModes()); return err == nil }

// Interpolation is the resampling filter of the resize.
type Interpolation string

// Interpolation filters (Pillow's, antialiased).
const (
	Bicubic  Interpolation = "bicubic"
	Bilinear Interpolation = "bilinear"
)

// Interpolations lists the filters.
func Interpolations() []Interpolation { return []Interpolation{Bicubic, Bilinear} }

// UnmarshalText accepts bicubic or bilinear.
func (i *Interpolation) UnmarshalText(text []byte) error {
	v, err := oneOf("interpolation", string(text), Interpolations())
	*i = v
	return err
}

// Valid reports whether i is a known filter.
func (i Interpolation) Valid() bool {
	_, err := oneOf("", string(i), Interpolations())
	return err == nil
}

// oneOf returns s as one of values, or an error listing them:
// unknown resize mode "x" (expected "shortest" or "squash").
func oneOf[T ~string](what, s string, values []T) (T, error) {
	q := make([]string, len(values))
	for i, v := range values {
		if string(v) == s {
			return v, nil
		}
		q[i] = fmt.Sprintf("%q", string(v))
	}
	list := q[0]
	if len(q) > 1 {
		list = strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
	}
	return "", fmt.Errorf("unknown %s %q (expected %s)", what, s, list)
}

// OpenAI CLIP's normalisation constants (clip/clip.py _transform).
var (
	OpenAIMean = [3]float32{0.48145466, 0.4578275, 0.40821073}
	OpenAIStd  = [3]float32{0.26862954, 0.26130258, 0.27577711}
)

// ImageNet normalisation constants of torchvision's classifiers.
var (
	ImageNetMean = [3]float32{0.485, 0.456, 0.406}
	ImageNetStd  = [3]float32{0.229, 0.224, 0.225}
)

// DefaultSize is CLIP's most common input size.
const DefaultSize = 224

// Config is one model's image preprocessing.
type Config struct {
	Size          int           // output is Size x Size
	ResizeSize    int           // shorter side (squash: both sides) before the Size crop; 0 means Size
	Resize        ResizeMode    // ResizeShortest or ResizeSquash
	Interpolation Interpolation // Bicubic or Bilinear
	Mean          [3]float32    // subtracted per channel after scaling to [0,1]
	Std           [3]float32    // divided per channel after subtracting Mean
}

// Default returns OpenAI CLIP's preprocessing at DefaultSize.
func Default() Config {
	return Config{Size: DefaultSize, Resize: ResizeShortest, Interpolation: Bicubic, Mean: OpenAIMean, Std: OpenAIStd}
}

// TorchvisionImageNet returns the evaluation transform of torchvision's
// ImageNet classifiers: Resize(256, bilinear) + CenterCrop(224) with
// ImageNet mean and std.
func TorchvisionImageNet() Config {
	return Config{Size: 224, ResizeSize: 256, Resize: ResizeShortest, Interpolation: Bilinear, Mean: ImageNetMean, Std: ImageNetStd}
}

// Validate checks the fields.
func (c Config) Validate() error {
	if c.Size < 1 {
		return fmt.Errorf("image size must be positive, got %d", c.Size)
	}
	if c.ResizeSize != 0 && c.ResizeSize < c.Size {
		return fmt.Errorf("resize size %d is smaller than the %d crop", c.ResizeSize, c.Size)
	}
	if _, err := oneOf("resize mode", string(c.Resize), ResizeModes()); err != nil {
		return err
	}
	if _, err := oneOf("interpolation", string(c.Interpolation), Interpolations()); err != nil {
		return err
	}
	for i, s := range c.Std {
		if !(s > 0) {
			return fmt.Errorf("std[%d] must be positive, got %v", i, s)
		}
	}
	return nil
}

// PixelsPerImage is the number of float32 values of one preprocessed image.
func (c Config) PixelsPerImage() int { return 3 * c.Size * c.Size }
