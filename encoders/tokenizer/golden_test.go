package tokenizer

// Golden data in testdata/ was made by tools/fixtures/make_tokenizer_fixtures.py
// with tools/fixtures/clip_tokenizer_ref.py, an independent Python
// implementation of OpenAI CLIP's simple_tokenizer (the `regex` module's
// CLIP pattern, Python's html.unescape, unicodedata NFC and str.lower, and
// ftfy.fix_text, or where ftfy is not installed that script's rendering of
// ftfy's default fixers without mojibake repair). Regenerate with
//
//	python3 tools/fixtures/make_tokenizer_fixtures.py
//
// The full-vocabulary tests read OpenAI's bpe_simple_vocab_16e6.txt.gz and
// CLIP_benchmark's class names and templates from shared/reference beside
// the repository (or beside one of its parent folders) and skip without it.

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// referenceDir finds shared/reference beside the repository root or beside
// one of its parents, or skips the test.
func referenceDir(t testing.TB) string {
	t.Helper()
	ref, why := findReference()
	if ref == "" {
		t.Skip(why)
	}
	return ref
}

// findReference returns the reference folder holding OpenAI's merges file,
// or "" and why not.
func findReference() (string, string) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err.Error()
	}
	root := wd
	for !exists(filepath.Join(root, "go.mod")) {
		parent := filepath.Dir(root)
		if parent == root {
			return "", "no go.mod above " + wd
		}
		root = parent
	}
	for d := root; filepath.Dir(d) != d; d = filepath.Dir(d) {
		ref := filepath.Join(filepath.Dir(d), "shared", "reference")
		if exists(filepath.Join(ref, "bpe_simple_vocab_16e6.txt.gz")) {
			return ref, ""
		}
	}
	return "", "shared/reference/bpe_simple_vocab_16e6.txt.gz not found beside " + root + " or its parents"
}

var (
	openaiOnce sync.Once
	openaiTok  *Tokenizer
	openaiErr  error
)

// openAI loads the real OpenAI vocabulary once per test binary.
func openAI(t testing.TB) *Tokenizer {
	t.Helper()
	ref := referenceDir(t)
	openaiOnce.Do(func() {
		openaiTok, openaiErr = Load(filepath.Join(ref, "bpe_simple_vocab_16e6.txt.gz"))
	})
	if openaiErr != nil {
		t.Fatal(openaiErr)
	}
	return openaiTok
}

// goldenCase is one line of testdata/golden_openai.jsonl.gz.
type goldenCase struct {
	Name      string           `json:"name"`
	Text      string           `json:"text"`
	Clean     string           `json:"clean"`
	IDs       []int            `json:"ids"`
	Tokenized map[string][]int `json:"tokenized"`
}

