package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestHFAddedTokensInText: specials typed in the text are matched whole,
// before normalization, and split the text around them.
func TestHFAddedTokensInText(t *testing.T) {
	spm := loadHF(t, "spm_unigram")
	plain := spm.Encode("a photo")
	got := spm.Encode("a photo</s>")
	if want := append(slices.Clone(plain), 1); !slices.Equal(got, want) {
		t.Errorf("spm %q = %v, want %v", "a photo</s>", got, want)
	}
	wp := loadHF(t, "wordpiece")
	a, _ := wp.TokenID("a")
	cat, _ := wp.TokenID("cat")
	// "[MASK]" is not normalized: lowercasing must not break it.
	if got := wp.Encode("a [MASK] cat"); !slices.Equal(got, []int{a, 4, cat}) {
		t.Errorf("wordpiece = %v, want [%d 4 %d]", got, a, cat)
	}
	if got := wp.Encode("a [mask] cat"); slices.Contains(got, 4) {
		t.Errorf("wordpiece lowercase [mask] = %v matched the special token", got)
	}
}

// TestHFAddedTokenFlags checks lstrip, rstrip, single_word and normalized
// added tokens on a word-level vocabulary.
func TestHFAddedTokenFlags(t *testing.T) {
	dir := writeFiles(t, map[string]string{"tokenizer.json": `{
	  "added_tokens": [
	    {"id": 5, "content": "<mask>", "special": true, "normalized": false, "lstrip": true, "rstrip": true, "single_word": false},
	    {"id": 6, "content": "cat", "special": false, "normalized": true, "lstrip": false, "rstrip": false, "single_word": true},
	    {"id": 7, "content": "<m", "special": true, "normalized": false, "lstrip": false, "rstrip": false, "single_word": false}
	  ],
	  "normalizer": {"type": "Lowercase"},
	  "pre_tokenizer": {"type": "WhitespaceSplit"},
	  "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0], "trim_offsets": true, "add_prefix_space": false},
	  "model": {"type": "WordLevel", "vocab": {"<s>": 0, "<unk>": 1, "</s>": 2, "a": 3, "cats": 4}, "unk_token": "<unk>"}
	}`})
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text string
		want []int
	}{
		{"a <mask> a", []int{0, 3, 5, 3, 2}}, // the spaces go with <mask>
		{"A CAT", []int{0, 3, 6, 2}},         // normalized: matched after lowercasing
		{"cats", []int{0, 4, 2}},             // single_word: not inside "cats"
		{"acat", []int{0, 1, 2}},             // nor after a letter
		{"<mask", []int{0, 7, 1, 2}},         // longest match first, then the rest
		{"", []int{0, 2}},
	} {
		if got := tok.Tokenize(c.text, 0); !slices.Equal(got, c.want) {
			t.Errorf("%q = %v, want %v", c.text, got, c.want)
		}
	}
	if tok.SOT() != 0 || tok.EOT() != 2 || tok.Kind() != KindWordLevel {
		t.Errorf("SOT %d EOT %d kind %s", tok.SOT(), tok.EOT(), tok.Kind())
	}
}

