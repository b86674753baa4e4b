package prompts

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var digits = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// TestCLIPBenchmarkPromptFiles: CLIP_benchmark's own JSON files (the
// English ones embedded in data/) used as custom files give the built-in
// sets, looked up by the dataset's name or its CLIP_benchmark name.
func TestCLIPBenchmarkPromptFiles(t *testing.T) {
	for _, c := range []struct {
		req  Request
		want string
	}{
		{Request{Dataset: "digits", Format: "mnist"}, "mnist"},
		{Request{Dataset: "svhn"}, "svhn"},
		{Request{Dataset: "pets", Lookup: []string{"wds/vtab/pets"}}, "imagenet1k-templates"}, // as CLIP_benchmark: wds/vtab/pets, vtab/pets, imagenet1k
		{Request{Dataset: "m", Lookup: []string{"wds/mnist"}}, "mnist"},
	} {
		c.req.Templates = filepath.Join("data", "templates.json")
		b, _ := Builtin(strings.TrimSuffix(c.want, "-templates"))
		classes := b.Classnames
		if classes == nil {
			classes = make([]string, 37)
			for i := range classes {
				classes[i] = "class " + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
			}
		}
		set, err := Resolve(c.req, classes)
		if err != nil {
			t.Fatalf("%+v: %v", c.req, err)
		}
		if !reflect.DeepEqual(set.Templates, b.Templates) {
			t.Errorf("%+v: templates %q, want %s's %q", c.req, set.Templates, c.want, b.Templates)
		}
	}
	req := Request{Dataset: "digits", Format: "mnist", Classnames: filepath.Join("data", "classnames.json"), Templates: filepath.Join("data", "templates.json")}
	set, err := Resolve(req, digits)
	mnist, _ := Builtin("mnist")
	if err != nil || !reflect.DeepEqual(set.Classnames, mnist.Classnames) || !reflect.DeepEqual(set.Expand(), mnist.Expand()) {
		t.Fatalf("mnist from CLIP_benchmark's files: %v %v", set, err)
	}
	if _, err := Resolve(Request{Dataset: "flowerz", Classnames: filepath.Join("data", "classnames.json")}, digits); err == nil ||
		!strings.Contains(err.Error(), "no class names for flowerz (looked up flowerz, as CLIP_benchmark does; the file has caltech101") {
		t.Errorf("missing key: %v", err)
	}
}