// readJSONL decodes a gzipped JSON-lines file into a slice of T.
func readJSONL[T any](t testing.TB, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func goldenCases(t testing.TB) []goldenCase {
	return readJSONL[goldenCase](t, filepath.Join("testdata", "golden_openai.jsonl.gz"))
}

// mismatches collects failures and reports the first few.
type mismatches struct {
	t     *testing.T
	count int
}

func (m *mismatches) add(format string, args ...any) {
	m.t.Helper()
	m.count++
	if m.count <= 15 {
		m.t.Errorf(format, args...)
	}
}

func (m *mismatches) done(total int) {
	m.t.Helper()
	if m.count > 15 {
		m.t.Errorf("... %d of %d cases differ", m.count, total)
	}
}

func TestGoldenOpenAI(t *testing.T) {
	tok := openAI(t)
	cases := goldenCases(t)
	names := map[string]int{}
	m := &mismatches{t: t}
	for i, c := range cases {
		names[c.Name]++
		if got := Clean(c.Text); got != c.Clean {
			m.add("case %d (%s) %q: Clean = %q, want %q", i, c.Name, c.Text, got, c.Clean)
		}
		if got := tok.Encode(c.Text); !slices.Equal(got, c.IDs) {
			m.add("case %d (%s) %q: Encode = %v, want %v", i, c.Name, c.Text, got, c.IDs)
		}
		for ctx, want := range c.Tokenized {
			n, _ := strconv.Atoi(ctx)
			if got := tok.Tokenize(c.Text, n); !slices.Equal(got, want) {
				m.add("case %d (%s) %q: Tokenize(%d) = %v, want %v", i, c.Name, c.Text, n, got, want)
			}
		}
	}
	m.done(len(cases))
	for _, want := range []string{"ascii", "punctuation", "digits", "apostrophe", "unicode", "cjk", "emoji",
		"html", "quotes", "ligatures", "width", "whitespace", "control", "special", "long", "empty", "random"} {
		if names[want] == 0 {
			t.Errorf("golden data has no %q cases", want)
		}
	}
	if names["random"] < 1000 {
		t.Errorf("golden data has %d random cases, want at least 1000", names["random"])
	}
}

// imagenetPrompts builds the 80 x 1000 ImageNet prompts, template-major,
// from CLIP_benchmark's JSON files.
func imagenetPrompts(t testing.TB, ref string) []string {
	t.Helper()
	return languagePrompts(t, ref, "en")
}

// languagePrompts expands shared/reference's ImageNet-1k templates and
// class names in language lang (en, cn, jp, ar, it).
func languagePrompts(t testing.TB, ref, lang string) []string {
	t.Helper()
	var names, templates map[string][]string
	for path, dst := range map[string]*map[string][]string{
		lang + "_classnames.json":                        &names,
		lang + "_zeroshot_classification_templates.json": &templates,
	} {
		data, err := os.ReadFile(filepath.Join(ref, path))
		if err != nil {
			t.Skipf("ImageNet prompts: %v", err)
		}
		if err := json.Unmarshal(data, dst); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var prompts []string
	for _, tmpl := range templates["imagenet1k"] {
		for _, c := range names["imagenet1k"] {
			prompts = append(prompts, strings.ReplaceAll(tmpl, "{c}", c))
		}
	}
	return prompts
}

func TestGoldenImageNetPrompts(t *testing.T) {
	tok := openAI(t)
	prompts := imagenetPrompts(t, referenceDir(t))
	if len(prompts) != 80*1000 {
		t.Fatalf("%d ImageNet prompts, want 80 templates x 1000 classes", len(prompts))
	}
	f, err := os.Open(filepath.Join("testdata", "golden_imagenet.txt.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	if !sc.Scan() {
		t.Fatal("golden_imagenet.txt.gz is empty")
	}
	sum := sha256.Sum256([]byte(strings.Join(prompts, "\n")))
	if want := fmt.Sprintf("# prompts %d sha256 %s", len(prompts), hex.EncodeToString(sum[:])); sc.Text() != want {
		t.Fatalf("golden header %q, want %q: the reference class names or templates changed; regenerate the golden data", sc.Text(), want)
	}
	m := &mismatches{t: t}
	// Tokenize them all in one batch too: rows must agree with the golden
	// ids, padded with 0.
	batch := tok.Batch(prompts, DefaultContextLength, 0)
	i := 0
	for ; sc.Scan(); i++ {
		if i >= len(prompts) {
			t.Fatalf("golden data has more than %d prompts", len(prompts))
		}
		var want []int
		for _, f := range strings.Fields(sc.Text()) {
			id, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("golden line %d: %v", i+2, err)
			}
			want = append(want, id)
		}
		if got := tok.Encode(prompts[i]); !slices.Equal(got, want) {
			m.add("prompt %d %q: Encode = %v, want %v", i, prompts[i], got, want)
			continue
		}
		row := batch[i*DefaultContextLength : (i+1)*DefaultContextLength]
		wantRow := append(append([]int{tok.SOT()}, want...), tok.EOT())
		for j := range row {
			w := 0
			if j < len(wantRow) {
				w = wantRow[j]
			}
			if int(row[j]) != w {
				m.add("prompt %d %q: batch row = %v, want %v", i, prompts[i], row, wantRow)
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(prompts) {
		t.Fatalf("golden data has %d prompts, want %d", i, len(prompts))
	}
	m.done(len(prompts))
}

// smallCase is one line of testdata/golden_small.jsonl.gz.
type smallCase struct {
	Name          string `json:"name"`
	Text          string `json:"text"`
	Small         []int  `json:"small"`
	Shuffled      []int  `json:"shuffled"`
	ShuffledNoUnk []int  `json:"shuffled_nounk"`
}

// TestGoldenSmallVocabularies runs the committed small vocabularies (always
// present) in every form, against ids from the Python reference.
func TestGoldenSmallVocabularies(t *testing.T) {
	cases := readJSONL[smallCase](t, filepath.Join("testdata", "golden_small.jsonl.gz"))
	forms := []struct {
		path        string
		format      Format
		sot, eot    int
		size        int
		want        func(c smallCase) []int
		description string
	}{
		{"testdata/small/bpe_small.txt.gz", FormatOpenAI, 1512, 1513, 1514, func(c smallCase) []int { return c.Small }, "merges only"},
		{"testdata/small", FormatTokenizerJSON, 1512, 1513, 1514, func(c smallCase) []int { return c.Small }, "folder: tokenizer.json wins"},
		{"testdata/small/tokenizer.json", FormatTokenizerJSON, 1512, 1513, 1514, func(c smallCase) []int { return c.Small }, "tokenizer.json"},
		{"testdata/small/vocab.json", FormatVocabMerges, 1512, 1513, 1514, func(c smallCase) []int { return c.Small }, "vocab.json beside merges.txt"},
		{"testdata/small/merges.txt", FormatVocabMerges, 1512, 1513, 1514, func(c smallCase) []int { return c.Small }, "merges.txt beside vocab.json"},
		{"testdata/shuffled", FormatTokenizerJSON, 0, 1, 1508, func(c smallCase) []int { return c.Shuffled }, "permuted ids, missing byte symbols -> unk"},
		{"testdata/shuffled_nounk/tokenizer.json", FormatTokenizerJSON, 0, 1, 1508, func(c smallCase) []int { return c.ShuffledNoUnk }, "permuted ids, missing byte symbols dropped"},
	}
	for _, f := range forms {
		t.Run(strings.ReplaceAll(f.path, "/", "_"), func(t *testing.T) {
			tok, err := Load(f.path)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Format() != f.format || tok.SOT() != f.sot || tok.EOT() != f.eot || tok.VocabSize() != f.size {
				t.Fatalf("%s: format %s, SOT %d, EOT %d, size %d; want %s, %d, %d, %d",
					f.description, tok.Format(), tok.SOT(), tok.EOT(), tok.VocabSize(), f.format, f.sot, f.eot, f.size)
			}
			m := &mismatches{t: t}
			for i, c := range cases {
				want := f.want(c)
				if got := tok.Encode(c.Text); !slices.Equal(got, want) {
					m.add("case %d (%s) %q: Encode = %v, want %v", i, c.Name, c.Text, got, want)
				}
				row := tok.Tokenize(c.Text, DefaultContextLength)
				if row[0] != f.sot || row[len(row)-1] != f.eot {
					m.add("case %d: Tokenize = %v, want SOT %d first and EOT %d last", i, row, f.sot, f.eot)
				}
			}
			m.done(len(cases))
		})
	}
}

// writeHFForms writes the OpenAI vocabulary as Hugging Face files:
// vocab.json + merges.txt, and tokenizer.json (with array-form merges, as
// newer exports write them). It rebuilds the vocabulary from the merges
// file itself rather than from the loaded tokenizer.
func writeHFForms(t *testing.T, gzPath, dir string) {
	t.Helper()
	f, err := os.Open(gzPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Scan() // header
	var merges [][2]string
	for len(merges) < OpenAIMerges && sc.Scan() {
		a, b, _ := strings.Cut(sc.Text(), " ")
		merges = append(merges, [2]string{a, b})
	}
	// bytes_to_unicode: printable Latin-1 stands for itself, the rest
	// counts up from U+0100.
	var syms []string
	var rest []string
	next := rune(256)
	for b := 0; b < 256; b++ {
		if b >= '!' && b <= '~' || b >= 0xa1 && b <= 0xac || b >= 0xae {
			syms = append(syms, string(rune(b)))
		} else {
			rest = append(rest, string(next))
			next++
		}
	}
	syms = append(syms, rest...)
	vocab := map[string]int{}
	id := 0
	add := func(s string) { vocab[s] = id; id++ }
	for _, s := range syms {
		add(s)
	}
	for _, s := range syms {
		add(s + "</w>")
	}
	lines := []string{"#version: 0.2"}
	arrays := make([][]string, 0, len(merges))
	for _, m := range merges {
		add(m[0] + m[1])
		lines = append(lines, m[0]+" "+m[1])
		arrays = append(arrays, []string{m[0], m[1]})
	}
	add(StartOfText)
	add(EndOfText)
	write := func(name string, v any) {
		var data []byte
		switch v := v.(type) {
		case string:
			data = []byte(v)
		default:
			if data, err = json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("hf/vocab.json", vocab)
	write("hf/merges.txt", strings.Join(lines, "\n")+"\n")
	write("hf/tokenizer_config.json", map[string]any{"pad_token": "<|endoftext|>", "model_max_length": 77})
	write("tj/tokenizer.json", map[string]any{
		"version": "1.0",
		"added_tokens": []map[string]any{
			{"id": vocab[StartOfText], "content": StartOfText, "special": true},
			{"id": vocab[EndOfText], "content": EndOfText, "special": true},
		},
		"padding": map[string]any{"strategy": map[string]any{"Fixed": 77}, "pad_id": 0},
		"model": map[string]any{
			"type": "BPE", "dropout": nil, "unk_token": EndOfText, "continuing_subword_prefix": "",
			"end_of_word_suffix": "</w>", "fuse_unk": false, "vocab": vocab, "merges": arrays,
		},
	})
}

// TestFormatsAgreeOnOpenAIVocabulary checks that the full vocabulary read
// from vocab.json + merges.txt and from tokenizer.json gives the ids the
// .txt.gz gives.
func TestFormatsAgreeOnOpenAIVocabulary(t *testing.T) {
	gz := openAI(t)
	dir := t.TempDir()
	writeHFForms(t, gz.Path(), dir)
	texts := []string{}
	for _, c := range goldenCases(t) {
		texts = append(texts, c.Text)
	}
	prompts := imagenetPrompts(t, referenceDir(t))
	for i := 0; i < len(prompts); i += 37 {
		texts = append(texts, prompts[i])
	}
	for _, path := range []string{filepath.Join(dir, "hf"), filepath.Join(dir, "tj", "tokenizer.json")} {
		tok, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if tok.SOT() != 49406 || tok.EOT() != 49407 || tok.VocabSize() != 49408 {
			t.Fatalf("%s: SOT %d EOT %d size %d, want 49406 49407 49408", path, tok.SOT(), tok.EOT(), tok.VocabSize())
		}
		if pad, ok := tok.PadID(); !ok || (tok.Format() == FormatVocabMerges && pad != 49407) || (tok.Format() == FormatTokenizerJSON && pad != 0) {
			t.Errorf("%s: PadID = %d, %v", path, pad, ok)
		}
		if n, ok := tok.MaxLength(); !ok || n != 77 {
			t.Errorf("%s: MaxLength = %d, %v, want 77", path, n, ok)
		}
		m := &mismatches{t: t}
		for _, text := range texts {
			if got, want := tok.Encode(text), gz.Encode(text); !slices.Equal(got, want) {
				m.add("%s: %q: Encode = %v, .txt.gz gives %v", path, text, got, want)
			}
		}
		m.done(len(texts))
	}
}