// TestHFTruncation: the post-processor's specials stay, sequence ids are
// dropped from the end (or the start with direction Left).
func TestHFTruncation(t *testing.T) {
	long := strings.Repeat("a photo of a dog ", 20)
	wp := loadHF(t, "wordpiece")
	full := wp.Tokenize(long, 0)
	got := wp.Tokenize(long, 10)
	want := append(slices.Clone(full[:9]), 3)
	if !slices.Equal(got, want) {
		t.Errorf("wordpiece ctx 10 = %v, want %v", got, want)
	}
	spm := loadHF(t, "spm_t5")
	full = spm.Tokenize(long, 0)
	if got := spm.Tokenize(long, 64); len(got) != 64 || got[63] != 1 || !slices.Equal(got[:63], full[:63]) {
		t.Errorf("spm ctx 64 = %v", got)
	}
	if got := wp.Tokenize(long, 1); !slices.Equal(got, []int{2}) {
		t.Errorf("wordpiece ctx 1 = %v, want [2]", got)
	}
	a, _ := wp.TokenID("a")
	cat, _ := wp.TokenID("cat")
	batch := wp.Batch([]string{"a cat", long}, 8, 0)
	if !slices.Equal(batch[:8], []int64{2, int64(a), int64(cat), 3, 0, 0, 0, 0}) || batch[15] != 3 {
		t.Errorf("batch = %v", batch)
	}

	data, err := os.ReadFile(filepath.Join("testdata", "hf", "wordpiece", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	left := strings.Replace(string(data), `"truncation": null`, `"truncation": {"direction": "Left", "max_length": 32, "strategy": "LongestFirst", "stride": 0}`, 1)
	dir := writeFiles(t, map[string]string{"tokenizer.json": left})
	lt, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	full = lt.Tokenize(long, 0)
	want = append(append([]int{2}, full[len(full)-9:len(full)-1]...), 3)
	if got := lt.Tokenize(long, 10); !slices.Equal(got, want) {
		t.Errorf("left truncation = %v, want %v", got, want)
	}
	if n, ok := lt.MaxLength(); !ok || n != 32 {
		t.Errorf("MaxLength = %d %v, want 32", n, ok)
	}
}

// TestPrecompiledGraphemes: Hugging Face maps a grapheme cluster under six
// bytes whole ("a" + U+0301 composes to "á") and longer clusters
// character by character (so "a" + three U+0301 stays decomposed), where
// SentencePiece itself would compose the first two.
func TestPrecompiledGraphemes(t *testing.T) {
	spm := loadHF(t, "spm_unigram")
	n := spm.hf.normalize
	if got := n("a\u0301"); got != "á" {
		t.Errorf("a+U+0301 = %q, want á", got)
	}
	if got := n("a\u0301\u0301\u0301"); got != "a\u0301\u0301\u0301" {
		t.Errorf("a+3×U+0301 = %q, want it unchanged", got)
	}
	if got := n("ＡＢＣ１２３ ﬁ"); got != "ABC123 fi" {
		t.Errorf("NFKC charsmap = %q", got)
	}
}

// TestVocabTxt: a BERT vocab.txt reads as the converted tokenizer.json
// does, token for token.
func TestVocabTxt(t *testing.T) {
	wp := loadHF(t, "wordpiece")
	var b strings.Builder
	for id := 0; id < wp.VocabSize(); id++ {
		b.WriteString(wp.Token(id) + "\n")
	}
	dir := writeFiles(t, map[string]string{"vocab.txt": b.String(), "tokenizer_config.json": `{"do_lower_case": true, "pad_token": "[PAD]"}`})
	vt, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if vt.Format() != FormatVocabTxt || vt.Kind() != KindWordPiece || vt.VocabSize() != wp.VocabSize() {
		t.Fatalf("%s", vt.Describe())
	}
	if pad, ok := vt.PadID(); !ok || pad != 0 {
		t.Errorf("pad = %d %v", pad, ok)
	}
	if sep, ok := vt.SepID(); !ok || sep != 3 {
		t.Errorf("sep = %d %v", sep, ok)
	}
	for _, g := range readHFGoldens(t) {
		if g.Tokenizer != "wordpiece" {
			continue
		}
		if got := vt.Tokenize(g.Text, 0); !slices.Equal(got, g.IDs) {
			t.Errorf("vocab.txt %q = %v, want %v", g.Text, got, g.IDs)
		}
	}
	cased := writeFiles(t, map[string]string{"vocab.txt": b.String(), "tokenizer_config.json": `{"do_lower_case": false}`})
	ct, err := Load(filepath.Join(cased, "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got := ct.Encode("Cat"); slices.Equal(got, wp.Encode("Cat")) {
		t.Errorf("do_lower_case false still lowercases: %v", got)
	}
}

// TestHFDecode: decoding undoes Metaspace, byte fallback and "##".
func TestHFDecode(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"spm_unigram", "a photo of a cat.", "a photo of a cat."},
		{"spm_unigram", "猫的照片 🐈", "猫的照片 🐈"},
		{"spm_bpe", "una foto di un gatto.", "una foto di un gatto."},
		{"wordpiece", "A Photo of the goldfish.", "a photo of the goldfish ."},
	} {
		tok := loadHF(t, c.name)
		if got := tok.Decode(tok.Tokenize(c.text, 0)); got != c.want {
			t.Errorf("%s: Decode(Tokenize(%q)) = %q, want %q", c.name, c.text, got, c.want)
		}
	}
}

// TestNormalizers checks the normalizers on their own against Hugging
// Face's documented behaviour.
func TestNormalizers(t *testing.T) {
	for _, c := range []struct{ json, in, want string }{
		{`{"type": "Lowercase"}`, "İSTANBUL ΣΑΣ", "i̇stanbul σασ"},
		{`{"type": "NFKC"}`, "ﬁ①", "fi1"},
		{`{"type": "NFD"}`, "é", "e\u0301"},
		{`{"type": "StripAccents"}`, "crème brûlée", "creme brulee"},
		{`{"type": "Strip", "strip_left": true, "strip_right": false}`, "  a b  ", "a b  "},
		{`{"type": "Replace", "pattern": {"String": "''"}, "content": "\""}`, "''a''", `"a"`},
		{`{"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}`, "a    b", "a b"},
		{`{"type": "Prepend", "prepend": "▁"}`, "a", "▁a"},
		{`{"type": "Prepend", "prepend": "▁"}`, "", ""},
		{`{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}`,
			"Héllo\t猫\u0000x", "hello  猫 x"},
		{`{"type": "BertNormalizer", "lowercase": false}`, "Héllo", "Héllo"},
		{`{"type": "Nmt"}`, "a\u200bb\u0001c", "a bc"},
		{`{"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "StripAccents"}, {"type": "Lowercase"}]}`, "Ébène", "ebene"},
	} {
		n, err := parseNormalizer([]byte(c.json))
		if err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		if got := n(c.in); got != c.want {
			t.Errorf("%s(%q) = %q, want %q", c.json, c.in, got, c.want)
		}
	}
}

// TestPreTokenizers checks the pre-tokenizers on their own.
func TestPreTokenizers(t *testing.T) {
	for _, c := range []struct {
		json, in string
		first    bool
		want     []string
	}{
		{`{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true}`, "a cat", false, []string{"▁a", "▁cat"}},
		{`{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true}`, "a cat", false, []string{"a", "▁cat"}},
		{`{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true}`, "a cat", true, []string{"▁a", "▁cat"}},
		{`{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": false}`, "a cat", true, []string{"a▁cat"}},
		{`{"type": "Metaspace", "replacement": "▁", "add_prefix_space": true}`, "a", true, []string{"▁a"}},
		{`{"type": "WhitespaceSplit"}`, " a\u3000b\n", false, []string{"a", "b"}},
		{`{"type": "Whitespace"}`, "it's 3.5", false, []string{"it", "'", "s", "3", ".", "5"}},
		{`{"type": "BertPreTokenizer"}`, "hi, you!", false, []string{"hi", ",", "you", "!"}},
		{`{"type": "Punctuation", "behavior": "MergedWithPrevious"}`, "a,b", false, []string{"a,", "b"}},
		{`{"type": "Digits", "individual_digits": true}`, "a123", false, []string{"a", "1", "2", "3"}},
		{`{"type": "Digits", "individual_digits": false}`, "a123b", false, []string{"a", "123", "b"}},
		{`{"type": "Split", "pattern": {"String": "-"}, "behavior": "Removed", "invert": false}`, "a-b--c", false, []string{"a", "b", "c"}},
		{`{"type": "Split", "pattern": {"String": "-"}, "behavior": "MergedWithNext", "invert": false}`, "a-b", false, []string{"a", "-b"}},
		{`{"type": "Split", "pattern": {"String": "-"}, "behavior": "Contiguous", "invert": false}`, "a--b", false, []string{"a", "--", "b"}},
		{`{"type": "Split", "pattern": {"Regex": "\\d+"}, "behavior": "Isolated", "invert": true}`, "ab12cd", false, []string{"ab", "12", "cd"}},
		{`{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}`, "it's a  test", false, []string{"it", "'s", "Ġa", "Ġ", "Ġtest"}},
		{`{"type": "ByteLevel", "add_prefix_space": true, "use_regex": true}`, "é", false, []string{"ĠÃ©"}},
	} {
		p, err := parsePreTokenizer([]byte(c.json))
		if err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		if got := p([]string{c.in}, c.first); !slices.Equal(got, c.want) {
			t.Errorf("%s(%q, first %v) = %q, want %q", c.json, c.in, c.first, got, c.want)
		}
	}
}

// TestHFByteLevelBPE runs a GPT-2-style byte-level BPE (no "</w>") on
// merges whose result can be worked out by hand.
func TestHFByteLevelBPE(t *testing.T) {
	dir := writeFiles(t, map[string]string{"tokenizer.json": `{
	  "added_tokens": [{"id": 9, "content": "<|endoftext|>", "special": true, "normalized": false, "lstrip": false, "rstrip": false, "single_word": false}],
	  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
	  "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
	  "model": {"type": "BPE", "vocab": {"c": 0, "a": 1, "t": 2, "Ġ": 3, "ca": 4, "cat": 5, "Ġc": 6, "Ġcat": 7, "s": 8},
	            "merges": ["c a", "ca t", "Ġ c"]}
	}`})
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Ranks: "c a" before "Ġ c", so " cats" is Ġ ca t s, then Ġ cat s.
	if got := tok.Tokenize("cat cats<|endoftext|>", 0); !slices.Equal(got, []int{5, 3, 5, 8, 9}) {
		t.Errorf("got %v", got)
	}
	if got := tok.Decode([]int{5, 3, 5, 9}); got != "cat cat" {
		t.Errorf("decode = %q", got)
	}
}

// TestXLMRMask: XLM-R's <mask> swallows the space on its left (lstrip), so
// "a <mask> b" is "a", <mask>, "b"; its pad token comes from
// tokenizer_config.json.
func TestXLMRMask(t *testing.T) {
	x := loadHF(t, "spm_xlmr")
	mask, ok := x.TokenID("<mask>")
	if !ok || mask != x.VocabSize()-1 {
		t.Fatalf("<mask> id %d, vocabulary %d", mask, x.VocabSize())
	}
	want := append(append(x.Encode("a"), mask), x.Encode("b")...)
	if got := x.Encode("a <mask> b"); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if pad, ok := x.PadID(); !ok || pad != 1 {
		t.Errorf("pad %d %v, want 1", pad, ok)
	}
	if x.SOT() != 0 || x.EOT() != 2 {
		t.Errorf("SOT %d EOT %d", x.SOT(), x.EOT())
	}
}
