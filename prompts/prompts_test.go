package prompts

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestBuiltinSets(t *testing.T) {
	in, err := Builtin("imagenet1k")
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Classnames) != 1000 || len(in.Templates) != 80 {
		t.Fatalf("imagenet1k: %d names, %d templates", len(in.Classnames), len(in.Templates))
	}
	if in.Classnames[0] != "tench" || in.Templates[0] != "a bad photo of a {c}." {
		t.Errorf("imagenet1k starts %q / %q", in.Classnames[0], in.Templates[0])
	}
	pets, _ := Builtin("pets")
	if len(pets.Classnames) != 37 || pets.Classnames[0] != "Abyssinian" || pets.Templates[0] != "a photo of a {c}, a type of pet." {
		t.Errorf("pets: %v %v", pets.Classnames[:2], pets.Templates)
	}
	svhn, _ := Builtin("svhn")
	if len(svhn.Classnames) != 10 || len(svhn.Templates) != 6 {
		t.Errorf("svhn: %d %d", len(svhn.Classnames), len(svhn.Templates))
	}
	cifar, _ := Builtin("cifar10")
	if cifar.Classnames != nil && len(cifar.Classnames) != 0 {
		t.Errorf("cifar10 should take names from the reader, got %v", cifar.Classnames)
	}
	if _, err := Builtin("imagenet"); err == nil || !strings.Contains(err.Error(), "imagenet1k") {
		t.Errorf("unknown set: %v", err)
	}
	if n := len(Names()); n != 34 {
		t.Errorf("%d built-in sets", n)
	}
}

func TestResolve(t *testing.T) {
	digits := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	s, err := Resolve(Request{Dataset: "digits", Format: "mnist"}, digits)
	if err != nil || s.Name != "mnist" || len(s.Templates) != 1 {
		t.Fatalf("default for mnist: %+v %v", s, err)
	}
	s, err = Resolve(Request{Dataset: "x", Format: "imagefolder"}, []string{"cat", "dog"})
	if err != nil || s.Classnames[1] != "dog" || len(s.Templates) != 80 {
		t.Fatalf("imagefolder fallback: %+v %v", s, err)
	}
	dir := t.TempDir()
	names := filepath.Join(dir, "names.txt")
	tmpl := filepath.Join(dir, "templates.txt")
	os.WriteFile(names, []byte("# my classes\nzero\n one \n\ntwo\n"), 0o644)
	os.WriteFile(tmpl, []byte("a drawing of {}\nthe number {c}\n"), 0o644)
	s, err = Resolve(Request{Dataset: "d", Classnames: names, Templates: tmpl}, []string{"0", "1", "2"})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Expand()
	want := []string{"a drawing of zero", "the number zero", "a drawing of one", "the number one", "a drawing of two", "the number two"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("expand: %q", got)
	}
	_, err = Resolve(Request{Dataset: "pets", Prompts: "pets"}, digits)
	if err == nil || !strings.Contains(err.Error(), "37 class names but the dataset has 10 classes") {
		t.Errorf("count mismatch: %v", err)
	}
	os.WriteFile(tmpl, []byte("no placeholder\n"), 0o644)
	if _, err = Resolve(Request{Dataset: "d", Templates: tmpl}, digits); err == nil || !strings.Contains(err.Error(), "templates.txt:1") {
		t.Errorf("bad template: %v", err)
	}
	if _, err = Resolve(Request{Dataset: "d", Classnames: filepath.Join(dir, "nope.txt")}, digits); err == nil || !strings.Contains(err.Error(), "nope.txt") {
		t.Errorf("missing file: %v", err)
	}
}

// TestResolveRefusesReorderedClasses: built-in names that are the
// dataset's own class names in another order (a reader that sorts by case,
// a prompt file in another label order) are an error, not 37 wrong labels.
func TestResolveRefusesReorderedClasses(t *testing.T) {
	pets, err := Builtin("pets")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Resolve(Request{Dataset: "pets", Prompts: "pets"}, pets.Classnames); err != nil {
		t.Fatalf("the same order: %v", err)
	}
	// Oxford-IIIT Pet file names capitalise cat breeds only; sorting them
	// byte-wise puts the cats first.
	cats := map[string]bool{"Abyssinian": true, "Bengal": true, "Birman": true, "Bombay": true, "British Shorthair": true,
		"Egyptian Mau": true, "Maine Coon": true, "Persian": true, "Ragdoll": true, "Russian Blue": true, "Siamese": true, "Sphynx": true}
	var sorted []string
	for _, c := range pets.Classnames {
		if !cats[c] {
			c = strings.ToLower(c)
		}
		sorted = append(sorted, strings.ReplaceAll(c, " ", "_"))
	}
	sort.Strings(sorted)
	_, err = Resolve(Request{Dataset: "pets", Prompts: "pets"}, sorted)
	if err == nil || !strings.Contains(err.Error(), "in another order") {
		t.Fatalf("case-sorted reader: %v", err)
	}
	under := make([]string, len(pets.Classnames))
	for i, c := range pets.Classnames {
		under[i] = strings.ReplaceAll(strings.ToLower(c), " ", "_")
	}
	if _, err := Resolve(Request{Dataset: "pets", Prompts: "pets"}, under); err != nil {
		t.Errorf("same order, other spelling: %v", err)
	}
	wnids := make([]string, len(pets.Classnames))
	for i := range wnids {
		wnids[i] = fmt.Sprintf("n%08d", 37-i)
	}
	if _, err := Resolve(Request{Dataset: "pets", Prompts: "pets"}, wnids); err != nil {
		t.Errorf("ids, not names: %v", err)
	}
}

func TestEnsemble(t *testing.T) {
	// Two classes, two templates, dim 2.
	emb := []float32{
		3, 0, 0, 1, // class 0: (1,0) and (0,1) after normalising
		0, -2, 0, -5, // class 1: (0,-1) twice
	}
	w, err := Ensemble(emb, 2, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	r := float32(1 / math.Sqrt2)
	want := []float32{r, r, 0, -1}
	for i := range want {
		if math.Abs(float64(w[i]-want[i])) > 1e-6 {
			t.Fatalf("w = %v, want %v", w, want)
		}
	}
	if _, err := Ensemble([]float32{0, 0}, 1, 1, 2); err == nil {
		t.Error("zero embedding accepted")
	}
	if _, err := Ensemble(emb, 3, 2, 2); err == nil {
		t.Error("wrong size accepted")
	}
}
