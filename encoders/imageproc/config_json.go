package imageproc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// ParsePreprocessCfg reads open_clip's preprocess_cfg.json (as shipped in
// open_clip/immich model folders next to the image tower):
//
//	{"size": [224, 224], "mode": "RGB", "mean": [...], "std": [...],
//	 "interpolation": "bicubic", "resize_mode": "shortest", "fill_color": 0}
//
// Missing keys keep OpenAI's defaults. size may be a number or a square
// [h, w]; mode must be RGB; resize_mode "longest" (letterboxing) and other
// filters are rejected with an error naming the key.
func ParsePreprocessCfg(data []byte) (Config, error) {
	var raw struct {
		Size          json.RawMessage `json:"size"`
		Mode          *string         `json:"mode"`
		Mean          []float32       `json:"mean"`
		Std           []float32       `json:"std"`
		Interpolation *string         `json:"interpolation"`
		ResizeMode    *string         `json:"resize_mode"`
		FillColor     json.RawMessage `json:"fill_color"`
	}
	c := Default()
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return c, err
	}
	if len(raw.Size) > 0 {
		var n int
		var hw []int
		switch {
		case json.Unmarshal(raw.Size, &n) == nil:
		case json.Unmarshal(raw.Size, &hw) == nil && len(hw) == 2:
			if hw[0] != hw[1] {
				return c, fmt.Errorf("size: non-square input %dx%d is not supported", hw[0], hw[1])
			}
			n = hw[0]
		default:
			return c, fmt.Errorf("size: expected a number or [height, width], got %s", raw.Size)
		}
		c.Size = n
	}
	if raw.Mode != nil && *raw.Mode != "RGB" {
		return c, fmt.Errorf("mode: %q is not supported (expected \"RGB\")", *raw.Mode)
	}
	for _, f := range []struct {
		key string
		v   []float32
		dst *[3]float32
	}{{"mean", raw.Mean, &c.Mean}, {"std", raw.Std, &c.Std}} {
		if f.v == nil {
			continue
		}
		if len(f.v) != 3 {
			return c, fmt.Errorf("%s: expected 3 values, got %d", f.key, len(f.v))
		}
		copy(f.dst[:], f.v)
	}
	if raw.Interpolation != nil {
		c.Interpolation = Interpolation(*raw.Interpolation)
	}
	if raw.ResizeMode != nil {
		c.Resize = ResizeMode(*raw.ResizeMode)
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// LoadPreprocessCfg reads a preprocess_cfg.json file; errors name it.
func LoadPreprocessCfg(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Default(), err
	}
	c, err := ParsePreprocessCfg(data)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseHFPreprocessorConfig reads a Hugging Face CLIPImageProcessor
// preprocessor_config.json:
//
//	{"crop_size": 224, "size": {"shortest_edge": 224}, "image_mean": [...],
//	 "image_std": [...], "resample": 3, "do_center_crop": true}
//
// crop_size is the output size and size (shortest_edge) the resize before
// it; resample 3 is bicubic and 2 bilinear; do_center_crop false means
// squash. Missing keys keep OpenAI's defaults.
func ParseHFPreprocessorConfig(data []byte) (Config, error) {
	var raw struct {
		CropSize     json.RawMessage `json:"crop_size"`
		Size         json.RawMessage `json:"size"`
		Mean         []float32       `json:"image_mean"`
		Std          []float32       `json:"image_std"`
		Resample     *int            `json:"resample"`
		DoCenterCrop *bool           `json:"do_center_crop"`
	}
	c := Default()
	if err := json.Unmarshal(data, &raw); err != nil {
		return c, err
	}
	size := func(key string, v json.RawMessage) (int, error) {
		var n int
		if json.Unmarshal(v, &n) == nil {
			return n, nil
		}
		var m map[string]int
		if json.Unmarshal(v, &m) == nil {
			if h, w := m["height"], m["width"]; h != w {
				return 0, fmt.Errorf("%s: non-square %dx%d is not supported", key, h, w)
			}
			for _, k := range []string{"shortest_edge", "height"} {
				if n, ok := m[k]; ok {
					return n, nil
				}
			}
		}
		return 0, fmt.Errorf("%s: expected a number or {\"shortest_edge\": N} / {\"height\": H, \"width\": W}, got %s", key, v)
	}
	var err error
	var resize int
	if len(raw.Size) > 0 {
		if resize, err = size("size", raw.Size); err != nil {
			return c, err
		}
		c.Size = resize
	}
	if len(raw.CropSize) > 0 {
		if c.Size, err = size("crop_size", raw.CropSize); err != nil {
			return c, err
		}
		if resize != 0 && resize != c.Size {
			c.ResizeSize = resize
		}
	}
	for _, f := range []struct {
		key string
		v   []float32
		dst *[3]float32
	}{{"image_mean", raw.Mean, &c.Mean}, {"image_std", raw.Std, &c.Std}} {
		if f.v == nil {
			continue
		}
		if len(f.v) != 3 {
			return c, fmt.Errorf("%s: expected 3 values, got %d", f.key, len(f.v))
		}
		copy(f.dst[:], f.v)
	}
	if raw.Resample != nil {
		switch *raw.Resample {
		case 2:
			c.Interpolation = Bilinear
		case 3:
			c.Interpolation = Bicubic
		default:
			return c, fmt.Errorf("resample: PIL filter %d is not supported (2 bilinear, 3 bicubic)", *raw.Resample)
		}
	}
	if raw.DoCenterCrop != nil && !*raw.DoCenterCrop {
		c.Resize = ResizeSquash
	}
	return c, c.Validate()
}

// LoadModelPreprocess reads a model's preprocessing file: a Hugging Face
// preprocessor_config.json, else an open_clip preprocess_cfg.json. Errors
// name the file.
func LoadModelPreprocess(path string) (Config, error) {
	if filepath.Base(path) != "preprocessor_config.json" {
		return LoadPreprocessCfg(path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Default(), err
	}
	c, err := ParseHFPreprocessorConfig(data)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}
