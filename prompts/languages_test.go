package prompts

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// imagenetReader is what an ImageNet reader reports: 1000 classes.
func imagenetReader() []string {
	out := make([]string, 1000)
	for i := range out {
		out[i] = "n" + strings.Repeat("0", 8)
	}
	return out
}

// TestLanguageSets checks CLIP_benchmark's --language semantics against
// the reference files themselves: ImageNet names and templates in cn,
// jp, ar and it, the imagenet1k templates for other sets, zh and ja as
// aliases.
func TestLanguageSets(t *testing.T) {
	for _, lang := range []string{"cn", "jp", "ar", "it", "zh", "ja"} {
		s, err := Resolve(Request{Dataset: "imagenet", Format: "imagenet", Language: lang}, imagenetReader())
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		code, _ := NormalizeLanguage(lang)
		var names, templates map[string][]string
		json.Unmarshal(langFiles[code].names, &names)
		json.Unmarshal(langFiles[code].templates, &templates)
		if !slices.Equal(s.Classnames, names["imagenet1k"]) || !slices.Equal(s.Templates, templates["imagenet1k"]) || s.Subset != nil || s.Language != code {
			t.Errorf("%s: set %s with %d names, %d templates, language %s", lang, s.Name, len(s.Classnames), len(s.Templates), s.Language)
		}
	}
	s, err := Resolve(Request{Dataset: "digits", Format: "imagefolder", Language: "cn"}, []string{"a", "b"})
	if err != nil || !slices.Equal(s.Classnames, []string{"a", "b"}) || !strings.Contains(s.Templates[0], "{c}") || s.Templates[0] == "a bad photo of a {c}." {
		t.Errorf("no set in cn: %+v %v", s, err)
	}
	cn := s.Templates
	if s, err := Resolve(Request{Dataset: "cifar", Prompts: "cifar10", Language: "cn"}, []string{"a", "b"}); err != nil || !slices.Equal(s.Templates, cn) {
		t.Errorf("templates-only set in cn: %+v %v", s, err)
	}
	_, err = Resolve(Request{Dataset: "digits", Format: "mnist", Language: "cn"}, make([]string, 10))
	if err == nil || !strings.Contains(err.Error(), "language cn has no class names for mnist (its CLIP_benchmark file names imagenet1k); set classnames = FILE") {
		t.Errorf("mnist in cn: %v", err)
	}
	dir := t.TempDir()
	names := filepath.Join(dir, "cn.txt")
	os.WriteFile(names, []byte("零\n一\n二\n三\n四\n五\n六\n七\n八\n九\n"), 0o644)
	s, err = Resolve(Request{Dataset: "digits", Format: "mnist", Language: "cn", Classnames: names}, make([]string, 10))
	if err != nil || s.Classnames[9] != "九" || !slices.Equal(s.Templates, cn) {
		t.Errorf("mnist in cn with names: %+v %v", s, err)
	}
	if _, err := Resolve(Request{Dataset: "d", Language: "klingon"}, nil); err == nil || !strings.Contains(err.Error(), `language "klingon": want en, ar, cn, it, jp, or a Babel-ImageNet language`) {
		t.Errorf("unknown language: %v", err)
	}
}

// TestBabelImageNet: Babel-ImageNet names a subset of ImageNet's classes
// in each of its languages; with no templates of the language built in,
// the suite must give them.
func TestBabelImageNet(t *testing.T) {
	var raw map[string][2]json.RawMessage
	json.Unmarshal(babelJSON, &raw)
	var idx []int
	var names []string
	json.Unmarshal(raw["DE"][0], &idx)
	json.Unmarshal(raw["DE"][1], &names)
	_, err := Resolve(Request{Dataset: "in", Format: "imagenet", Language: "de"}, imagenetReader())
	if err == nil || !strings.Contains(err.Error(), "language de has no built-in templates") {
		t.Fatalf("de without templates: %v", err)
	}
	tmpl := filepath.Join(t.TempDir(), "de.txt")
	os.WriteFile(tmpl, []byte("ein Foto von {c}.\n"), 0o644)
	s, err := Resolve(Request{Dataset: "in", Format: "imagenet", Language: "de", Templates: tmpl}, imagenetReader())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Subset, idx) || !slices.Equal(s.Classnames, names) || len(idx) != 738 || s.Name != "babel_imagenet (de)+"+tmpl {
		t.Errorf("de: %s, %d names, subset %d", s.Name, len(s.Classnames), len(s.Subset))
	}
	// prompts = "babel_imagenet" asks for Babel's names even where the
	// language has CLIP_benchmark's (cn: 1000 names; Babel ZH: 885).
	s, err = Resolve(Request{Dataset: "in", Format: "imagenet", Prompts: BabelSet, Language: "cn"}, imagenetReader())
	if err != nil || len(s.Subset) != 885 || len(s.Templates) == 0 {
		t.Errorf("babel cn: %+v %v", s, err)
	}
	if _, err := Resolve(Request{Dataset: "in", Format: "imagenet", Prompts: BabelSet, Language: "cn"}, make([]string, 10)); err == nil || !strings.Contains(err.Error(), "names ImageNet-1k classes but the dataset has 10 classes") {
		t.Errorf("babel on 10 classes: %v", err)
	}
	if n := len(BabelLanguages()); n != 93 {
		t.Errorf("%d Babel-ImageNet languages, want 93", n)
	}
}
