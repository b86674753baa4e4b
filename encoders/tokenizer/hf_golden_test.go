package tokenizer

// testdata/hf holds tokenizer.json files of the kinds beyond CLIP's BPE and
// reference ids for them, made outside the product by
//
//	/usr/bin/python3 tools/fixtures/make_hf_tokenizers.py
//
// SentencePiece models trained with spm_train (unigram with and without
// byte fallback, BPE) are converted as Hugging Face's converter does; their
// reference ids come from python3-sentencepiece. The WordPiece reference
// is an independent Python BasicTokenizer + WordpieceTokenizer.

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

type hfGolden struct {
	Tokenizer string `json:"tokenizer"`
	Text      string `json:"text"`
	IDs       []int  `json:"ids"`
}

func readHFGoldens(t testing.TB) []hfGolden {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "hf", "golden.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []hfGolden
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var g hfGolden
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatalf("golden.jsonl line %d: %v", len(out)+1, err)
		}
		out = append(out, g)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var hfTokenizers sync.Map // name -> *Tokenizer

func loadHF(t testing.TB, name string) *Tokenizer {
	t.Helper()
	if tok, ok := hfTokenizers.Load(name); ok {
		return tok.(*Tokenizer)
	}
	tok, err := Load(filepath.Join("testdata", "hf", name, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	hfTokenizers.Store(name, tok)
	return tok
}

// TestHFGoldens checks every reference row: the ids with the
// post-processor's specials, untruncated.
func TestHFGoldens(t *testing.T) {
	goldens := readHFGoldens(t)
	kinds := map[string]int{}
	failed := 0
	for i, g := range goldens {
		tok := loadHF(t, g.Tokenizer)
		kinds[tok.Kind()]++
		got := tok.Tokenize(g.Text, 0)
		if !slices.Equal(got, g.IDs) {
			failed++
			if failed <= 20 {
				t.Errorf("line %d %s %q:\n got %v\nwant %v", i+1, g.Tokenizer, g.Text, got, g.IDs)
			}
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d golden rows differ", failed, len(goldens))
	}
	for _, k := range []string{KindUnigram, KindBPE, KindWordPiece} {
		if kinds[k] == 0 {
			t.Errorf("no golden rows for %s (kinds %v)", k, kinds)
		}
	}
	t.Logf("%d rows, by kind %v", len(goldens), kinds)
}
