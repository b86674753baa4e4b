package prompts

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed data/classnames.json
var classnamesJSON []byte

//go:embed data/templates.json
var templatesJSON []byte

// FallbackSet is the template set used when a built-in set has class names
// but no templates of its own, and for datasets without a built-in set
// (CLIP_benchmark does the same).
const FallbackSet = "imagenet1k"

var (
	loadOnce   sync.Once
	classnames map[string][]string
	templates  map[string][]string
	loadErr    error
)

func load() error {
	loadOnce.Do(func() {
		if err := json.Unmarshal(classnamesJSON, &classnames); err != nil {
			loadErr = fmt.Errorf("prompts: embedded classnames.json: %w", err)
			return
		}
		if err := json.Unmarshal(templatesJSON, &templates); err != nil {
			loadErr = fmt.Errorf("prompts: embedded templates.json: %w", err)
		}
	})
	return loadErr
}

// Set is a list of class names (in label order) with the templates to
// render them into prompts.
type Set struct {
	// Name says where the set came from: a built-in name or file paths.
	Name       string
	Classnames []string
	Templates  []string
	// PerClass, when set, holds each class's own full prompts (CuPL-style
	// files), in Classnames order; Templates is then empty.
	PerClass [][]string
	// Language is the CLIP_benchmark code of the prompts' language ("en"
	// unless the dataset asks for another).
	Language string
	// Subset, when set, lists the reader's class labels the set names, in
	// Classnames order (Babel-ImageNet names only some ImageNet classes):
	// zero-shot keeps only those classes' images.
	Subset []int
}

