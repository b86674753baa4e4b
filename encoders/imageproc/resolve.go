package imageproc

import "fmt"

// Overrides are preprocessing settings a suite (or a command line) gives
// explicitly; a zero value leaves the setting to the next source.
type Overrides struct {
	// Size is the crop (input) size; ResizeSize the shorter side before it.
	Size, ResizeSize int
	Mean, Std        *[3]float32
	Interpolation    Interpolation
	Resize           ResizeMode
}

// Sources are what [Resolve] combines, from the strongest: the overrides,
// the model's own preprocessing file, the image tower's input shape, then
// the backend's defaults.
type Sources struct {
	Overrides Overrides
	// File is the model's preprocess_cfg.json / preprocessor_config.json,
	// already read; nil when the model has none.
	File *Config
	// InputSize is the tower's static input height and width; 0 when
	// dynamic or unknown.
	InputSize int
	// Defaults are the backend's: CLIP's (Default), torchvision's ImageNet
	// transform for image-only feature extractors, a test tower's own.
	Defaults Config
}

// Resolve returns the preprocessing of a model: the defaults, replaced by
// the model's file when it has one, else sized to the tower's static input;
// then each override. A crop override larger than an inherited resize size
// drops that resize size (resize to the crop, as CLIP does). The result is
// validated.
func Resolve(src Sources) (Config, error) {
	c := src.Defaults
	switch {
	case src.File != nil:
		c = *src.File
	case src.InputSize > 0:
		c.Size = src.InputSize
	}
	o := src.Overrides
	if o.Size > 0 {
		c.Size = o.Size
	}
	if o.ResizeSize > 0 {
		c.ResizeSize = o.ResizeSize
	}
	if c.ResizeSize > 0 && c.ResizeSize < c.Size {
		c.ResizeSize = 0
	}
	if o.Mean != nil {
		c.Mean = *o.Mean
	}
	if o.Std != nil {
		c.Std = *o.Std
	}
	if o.Interpolation != "" {
		c.Interpolation = o.Interpolation
	}
	if o.Resize != "" {
		c.Resize = o.Resize
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	if src.InputSize > 0 && c.Size != src.InputSize {
		return c, fmt.Errorf("the tower takes %dx%d images but the preprocessing makes %dx%d", src.InputSize, src.InputSize, c.Size, c.Size)
	}
	return c, nil
}
