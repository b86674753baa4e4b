package onnx

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/tokenizer"
)

// Layout names.
const (
	LayoutOpenCLIP = "open_clip" // visual/ + textual/ folders (open_clip, immich)
	LayoutHF       = "hf"        // vision_model.onnx + text_model.onnx
	LayoutCombined = "combined"  // one model.onnx with both towers
	LayoutExplicit = "explicit"  // vision and text files named in the suite
)

// Files are the files of a detected model.
type Files struct {
	Layout     string
	Vision     string // image tower .onnx
	Text       string // text tower .onnx (equal to Vision for a combined model)
	Tokenizer  string // tokenizer file or folder
	Preprocess string // preprocess_cfg.json or preprocessor_config.json, or ""
	// Config is the export's open_clip_config.json or config.json (text
	// conventions, scoring), or "".
	Config string
	// DefaultPadID is the layout's usual pad id: 0 for open_clip exports,
	// -1 meaning "the tokenizer's end-of-text id" for Hugging Face exports.
	DefaultPadID int
}

// padEOT marks "pad with the end-of-text id".
const padEOT = -1

func exists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// Detect finds the model files for spec: explicit vision/text overrides,
// else the layout of spec.Path.
func Detect(spec encoders.Spec) (*Files, error) {
	f := &Files{}
	dir := spec.Path
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		dir = filepath.Dir(spec.Path)
		f.Layout, f.Vision, f.Text, f.DefaultPadID = LayoutCombined, spec.Path, spec.Path, padEOT
	}
	if spec.ImageOnly {
		return detectImageOnly(spec, f, dir)
	}
	if spec.Vision != "" || spec.Text != "" {
		if spec.Vision == "" || spec.Text == "" {
			return nil, fmt.Errorf("model %s: set both vision and text, or neither", spec.Name)
		}
		f.Layout, f.Vision, f.Text = LayoutExplicit, spec.Vision, spec.Text
		if dir == "" {
			dir = filepath.Dir(spec.Vision)
		}
	}
	if f.Layout == "" {
		if dir == "" {
			return nil, fmt.Errorf("model %s: no path, and no vision and text files", spec.Name)
		}
		for _, base := range []string{dir, filepath.Join(dir, "onnx")} {
			switch {
			case exists(filepath.Join(base, "visual", "model.onnx")) && exists(filepath.Join(base, "textual", "model.onnx")):
				f.Layout, f.Vision, f.Text = LayoutOpenCLIP, filepath.Join(base, "visual", "model.onnx"), filepath.Join(base, "textual", "model.onnx")
			case exists(filepath.Join(base, "vision_model.onnx")) && exists(filepath.Join(base, "text_model.onnx")):
				f.Layout, f.Vision, f.Text, f.DefaultPadID = LayoutHF, filepath.Join(base, "vision_model.onnx"), filepath.Join(base, "text_model.onnx"), padEOT
			case exists(filepath.Join(base, "model.onnx")):
				f.Layout, f.Vision, f.Text, f.DefaultPadID = LayoutCombined, filepath.Join(base, "model.onnx"), filepath.Join(base, "model.onnx"), padEOT
			default:
				continue
			}
			break
		}
		if f.Layout == "" {
			return nil, fmt.Errorf("model %s: no known layout in %s (looked for visual/model.onnx + textual/model.onnx, "+
				"vision_model.onnx + text_model.onnx, model.onnx, also under onnx/); set vision and text in the suite", spec.Name, dir)
		}
	}
	visDir, txtDir := filepath.Dir(f.Vision), filepath.Dir(f.Text)
	// Tokenizer: suite override, else beside the text tower, else the folder.
	f.Tokenizer = spec.Tokenizer
	if f.Tokenizer == "" {
		for _, d := range uniq(txtDir, dir, filepath.Dir(txtDir)) {
			if exists(filepath.Join(d, "tokenizer.json")) {
				f.Tokenizer = filepath.Join(d, "tokenizer.json")
				break
			}
			if exists(filepath.Join(d, "vocab.json")) && exists(filepath.Join(d, "merges.txt")) {
				f.Tokenizer = d
				break
			}
			if exists(filepath.Join(d, "bpe_simple_vocab_16e6.txt.gz")) {
				f.Tokenizer = filepath.Join(d, "bpe_simple_vocab_16e6.txt.gz")
				break
			}
			if exists(filepath.Join(d, "vocab.txt")) {
				f.Tokenizer = filepath.Join(d, "vocab.txt") // BERT WordPiece (Chinese-CLIP)
				break
			}
		}
	}
	if f.Tokenizer == "" {
		return nil, fmt.Errorf("model %s: no tokenizer found beside %s (looked for tokenizer.json, vocab.json+merges.txt, "+
			"bpe_simple_vocab_16e6.txt.gz, vocab.txt); set tokenizer in the suite", spec.Name, f.Text)
	}
	for _, d := range uniq(visDir, dir, filepath.Dir(visDir)) {
		for _, name := range []string{"preprocess_cfg.json", "preprocessor_config.json"} {
			if f.Preprocess == "" && exists(filepath.Join(d, name)) {
				f.Preprocess = filepath.Join(d, name)
			}
		}
	}
	for _, d := range uniq(dir, txtDir, filepath.Dir(txtDir)) {
		for _, name := range tokenizer.ConfigFiles {
			if f.Config == "" && exists(filepath.Join(d, name)) {
				f.Config = filepath.Join(d, name)
			}
		}
	}
	return f, nil
}

// LayoutImageOnly is an image feature extractor without a text tower.
const LayoutImageOnly = "image-only"

// detectImageOnly finds the image model of a supervised feature extractor:
// the vision override, the .onnx file given as path, or visual/model.onnx,
// vision_model.onnx or model.onnx in the folder.
func detectImageOnly(spec encoders.Spec, f *Files, dir string) (*Files, error) {
	f.Layout, f.Text, f.Tokenizer = LayoutImageOnly, "", ""
	switch {
	case spec.Vision != "":
		f.Vision = spec.Vision
	case f.Vision != "":
	default:
		for _, c := range []string{filepath.Join("visual", "model.onnx"), "vision_model.onnx", "model.onnx"} {
			if exists(filepath.Join(dir, c)) {
				f.Vision = filepath.Join(dir, c)
				break
			}
		}
		if f.Vision == "" {
			return nil, fmt.Errorf("model %s: no image model in %s (looked for visual/model.onnx, vision_model.onnx, model.onnx); set vision in the suite", spec.Name, dir)
		}
	}
	for _, d := range uniq(filepath.Dir(f.Vision), dir) {
		for _, name := range []string{"preprocess_cfg.json", "preprocessor_config.json"} {
			if f.Preprocess == "" && exists(filepath.Join(d, name)) {
				f.Preprocess = filepath.Join(d, name)
			}
		}
	}
	return f, nil
}

func uniq(paths ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