// Names lists the built-in sets: every name that has templates, class
// names, or both.
func Names() []string {
	if err := load(); err != nil {
		return nil
	}
	seen := map[string]bool{}
	for k := range classnames {
		seen[k] = true
	}
	for k := range templates {
		seen[k] = true
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Builtin returns the built-in set called name. Its Classnames are nil when
// the set has only templates (the dataset reader then supplies the names);
// its Templates fall back to FallbackSet's when it has only class names.
func Builtin(name string) (*Set, error) {
	if err := load(); err != nil {
		return nil, err
	}
	cn, hasNames := classnames[name]
	tp, hasTemplates := templates[name]
	if !hasNames && !hasTemplates {
		return nil, fmt.Errorf("unknown prompt set %q (built-in sets: %s)", name, strings.Join(Names(), ", "))
	}
	if !hasTemplates {
		tp = templates[FallbackSet]
	}
	return &Set{Name: name, Classnames: append([]string(nil), cn...), Templates: append([]string(nil), tp...)}, nil
}

// MaxListBytes bounds a class-name or template file.
const MaxListBytes = 16 << 20

// ReadLines reads a file of one entry per line: surrounding whitespace is
// trimmed, and blank lines and lines starting with '#' are skipped. An
// empty list is an error naming the file.
func ReadLines(path string) ([]string, error) {
	entries, _, err := readEntries(path)
	return entries, err
}

// readEntries is ReadLines with each entry's line number.
func readEntries(path string) (entries []string, lines []int, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > MaxListBytes {
		return nil, nil, fmt.Errorf("%s: %d bytes is more than the %d-byte limit of a list file", path, st.Size(), MaxListBytes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, MaxListBytes))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		entries, lines = append(entries, line), append(lines, n)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(entries) == 0 {
		return nil, nil, fmt.Errorf("%s: no entries", path)
	}
	return entries, lines, nil
}

// ReadTemplates reads a templates file (the rules of ReadLines) and checks
// that every template marks the class name with {c} or {}; errors name the
// file and the line. Suites' template files and datasets' own (a
// CLIP_benchmark webdataset's zeroshot_classification_templates.txt) both
// go through it.
func ReadTemplates(path string) ([]string, error) {
	entries, lines, err := readEntries(path)
	if err != nil {
		return nil, err
	}
	for i, t := range entries {
		if !strings.Contains(t, "{c}") && !strings.Contains(t, "{}") {
			return nil, fmt.Errorf("%s:%d: template %q has no {c} or {} for the class name", path, lines[i], t)
		}
	}
	return entries, nil
}

// Request says how a suite's dataset entry asks for prompts.
type Request struct {
	Dataset    string // dataset name, for errors
	Prompts    string // built-in set name, or ""
	Classnames string // file, or ""
	Templates  string // file, or ""
	// Format is the dataset's format; with no Prompts it picks a default set
	// (imagenet -> imagenet1k, pets, mnist, svhn).
	Format string
	// Language picks the class names and templates of that language
	// (CLIP_benchmark's --language: ar, cn, it, jp; Babel-ImageNet's
	// languages for ImageNet-1k class names); "" or "en" is English.
	Language string
	// Lookup is the dataset's CLIP_benchmark name when it has one
	// ("wds/vtab/pets"): dataset-keyed JSON prompt files are then searched
	// exactly as CLIP_benchmark searches them ("wds/vtab/pets",
	// "vtab/pets", then "imagenet1k" for templates). Without it the keys are
	// the dataset's name, Prompts and the format's default set.
	Lookup []string
}

// lookupNames are the keys a dataset-keyed JSON file is searched for.
func (req Request) lookupNames() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, n := range req.Lookup {
		add(n)
		add(strings.TrimPrefix(n, "wds/"))
	}
	if len(out) > 0 {
		return out
	}
	add(req.Dataset)
	add(req.Prompts)
	add(defaultSets[req.Format])
	return out
}

// defaultSets maps dataset formats to their built-in set.
var defaultSets = map[string]string{"imagenet": "imagenet1k", "pets": "pets", "mnist": "mnist", "svhn": "svhn"}

// Resolve builds the prompt set for a dataset whose reader reports
// readerClasses (in label order). Files override the built-in set; the
// built-in set falls back to the reader's class names when it has none, and
// to FallbackSet's templates. The number of class names must equal the
// number of reader classes.
func Resolve(req Request, readerClasses []string) (*Set, error) {
	setName := req.Prompts
	if setName == "" {
		setName = defaultSets[req.Format]
	}
	lang, err := NormalizeLanguage(req.Language)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", req.Dataset, err)
	}
	set := &Set{Name: setName, Language: lang}
	switch {
	case lang != English || setName == BabelSet:
		if set, err = resolveLanguage(req, setName, lang); err != nil {
			return nil, err
		}
	case setName != "":
		b, err := Builtin(setName)
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", req.Dataset, err)
		}
		set = b
		set.Language = lang
	}
	var names []string
	look := Lookup{Names: req.lookupNames()}
	if req.Classnames != "" {
		lines, err := ReadClassnameFile(req.Classnames, look)
		if err != nil {
			return nil, fmt.Errorf("dataset %s: classnames: %w", req.Dataset, err)
		}
		set.Classnames = lines
		names = append(names, req.Classnames)
	}
	if req.Templates != "" {
		look.Classes = set.Classnames
		if look.Classes == nil {
			look.Classes = readerClasses
		}
		t, err := ReadTemplateFile(req.Templates, look)
		if err != nil {
			return nil, fmt.Errorf("dataset %s: templates: %w", req.Dataset, err)
		}
		set.Templates, set.PerClass = t.Templates, t.PerClass
		names = append(names, req.Templates)
	}
	if len(names) > 0 {
		if set.Name != "" {
			names = append([]string{set.Name}, names...)
		}
		set.Name = strings.Join(names, "+")
	}
	if set.Classnames == nil {
		set.Classnames = append([]string(nil), readerClasses...)
		if set.Name == "" {
			set.Name = "dataset classes"
		}
	}
	if set.PerClass != nil && len(set.PerClass) != len(set.Classnames) {
		return nil, fmt.Errorf("dataset %s: %d per-class prompt lists for %d classes", req.Dataset, len(set.PerClass), len(set.Classnames))
	}
	if len(set.Templates) == 0 && set.PerClass == nil && lang != English {
		return nil, fmt.Errorf("dataset %s: language %s has no built-in templates (Babel-ImageNet names classes only; CLIP_benchmark's template files are ar, cn, it, jp); set templates = FILE in that language", req.Dataset, lang)
	}
	if len(set.Templates) == 0 && set.PerClass == nil {
		fb, err := Builtin(FallbackSet)
		if err != nil {
			return nil, err
		}
		set.Templates = fb.Templates
	}
	if set.Subset != nil {
		if len(readerClasses) != 1000 {
			return nil, fmt.Errorf("dataset %s: prompt set %s names ImageNet-1k classes but the dataset has %d classes, want 1000", req.Dataset, set.Name, len(readerClasses))
		}
		return set, nil
	}
	if len(set.Classnames) != len(readerClasses) {
		return nil, fmt.Errorf("dataset %s: prompt set %s has %d class names but the dataset has %d classes (class names must follow the reader's label order)",
			req.Dataset, set.Name, len(set.Classnames), len(readerClasses))
	}
	if req.Classnames == "" && set.Name != "dataset classes" && !numberedInOrder(readerClasses) {
		return nil, fmt.Errorf("dataset %s: its class folders are numbers but not 0..%d (%s ... %s): their labels cannot be matched with prompt set %s's classes; name the folders 0..%d or give classnames in the reader's label order",
			req.Dataset, len(readerClasses)-1, readerClasses[0], readerClasses[len(readerClasses)-1], set.Name, len(readerClasses)-1)
	}
	if i, ok := sameClassesReordered(set.Classnames, readerClasses); ok {
		return nil, fmt.Errorf("dataset %s: prompt set %s names the dataset's classes in another order (label %d is %q in the dataset, %q in the prompt set): "+
			"every prediction would be scored against the wrong class; drop prompts (the dataset's own names are used) or give classnames in the reader's label order",
			req.Dataset, set.Name, i, readerClasses[i], set.Classnames[i])
	}
	return set, nil
}