// TestTemplateFileKinds: lists, dataset-keyed objects, CuPL per-class
// prompts at the top level and under a dataset key, and text files whose
// lines start with a brace.
func TestTemplateFileKinds(t *testing.T) {
	classes := []string{"cat", "dog"}
	look := Lookup{Names: []string{"pets"}, Classes: classes}
	for _, c := range []struct {
		body     string
		tmpl     []string
		perClass [][]string
	}{
		{`["a photo of a {c}.", "a sketch of a {c}."]`, []string{"a photo of a {c}.", "a sketch of a {c}."}, nil}, // one JSON line: two templates, not one
		{`{"imagenet1k": ["itap of a {c}."], "pets": ["a photo of a {c}, a type of pet."]}`, []string{"a photo of a {c}, a type of pet."}, nil},
		{`{"imagenet1k": ["itap of a {c}."]}`, []string{"itap of a {c}."}, nil},
		{`{"cat": ["a small cat", "a cat indoors"], "dog": ["a dog"]}`, nil, [][]string{{"a small cat", "a cat indoors"}, {"a dog"}}},
		{`{"pets": {"cat": ["a cat"], "dog": ["a dog"], "cow": ["a cow"]}}`, nil, [][]string{{"a cat"}, {"a dog"}}},
		// keys cover every class: per-class prompts, although "pets" is also a dataset key
		{`{"pets": ["a {c}"], "cat": ["a cat"], "dog": ["a dog"]}`, nil, [][]string{{"a cat"}, {"a dog"}}},
		{"{c} on a table\n{} in the wild\n", []string{"{c} on a table", "{} in the wild"}, nil},
		{"\ufeff[\"a {c}\"]", []string{"a {c}"}, nil},
	} {
		got, err := ReadTemplateFile(writeFile(t, "t.json", c.body), look)
		if err != nil {
			t.Errorf("%s: %v", c.body, err)
			continue
		}
		if !reflect.DeepEqual(got.Templates, c.tmpl) || !reflect.DeepEqual(got.PerClass, c.perClass) {
			t.Errorf("%s: %q %q, want %q %q", c.body, got.Templates, got.PerClass, c.tmpl, c.perClass)
		}
	}
	for body, want := range map[string]string{
		"[\"a {c}\",\n\"b {c}\",\n]":             "t.json:3: not valid JSON",
		`{"cifar10": ["a {c}"]}`:                 "no templates for pets (looked up pets, then imagenet1k, as CLIP_benchmark does; the file has cifar10)",
		`["a photo"]`:                            `template 0 "a photo" has no {c} or {}`,
		`{"pets": {"cat": ["a cat"]}}`:           `"pets": per-class prompts have no entry for the classes "dog"`,
		`{"cat": ["a cat"], "dog": []}`:          `the prompts of "dog" is an empty list`,
		`{"pets": [1]}`:                          `"pets": the templates[0] is a number, want a string`,
		`{"pets": "a {c}"}`:                      `"pets": a string, want a list of templates or an object`,
		`[]`:                                     "the templates is an empty list",
		`{ "pets": ["a {c}"] } trailing garbage`: "not valid JSON",
	} {
		_, err := ReadTemplateFile(writeFile(t, "t.json", body), look)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "t.json") {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}

// TestPerClassPrompts resolves CuPL prompts into a set whose expansion and
// ensemble follow each class's own prompt count.
func TestPerClassPrompts(t *testing.T) {
	p := writeFile(t, "cupl.json", `{"pets": {"dog": ["a dog", "a good dog", "a dog outside"], "cat": ["a cat"]}}`)
	set, err := Resolve(Request{Dataset: "pets", Templates: p}, []string{"cat", "dog"})
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Expand(); !reflect.DeepEqual(got, []string{"a cat", "a dog", "a good dog", "a dog outside"}) || !reflect.DeepEqual(set.Counts(), []int{1, 3}) || len(set.Templates) != 0 {
		t.Fatalf("%q %v %q", got, set.Counts(), set.Templates)
	}
	emb := []float32{2, 0, 0, 1, 1, 0, 0, 3}
	w, err := EnsembleCounts(emb, set.Counts(), 2)
	if err != nil {
		t.Fatal(err)
	}
	// class 1: mean of (0,1), (1,0), (0,1) = (1/3, 2/3), renormalised
	want := []float32{1, 0, 0.4472136, 0.8944272}
	for i := range want {
		if d := w[i] - want[i]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("weights %v, want %v", w, want)
		}
	}
	if _, err := EnsembleCounts(emb, []int{1, 2}, 2); err == nil {
		t.Error("wrong counts accepted")
	}
}

// TestNumberedClasses: numbered class folders meet a built-in set only
// when they are 0..N-1 (ImageNetV2's layout); otherwise their labels
// cannot be matched and Resolve refuses.
func TestNumberedClasses(t *testing.T) {
	ok := make([]string, 10)
	shifted := make([]string, 10)
	for i := range ok {
		ok[i], shifted[i] = fmt.Sprint(i), fmt.Sprint(i+1)
	}
	if _, err := Resolve(Request{Dataset: "v2", Prompts: "mnist"}, ok); err != nil {
		t.Errorf("0..9: %v", err)
	}
	if _, err := Resolve(Request{Dataset: "v2", Prompts: "mnist"}, shifted); err == nil || !strings.Contains(err.Error(), "class folders are numbers but not 0..9 (1 ... 10)") {
		t.Errorf("1..10: %v", err)
	}
	if _, err := Resolve(Request{Dataset: "v2"}, shifted); err != nil {
		t.Errorf("1..10 with the dataset's own names: %v", err)
	}
}
