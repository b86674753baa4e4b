package imageproc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
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
		c.Interpolation = *raw.Interpolation
	}
	if raw.ResizeMode != nil {
		c.Resize = *raw.ResizeMode
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