// resolveLanguage is the built-in part of a set in a language other than
// English (or Babel-ImageNet's), before a suite's files override it.
func resolveLanguage(req Request, setName, lang string) (*Set, error) {
	name := setName
	if name == "" {
		name = FallbackSet // for its templates only
	}
	set, err := languageSet(name, lang)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", req.Dataset, err)
	}
	if setName == "" {
		set.Name, set.Classnames, set.Subset = "dataset classes ("+lang+")", nil, nil
		return set, nil
	}
	if set.Classnames == nil && req.Classnames == "" {
		if err := load(); err != nil {
			return nil, err
		}
		if _, english := classnames[setName]; english {
			return nil, fmt.Errorf("dataset %s: language %s has no class names for %s (its CLIP_benchmark file names %s); set classnames = FILE in that language",
				req.Dataset, lang, setName, strings.Join(languageKeys(lang), ", "))
		}
		// A templates-only set: the reader's names, as CLIP_benchmark
		// takes them from the dataset.
	}
	if req.Classnames != "" {
		set.Subset = nil // the file names every class
	}
	return set, nil
}

// languageKeys lists the sets a language's class-name file holds.
func languageKeys(lang string) []string {
	if loadLanguages() != nil || langSets[lang] == nil {
		return []string{"none"}
	}
	var out []string
	for k := range langSets[lang].names {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sameClassesReordered reports whether names and reader hold the same
// class names (ignoring case, '_' and surrounding space) in a different
// order, and the first label where they differ: the Pets case-sorting
// trap, where a reader sorts "Abyssinian" and "american bulldog" one way
// and a prompt file the other.
func sameClassesReordered(names, reader []string) (int, bool) {
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(strings.ReplaceAll(s, "_", " "))) }
	count := map[string]int{}
	first := -1
	for i := range names {
		a, b := norm(names[i]), norm(reader[i])
		count[a]++
		count[b]--
		if a != b && first < 0 {
			first = i
		}
	}
	if first < 0 {
		return 0, false
	}
	for _, c := range count {
		if c != 0 {
			return 0, false // different names (wnids, ids, other wording): nothing to compare
		}
	}
	return first, true
}

