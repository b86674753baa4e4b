package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzEncode: any input gives ids inside the vocabulary, never panics, and
// Tokenize, Batch and Encode agree. It runs on the committed small
// vocabularies (one with an unknown token, one that drops unknown symbols)
// and, when present, OpenAI's.
//
//	go test -run '^$' -fuzz '^FuzzEncode$' -fuzztime 30s ./encoders/tokenizer
func FuzzEncode(f *testing.F) {
	toks := []*Tokenizer{}
	for _, p := range []string{"testdata/small/tokenizer.json", "testdata/shuffled", "testdata/shuffled_nounk"} {
		tok, err := Load(p)
		if err != nil {
			f.Fatal(err)
		}
		toks = append(toks, tok)
	}
	if ref, _ := findReference(); ref != "" {
		if tok, err := Load(filepath.Join(ref, "bpe_simple_vocab_16e6.txt.gz")); err == nil {
			toks = append(toks, tok)
		}
	}
	for _, c := range readJSONL[smallCase](f, filepath.Join("testdata", "golden_small.jsonl.gz")) {
		if c.Name != "imagenet" {
			f.Add(c.Text, 77)
		}
	}
	f.Add("\xff\xfe&#x110000;&amp;amp;<|endoftext|>", 5)
	f.Add(strings.Repeat("ﬃ", 40), 1)
	f.Add("\x1b[1;2", 0)
	f.Fuzz(func(t *testing.T, text string, ctx int) {
		ctx %= 100
		clean := Clean(text)
		if !utf8.ValidString(clean) {
			t.Fatalf("Clean(%q) = %q is not valid UTF-8", text, clean)
		}
		if clean != strings.TrimFunc(clean, isPySpace) || strings.Contains(clean, "  ") {
			t.Fatalf("Clean(%q) = %q has untrimmed or doubled spaces", text, clean)
		}
		for _, tok := range toks {
			ids := tok.Encode(text)
			for _, id := range ids {
				if id < 0 || id >= tok.VocabSize() {
					t.Fatalf("%s: Encode(%q) id %d outside [0, %d)", tok.Path(), text, id, tok.VocabSize())
				}
			}
			row := tok.Tokenize(text, ctx)
			var want []int
			switch {
			case ctx == 1:
				want = []int{tok.EOT()}
			case ctx <= 0:
				want = append(append([]int{tok.SOT()}, ids...), tok.EOT())
			default:
				want = append(append([]int{tok.SOT()}, ids[:min(len(ids), ctx-2)]...), tok.EOT())
			}
			if !slices.Equal(row, want) {
				t.Fatalf("%s: Tokenize(%q, %d) = %v, want %v", tok.Path(), text, ctx, row, want)
			}
			if ctx > 0 {
				batch := tok.Batch([]string{text, text}, ctx, -1)
				for i, v := range batch[ctx:] {
					w := -1
					if i < len(row) {
						w = row[i]
					}
					if int(v) != w {
						t.Fatalf("%s: Batch(%q, %d) row = %v, Tokenize = %v", tok.Path(), text, ctx, batch[ctx:], row)
					}
				}
			}
		}
	})
}

// FuzzHFEncode: for every tokenizer.json kind (SentencePiece unigram with
// and without byte fallback, SentencePiece BPE, WordPiece, a vocab.txt),
// any input gives ids inside the vocabulary, never panics, and Tokenize
// is the post-processor's specials around Encode's ids, truncated at the
// end.
//
//	go test -run '^$' -fuzz '^FuzzHFEncode$' -fuzztime 30s ./encoders/tokenizer
func FuzzHFEncode(f *testing.F) {
	var toks []*Tokenizer
	for _, name := range []string{"spm_unigram", "spm_t5", "spm_bpe", "spm_xlmr", "wordpiece"} {
		toks = append(toks, loadHF(f, name))
	}
	for _, g := range readHFGoldens(f) {
		f.Add(g.Text, 16)
	}
	f.Add("\xff\xfe</s>[CLS]<0x41>▁▁", 3)
	f.Add(strings.Repeat("a\u0301", 50), 64)
	f.Fuzz(func(t *testing.T, text string, ctx int) {
		ctx %= 100
		for _, tok := range toks {
			ids := tok.Encode(text)
			for _, id := range ids {
				if id < 0 || id >= tok.VocabSize() {
					t.Fatalf("%s: Encode(%q) id %d outside [0, %d)", tok.Path(), text, id, tok.VocabSize())
				}
			}
			pre, suf := tok.hf.prefix, tok.hf.suffix
			want := ints(pre)
			room := len(ids)
			if ctx > 0 {
				room = min(room, max(0, ctx-len(pre)-len(suf)))
			}
			want = append(append(want, ids[:room]...), ints(suf)...)
			if ctx > 0 && len(want) > ctx {
				want = want[:ctx]
			}
			row := tok.Tokenize(text, ctx)
			if !slices.Equal(row, want) {
				t.Fatalf("%s: Tokenize(%q, %d) = %v, want %v", tok.Path(), text, ctx, row, want)
			}
			_ = tok.Decode(row)
		}
	})
}

// FuzzLoadTokenizerJSON: any bytes as a tokenizer.json (or vocab.txt) give
// a tokenizer or an error naming the file, never a panic; a tokenizer that
// loads encodes text into ids inside its vocabulary.
//
//	go test -run '^$' -fuzz '^FuzzLoadTokenizerJSON$' -fuzztime 30s ./encoders/tokenizer
func FuzzLoadTokenizerJSON(f *testing.F) {
	f.Add([]byte(`{"normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "WhitespaceSplit"},
	  "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]},
	  "model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "a": 3, "##b": 4}}}`), false)
	f.Add([]byte(`{"added_tokens": [{"id": 3, "content": "<m>", "special": true, "lstrip": true}],
	  "pre_tokenizer": {"type": "Metaspace", "replacement": "_", "prepend_scheme": "first"},
	  "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": true, "vocab": [["<unk>", 0], ["_a", -1], ["b", -2]]}}`), false)
	f.Add([]byte(`{"normalizer": {"type": "Precompiled", "precompiled_charsmap": "AAAAAA=="},
	  "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"], "byte_fallback": true}}`), false)
	f.Add([]byte("[PAD]\n[UNK]\n[CLS]\n[SEP]\na\n##b\n"), true)
	for _, name := range []string{"wordpiece", "spm_unigram"} {
		data, err := os.ReadFile(filepath.Join("testdata", "hf", name, "tokenizer.json"))
		if err == nil && len(data) < 400_000 {
			f.Add(data[:min(len(data), 3000)], false) // truncated: an error
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, vocabTxt bool) {
		name := "tokenizer.json"
		if vocabTxt {
			name = "vocab.txt"
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tok, err := Load(p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, text := range []string{"a b ab", "<m>ab", "", "\xff猫 [CLS]"} {
			for _, id := range tok.Tokenize(text, 8) {
				if id < 0 || id >= tok.VocabSize() {
					t.Fatalf("%q: id %d outside [0, %d)", text, id, tok.VocabSize())
				}
			}
		}
	})
}
