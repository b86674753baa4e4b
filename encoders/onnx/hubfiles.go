package onnx

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// HubSpec is what a suite may say about a model pulled from the Hub:
// tower and tokenizer overrides, relative to the repository root.
type HubSpec struct {
	Vision, Text, Tokenizer string
	// ImageOnly selects a supervised image feature extractor.
	ImageOnly bool
}

// HubFiles chooses the files of a repository listing (slash-separated
// paths) that a model folder of that repository needs, choosing the
// layout as [Detect] will on the downloaded folder: the towers of the
// first layout found (open_clip/immich split, Hugging Face split, one
// combined model.onnx; at the root, then under onnx/), the tokenizer files
// beside the text tower (else at the root), the preprocessing config, and
// config.json / open_clip_config.json at the root. Other variants of the
// towers (fp16/, quantized, ARM NN or RKNN exports), READMEs and images
// are left out. Files the towers keep their weights in are found once
// the towers are downloaded ([ExternalData]).
func HubFiles(listing []string, spec HubSpec) ([]string, error) {
	has := map[string]bool{}
	for _, p := range listing {
		has[p] = true
	}
	need := map[string]bool{}
	var vision, text string
	switch {
	case spec.ImageOnly:
		vision = spec.Vision
		if vision == "" {
			for _, c := range []string{"visual/model.onnx", "vision_model.onnx", "model.onnx"} {
				if has[c] {
					vision = c
					break
				}
			}
		}
		if vision == "" {
			return nil, fmt.Errorf("no image model in the repository (looked for visual/model.onnx, vision_model.onnx, model.onnx); set vision")
		}
	case spec.Vision != "" || spec.Text != "":
		if spec.Vision == "" || spec.Text == "" {
			return nil, fmt.Errorf("set both vision and text, or neither")
		}
		vision, text = spec.Vision, spec.Text
	default:
		for _, base := range []string{"", "onnx/"} {
			switch {
			case has[base+"visual/model.onnx"] && has[base+"textual/model.onnx"]:
				vision, text = base+"visual/model.onnx", base+"textual/model.onnx"
			case has[base+"vision_model.onnx"] && has[base+"text_model.onnx"]:
				vision, text = base+"vision_model.onnx", base+"text_model.onnx"
			case has[base+"model.onnx"]:
				vision, text = base+"model.onnx", base+"model.onnx"
			default:
				continue
			}
			break
		}
		if vision == "" {
			return nil, fmt.Errorf("no known layout in the repository (looked for visual/model.onnx + textual/model.onnx, " +
				"vision_model.onnx + text_model.onnx, model.onnx, also under onnx/); set vision and text in the suite")
		}
	}
	for _, p := range []string{vision, text, spec.Tokenizer} {
		if p == "" {
			continue
		}
		if !has[p] && !hasDir(listing, p) {
			return nil, fmt.Errorf("the repository has no %s", p)
		}
		need[p] = true
	}
	if spec.Tokenizer != "" && hasDir(listing, spec.Tokenizer) {
		delete(need, spec.Tokenizer)
		addTokenizerFiles(listing, spec.Tokenizer, need)
	} else if text != "" && spec.Tokenizer == "" {
		found := false
		for _, d := range uniqRel(dirOf(text), "", dirOf(dirOf(text))) {
			if has[join(d, "tokenizer.json")] || (has[join(d, "vocab.json")] && has[join(d, "merges.txt")]) ||
				has[join(d, "bpe_simple_vocab_16e6.txt.gz")] {
				addTokenizerFiles(listing, d, need)
				found = true
				break
			}
		}
		if !found {
			// Let the loader say what it lacks, with whatever tokenizer
			// files lie beside the text tower.
			addTokenizerFiles(listing, dirOf(text), need)
		}
	} else if spec.Tokenizer != "" {
		addTokenizerFiles(listing, dirOf(spec.Tokenizer), need)
	}
	for _, d := range uniqRel(dirOf(vision), "", dirOf(dirOf(vision))) {
		found := false
		for _, name := range []string{"preprocess_cfg.json", "preprocessor_config.json"} {
			if has[join(d, name)] {
				need[join(d, name)] = true
				found = true
			}
		}
		if found {
			break
		}
	}
	for _, name := range []string{"config.json", "open_clip_config.json"} {
		if has[name] {
			need[name] = true
		}
	}
	out := make([]string, 0, len(need))
	for p := range need {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// tokenizerFile is a file the tokenizer loader may read in its folder.
func tokenizerFile(name string) bool {
	switch name {
	case "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
		"vocab.json", "merges.txt", "vocab.txt":
		return true
	}
	return strings.HasSuffix(name, ".txt.gz") || strings.HasSuffix(name, ".model")
}

// addTokenizerFiles adds the tokenizer files directly in dir.
func addTokenizerFiles(listing []string, dir string, need map[string]bool) {
	for _, p := range listing {
		if dirOf(p) == dir && tokenizerFile(path.Base(p)) {
			need[p] = true
		}
	}
}

func hasDir(listing []string, dir string) bool {
	for _, p := range listing {
		if strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}

// dirOf is the folder of a slash path, "" at the root.
func dirOf(p string) string {
	d := path.Dir(p)
	if d == "." || d == "/" {
		return ""
	}
	return d
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// uniqRel drops repeated folders, keeping the root ("").
func uniqRel(dirs ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range dirs {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}