// Render puts class into template at {c} or {}.
func Render(template, class string) string {
	if strings.Contains(template, "{c}") {
		return strings.ReplaceAll(template, "{c}", class)
	}
	return strings.ReplaceAll(template, "{}", class)
}

// Expand renders every template for every class, class-major: prompt
// c*len(Templates)+t is template t for class c. With per-class prompts it
// lists each class's own prompts in turn ([Set.Counts] says how many).
func (s *Set) Expand() []string {
	if s.PerClass != nil {
		var out []string
		for _, p := range s.PerClass {
			out = append(out, p...)
		}
		return out
	}
	out := make([]string, 0, len(s.Classnames)*len(s.Templates))
	for _, c := range s.Classnames {
		for _, t := range s.Templates {
			out = append(out, Render(t, c))
		}
	}
	return out
}

// Counts is the number of prompts of each class in Expand's order.
func (s *Set) Counts() []int {
	out := make([]int, len(s.Classnames))
	for i := range out {
		if s.PerClass != nil {
			out[i] = len(s.PerClass[i])
		} else {
			out[i] = len(s.Templates)
		}
	}
	return out
}

// Ensemble turns prompt embeddings (classes*templates rows of width dim, in
// Expand's order) into class weights (classes rows): each embedding is
// L2-normalised, the templates of a class are averaged, and the mean is
// renormalised. Accumulation is in float64.
func Ensemble(emb []float32, classes, templates, dim int) ([]float32, error) {
	if len(emb) != classes*templates*dim {
		return nil, fmt.Errorf("ensemble: %d values for %d classes x %d templates x %d dims", len(emb), classes, templates, dim)
	}
	counts := make([]int, classes)
	for i := range counts {
		counts[i] = templates
	}
	return EnsembleCounts(emb, counts, dim)
}

// EnsembleCounts is [Ensemble] with counts[c] prompts for class c (per-class
// prompt lists), the rows class after class.
func EnsembleCounts(emb []float32, counts []int, dim int) ([]float32, error) {
	total := 0
	for c, n := range counts {
		if n < 1 {
			return nil, fmt.Errorf("ensemble: class %d has no prompts", c)
		}
		total += n
	}
	if len(emb) != total*dim {
		return nil, fmt.Errorf("ensemble: %d values for %d prompts x %d dims", len(emb), total, dim)
	}
	classes := len(counts)
	out := make([]float32, classes*dim)
	acc := make([]float64, dim)
	first := 0
	for c := 0; c < classes; c++ {
		clear(acc)
		templates := counts[c]
		for t := 0; t < templates; t++ {
			row := emb[(first+t)*dim : (first+t+1)*dim]
			var ss float64
			for _, v := range row {
				ss += float64(v) * float64(v)
			}
			if ss == 0 || math.IsNaN(ss) || math.IsInf(ss, 0) {
				return nil, fmt.Errorf("ensemble: embedding of class %d prompt %d has norm %v", c, t, math.Sqrt(ss))
			}
			inv := 1 / math.Sqrt(ss)
			for i, v := range row {
				acc[i] += float64(v) * inv
			}
		}
		var ss float64
		for _, v := range acc {
			ss += v * v
		}
		inv := 1 / math.Sqrt(ss)
		for i, v := range acc {
			out[c*dim+i] = float32(v * inv)
		}
		first += templates
	}
	return out, nil
}

// numberedInOrder reports whether reader class names, when they are all
// numbers, are exactly 0, 1, ..., N-1 in that order (leading zeros
// allowed), so that a built-in set's class i is the reader's label i.
// Names that are not all numbers say nothing and pass.
func numberedInOrder(names []string) bool {
	vals := make([]uint64, len(names))
	for i, n := range names {
		v, err := strconv.ParseUint(n, 10, 64)
		if err != nil || strings.ContainsAny(n, "+-") {
			return true
		}
		vals[i] = v
	}
	for i, v := range vals {
		if v != uint64(i) {
			return false
		}
	}
	return true
}
