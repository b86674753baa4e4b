package imageproc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadModelPreprocess(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "preprocess_cfg.json")
	os.WriteFile(p, []byte(`{"size": 336, "mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "interpolation": "bilinear", "resize_mode": "squash"}`), 0o644)
	c, err := LoadModelPreprocess(p)
	if err != nil || c.Size != 336 || c.Mean[0] != 0.5 || c.Interpolation != "bilinear" || c.Resize != "squash" {
		t.Fatalf("%+v %v", c, err)
	}
	os.WriteFile(p, []byte(`{"size": [224, 256]}`), 0o644)
	if _, err := LoadModelPreprocess(p); err == nil || !strings.Contains(err.Error(), "non-square") {
		t.Errorf("non-square: %v", err)
	}
	os.WriteFile(p, []byte(`{"interpolation": "lanczos"}`), 0o644)
	if _, err := LoadModelPreprocess(p); err == nil || !strings.Contains(err.Error(), `interpolation "lanczos"`) {
		t.Errorf("lanczos: %v", err)
	}
	hf := filepath.Join(dir, "preprocessor_config.json")
	os.WriteFile(hf, []byte(`{"crop_size": 224, "size": {"shortest_edge": 224}, "image_mean": [0.1, 0.2, 0.3], "image_std": [1, 1, 1], "resample": 2}`), 0o644)
	c, err = LoadModelPreprocess(hf)
	if err != nil || c.Size != 224 || c.ResizeSize != 0 || c.Mean[2] != 0.3 || c.Interpolation != "bilinear" {
		t.Fatalf("%+v %v", c, err)
	}
	os.WriteFile(hf, []byte(`{"crop_size": {"height": 224, "width": 224}, "size": {"shortest_edge": 256}, "resample": 2}`), 0o644)
	c, err = LoadModelPreprocess(hf)
	if err != nil || c.Size != 224 || c.ResizeSize != 256 {
		t.Fatalf("resize 256, crop 224: %+v %v", c, err)
	}
}
