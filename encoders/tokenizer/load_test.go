package tokenizer

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles creates files (name -> content) under a temporary folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func gzipText(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func readSmall(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "small", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestLoadErrors(t *testing.T) {
	vocab := readSmall(t, "vocab.json")
	merges := readSmall(t, "merges.txt")
	tokJSON := readSmall(t, "tokenizer.json")
	dir := writeFiles(t, map[string]string{
		"badnorm/tokenizer.json":      `{"normalizer": {"type": "Frobnicate"}, "model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}`,
		"badpre/tokenizer.json":       `{"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "UnicodeScripts"}]}, "model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}`,
		"badpost/tokenizer.json":      `{"post_processor": {"type": "Fancy"}, "model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}`,
		"badmodel/tokenizer.json":     `{"model": {"type": "Char", "vocab": {}}}`,
		"badregex/tokenizer.json":     `{"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "a(?=b)"}, "behavior": "Isolated"}, "model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}`,
		"badpiece/tokenizer.json":     `{"model": {"type": "Unigram", "vocab": [["<unk>", 0.0], ["a"]]}}`,
		"badunkid/tokenizer.json":     `{"model": {"type": "Unigram", "unk_id": 7, "vocab": [["<unk>", 0.0]]}}`,
		"wpnounk/tokenizer.json":      `{"model": {"type": "WordPiece", "vocab": {"a": 0}}}`,
		"badtemplate/tokenizer.json":  `{"post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[CLS]"}}, {"Sequence": {"id": "A"}}], "special_tokens": {}}, "model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}`,
		"badpadid/tokenizer.json":     `{"padding": {"pad_id": 99}, "model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}`,
		"gptdropout/tokenizer.json":   `{"model": {"type": "BPE", "dropout": 0.5, "vocab": {"a": 0}, "merges": []}}`,
		"emptybert/vocab.txt":         "",
		"dropout/tokenizer.json":      `{"model": {"type": "BPE", "end_of_word_suffix": "</w>", "dropout": 0.1, "vocab": {}, "merges": []}}`,
		"nomodel/tokenizer.json":      `{"version": "1.0"}`,
		"syntax/tokenizer.json":       "{\n  \"model\": {\n    \"type\": \"BPE\",,\n  }\n}",
		"badmerge/tokenizer.json":     strings.Replace(tokJSON, `"i n",`, `"i n x",`, 1),
		"arraymerge/tokenizer.json":   strings.Replace(tokJSON, `"i n",`, `["i"],`, 1),
		"oovmerge/tokenizer.json":     strings.Replace(tokJSON, `"i n",`, `"i QQQ",`, 1),
		"nosot/tokenizer.json":        strings.ReplaceAll(tokJSON, `"<|startoftext|>"`, `"<|start|>"`),
		"badunk/tokenizer.json":       strings.Replace(tokJSON, `"unk_token": "<|endoftext|>"`, `"unk_token": "<unk>"`, 1),
		"spm/spiece.model":            "\x0a\x05hello",
		"bert/vocab.txt":              "[PAD]\n[UNK]\n",
		"onlyvocab/vocab.json":        vocab,
		"onlymerges/merges.txt":       merges,
		"empty/.keep":                 "",
		"hfbad/vocab.json":            vocab,
		"hfbad/merges.txt":            strings.Replace(merges, "t h\n", "t h e\n", 1),
		"hfoov/vocab.json":            vocab,
		"hfoov/merges.txt":            strings.Replace(merges, "t h\n", "t ZZZ\n", 1),
		"hfvocab/vocab.json":          "{\"a\": 1,\n\"b\": \"two\"}",
		"hfvocab/merges.txt":          merges,
		"hfneg/vocab.json":            `{"a": -3}`,
		"hfneg/merges.txt":            merges,
		"hfpad/vocab.json":            vocab,
		"hfpad/merges.txt":            merges,
		"hfpad/tokenizer_config.json": `{"pad_token": "<pad>"}`,
		"openai/bad.txt.gz":           gzipText(t, "\"bpe_simple_vocab_16e6.txt#version: 0.2\ni n\nt h e\n"),
		"openai/blank.txt.gz":         gzipText(t, "#version: 0.2\ni n\n\nt h\n"),
		"openai/notgz.gz":             "\x1f\x8bnot really gzip",
		"random.bin":                  "\x00\x01\x02 binary",
		"empty.txt":                   "",
	})
	in := func(p string) string { return filepath.Join(dir, p) }
	for _, c := range []struct {
		path        string
		want        string // substring of the error
		unsupported string // UnsupportedError.Type prefix, if any
	}{
		{in("missing.json"), "missing.json: no such file", ""},
		{in("badnorm"), in("badnorm/tokenizer.json") + `: normalizer: normalizer type "Frobnicate" is not supported`, ""},
		{in("badpre"), in("badpre/tokenizer.json") + `: pre_tokenizer: pre-tokenizer type "UnicodeScripts" is not supported`, ""},
		{in("badpost"), in("badpost/tokenizer.json") + `: post_processor: post-processor type "Fancy" is not supported`, ""},
		{in("badmodel"), in("badmodel/tokenizer.json") + `: model type "Char" is not supported`, ""},
		{in("badregex"), `Split pre-tokenizer: pattern "a(?=b)"`, ""},
		{in("badpiece"), `badpiece/tokenizer.json: model.vocab[1]: want [piece, score]`, ""},
		{in("badunkid"), `badunkid/tokenizer.json: model.unk_id 7 outside the vocabulary`, ""},
		{in("wpnounk"), `wpnounk/tokenizer.json: WordPiece unk_token "[UNK]" is not in the vocabulary`, ""},
		{in("badtemplate"), `TemplateProcessing single[0]: special token "[CLS]" is not in special_tokens`, ""},
		{in("badpadid"), `badpadid/tokenizer.json: padding.pad_id 99 is outside the vocabulary`, ""},
		{in("gptdropout"), "unsupported tokenizer type BPE with dropout", "BPE with dropout"},
		{in("dropout"), "unsupported tokenizer type BPE with dropout", "BPE with dropout"},
		{in("spm"), "unsupported tokenizer type SentencePiece (.model; use the export's tokenizer.json) in " + in("spm/spiece.model"), "SentencePiece"},
		{in("spm/spiece.model"), "unsupported tokenizer type SentencePiece (.model; use the export's tokenizer.json) in " + in("spm/spiece.model"), "SentencePiece"},
		{in("bert"), in("bert/vocab.txt") + `: cls_token "[CLS]" is not in the vocabulary`, ""},
		{in("emptybert"), in("emptybert/vocab.txt") + ": empty vocabulary", ""},
		{in("nomodel"), `nomodel/tokenizer.json: no "model" section`, ""},
		{in("syntax"), "syntax/tokenizer.json:3:20: invalid character ','", ""},
		{in("badmerge"), `badmerge/tokenizer.json: model.merges[0] "i n x", want two symbols`, ""},
		{in("arraymerge"), `model.merges[0] is ["i"], want`, ""},
		{in("oovmerge"), `model.merges[0]: merge "i QQQ": "QQQ" is not in the vocabulary`, ""},
		{in("nosot"), "nosot/tokenizer.json: no <|startoftext|> token in the vocabulary", ""},
		{in("badunk"), `model.unk_token "<unk>" is not in the vocabulary`, ""},
		{in("onlyvocab"), "onlyvocab: vocab.json without merges.txt", ""},
		{in("onlymerges"), "onlymerges: merges.txt without vocab.json", ""},
		{in("onlyvocab/vocab.json"), "onlyvocab/merges.txt: no such file", ""},
		{in("empty"), "empty: no tokenizer files (want tokenizer.json, vocab.json and merges.txt, or bpe_simple_vocab_16e6.txt.gz)", ""},
		{in("hfbad"), `hfbad/merges.txt:3: merge line "t h e", want two symbols separated by one space`, ""},
		{in("hfoov"), `hfoov/merges.txt:3: merge "t ZZZ": "ZZZ" is not in the vocabulary`, ""},
		{in("hfvocab"), "hfvocab/vocab.json:2:", ""},
		{in("hfneg"), `hfneg/vocab.json: token "a" has id -3`, ""},
		{in("hfpad"), `hfpad/tokenizer_config.json: pad_token "<pad>" is not in the vocabulary`, ""},
		{in("openai/bad.txt.gz"), "openai/bad.txt.gz:3: merge line has 3 fields, want 2 symbols", ""},
		{in("openai/blank.txt.gz"), "openai/blank.txt.gz:3: empty merge line", ""},
		{in("openai/notgz.gz"), "openai/notgz.gz: gzip", ""},
		{in("random.bin"), "random.bin: not a tokenizer file", ""},
		{in("empty.txt"), "empty.txt: not a tokenizer file", ""},
	} {
		tok, err := Load(c.path)
		if err == nil {
			t.Errorf("Load(%s) = %s, want an error", c.path, tok.Describe())
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%s) error:\n  %v\nwant it to contain\n  %s", c.path, err, c.want)
		}
		var ue *UnsupportedError
		if isU := errors.As(err, &ue); isU != (c.unsupported != "") || isU && !strings.HasPrefix(ue.Type, c.unsupported) {
			t.Errorf("Load(%s) error %v: UnsupportedError %v, want type %q", c.path, err, isU, c.unsupported)
		}
	}
}

func TestLoadVariants(t *testing.T) {
	tokJSON := readSmall(t, "tokenizer.json")
	merges := readSmall(t, "merges.txt")
	dir := writeFiles(t, map[string]string{
		// Hints from tokenizer.json: padding and truncation.
		"hints/tokenizer.json": strings.Replace(strings.Replace(tokJSON,
			`"truncation": null`, `"truncation": {"max_length": 64}`, 1),
			`"padding": null`, `"padding": {"strategy": {"Fixed": 77}, "pad_id": 1513}`, 1),
		// A BOM, CRLF line ends and no #version header.
		"crlf/vocab.json":            "\ufeff" + readSmall(t, "vocab.json"),
		"crlf/merges.txt":            strings.ReplaceAll(strings.TrimPrefix(merges, "#version: 0.2\n"), "\n", "\r\n"),
		"crlf/tokenizer_config.json": `{"pad_token": {"content": "<|endoftext|>"}, "unk_token": "<|endoftext|>", "model_max_length": 1e30}`,
		// tokenizer.json without padding, tokenizer_config.json beside it.
		"hfexport/tokenizer.json":        tokJSON,
		"hfexport/tokenizer_config.json": `{"pad_token": "<|endoftext|>", "model_max_length": 77, "unk_token": "!"}`,
		// The OpenAI merges text uncompressed, and a folder holding it.
		"plain/bpe.txt": "\"bpe_simple_vocab_16e6.txt#version: 0.2\n" + strings.TrimPrefix(merges, "#version: 0.2\n"),
	})
	small, err := Load("testdata/small/bpe_small.txt.gz")
	if err != nil {
		t.Fatal(err)
	}
	text := "A photo of THE thing, it's 3 o'clock &amp; “fine”."
	want := small.Encode(text)
	for _, p := range []string{"hints", "crlf", "plain/bpe.txt"} {
		tok, err := Load(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if got := tok.Encode(text); !equalInts(got, want) {
			t.Errorf("%s: Encode = %v, want %v", p, got, want)
		}
	}
	hints, _ := Load(filepath.Join(dir, "hints"))
	if pad, ok := hints.PadID(); !ok || pad != 1513 {
		t.Errorf("hints: PadID = %d, %v; want 1513", pad, ok)
	}
	if n, ok := hints.MaxLength(); !ok || n != 64 {
		t.Errorf("hints: MaxLength = %d, %v; want 64 (truncation wins over fixed padding)", n, ok)
	}
	crlf, _ := Load(filepath.Join(dir, "crlf"))
	if pad, ok := crlf.PadID(); !ok || pad != crlf.EOT() {
		t.Errorf("crlf: PadID = %d, %v; want EOT", pad, ok)
	}
	if _, ok := crlf.MaxLength(); ok {
		t.Error("crlf: model_max_length 1e30 should mean no limit")
	}
	hf, err := Load(filepath.Join(dir, "hfexport"))
	if err != nil {
		t.Fatal(err)
	}
	if pad, ok := hf.PadID(); !ok || pad != hf.EOT() {
		t.Errorf("hfexport: PadID = %d, %v; want EOT from tokenizer_config.json", pad, ok)
	}
	if n, ok := hf.MaxLength(); !ok || n != 77 {
		t.Errorf("hfexport: MaxLength = %d, %v; want 77", n, ok)
	}
	if hf.unk != hf.eot {
		t.Errorf("hfexport: unknown token %d, want tokenizer.json's <|endoftext|>, not the config's", hf.unk)
	}
	if _, ok := small.PadID(); ok {
		t.Error("OpenAI merges name no pad id")
	}
	if d := small.Describe(); !strings.Contains(d, "openai-bpe, 1514 tokens, 1000 merges, SOT 1512, EOT 1513") {
		t.Errorf("Describe = %q", d)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLoadMissingIsNotExist(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope"))
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "tokenizer ") {
		t.Errorf("error %v: want a tokenizer error matching os.ErrNotExist", err)
	}
}
