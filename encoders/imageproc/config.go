package imageproc

import "fmt"

// Resize modes.
const (
	// ResizeShortest scales the shorter side to Size and center-crops
	// Size x Size (CLIP, open_clip default).
	ResizeShortest = "shortest"
	// ResizeSquash scales both sides to Size, ignoring the aspect ratio.
	ResizeSquash = "squash"
)

// Interpolation filters.
const (
	Bicubic  = "bicubic"
	Bilinear = "bilinear"
)

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
	Size          int        // output is Size x Size
	ResizeSize    int        // shorter side (squash: both sides) before the Size crop; 0 means Size
	Resize        string     // ResizeShortest or ResizeSquash
	Interpolation string     // Bicubic or Bilinear
	Mean          [3]float32 // subtracted per channel after scaling to [0,1]
	Std           [3]float32 // divided per channel after subtracting Mean
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
	if c.Resize != ResizeShortest && c.Resize != ResizeSquash {
		return fmt.Errorf("unknown resize mode %q (expected %q or %q)", c.Resize, ResizeShortest, ResizeSquash)
	}
	if c.Interpolation != Bicubic && c.Interpolation != Bilinear {
		return fmt.Errorf("unknown interpolation %q (expected %q or %q)", c.Interpolation, Bicubic, Bilinear)
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
