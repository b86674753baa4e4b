package onnx

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/encoders"
)

// Listings as the Hub shows them for the layouts users pull.
var (
	immichListing = []string{".gitattributes", "README.md", "config.json",
		"textual/model.onnx", "textual/tokenizer.json", "textual/tokenizer_config.json", "textual/special_tokens_map.json",
		"textual/fp16/model.armnn", "textual/rknpu/rk3566/model.rknn",
		"visual/model.onnx", "visual/model.onnx_data", "visual/preprocess_cfg.json", "visual/fp16/model.armnn"}
	xenovaListing = []string{"README.md", "config.json", "merges.txt", "preprocessor_config.json", "special_tokens_map.json",
		"tokenizer.json", "tokenizer_config.json", "vocab.json",
		"onnx/model.onnx", "onnx/model_fp16.onnx", "onnx/text_model.onnx", "onnx/text_model_quantized.onnx",
		"onnx/vision_model.onnx", "onnx/vision_model_fp16.onnx"}
)

func TestHubFiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		listing []string
		spec    HubSpec
		want    []string
	}{
		{"immich", immichListing, HubSpec{}, []string{"config.json", "textual/model.onnx", "textual/special_tokens_map.json",
			"textual/tokenizer.json", "textual/tokenizer_config.json", "visual/model.onnx", "visual/preprocess_cfg.json"}},
		{"hf under onnx/", xenovaListing, HubSpec{}, []string{"config.json", "merges.txt", "onnx/text_model.onnx",
			"onnx/vision_model.onnx", "preprocessor_config.json", "special_tokens_map.json", "tokenizer.json",
			"tokenizer_config.json", "vocab.json"}},
		{"combined", []string{"model.onnx", "tokenizer.json", "preprocessor_config.json", "model.safetensors"}, HubSpec{},
			[]string{"model.onnx", "preprocessor_config.json", "tokenizer.json"}},
		{"explicit towers", xenovaListing, HubSpec{Vision: "onnx/vision_model_fp16.onnx", Text: "onnx/text_model_quantized.onnx"},
			[]string{"config.json", "merges.txt", "onnx/text_model_quantized.onnx", "onnx/vision_model_fp16.onnx",
				"preprocessor_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.json"}},
		{"image only", []string{"model.onnx", "preprocessor_config.json", "README.md"}, HubSpec{ImageOnly: true},
			[]string{"model.onnx", "preprocessor_config.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := HubFiles(tc.listing, tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	if _, err := HubFiles([]string{"README.md", "pytorch_model.bin"}, HubSpec{}); err == nil || !strings.Contains(err.Error(), "no known layout") {
		t.Errorf("no ONNX files: %v", err)
	}
	if _, err := HubFiles(immichListing, HubSpec{Vision: "visual/missing.onnx", Text: "textual/model.onnx"}); err == nil ||
		!strings.Contains(err.Error(), "visual/missing.onnx") {
		t.Errorf("missing override: %v", err)
	}
}

// TestHubFilesAgreeWithDetect: a folder holding only the chosen files is
// detected as the same layout with the same towers, tokenizer and
// preprocessing config.
func TestHubFilesAgreeWithDetect(t *testing.T) {
	for name, listing := range map[string][]string{"immich": immichListing, "xenova": xenovaListing} {
		files, err := HubFiles(listing, HubSpec{})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for _, f := range files {
			p := filepath.Join(dir, filepath.FromSlash(f))
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte("x"), 0o644)
		}
		got, err := Detect(encoders.Spec{Name: name, Path: dir})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range []string{got.Vision, got.Text, got.Tokenizer, got.Preprocess} {
			rel, _ := filepath.Rel(dir, p)
			rel = filepath.ToSlash(rel)
			found := false
			for _, f := range files {
				if f == rel || strings.HasPrefix(f, rel+"/") {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: Detect chose %s, which HubFiles did not pull (%q)", name, rel, files)
			}
		}
	}
}
