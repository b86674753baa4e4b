package tokenizer

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestOpenAIGoldensWithFtfy: every line of shared/reference's
// clip_tokenizer_goldens.jsonl (246 inputs: mojibake, HTML entities,
// curly quotes, ligatures, full width, CJK, Arabic, emoji, whitespace,
// special tokens, long text), made with OpenAI's simple_tokenizer.py and
// ftfy 74dd045's fix_text: our ftfy step gives its "fixed" text and the
// tokenizer its ids.
func TestOpenAIGoldensWithFtfy(t *testing.T) {
	ref := referenceDir(t)
	tok := openAI(t)
	f, err := os.Open(filepath.Join(ref, "clip_tokenizer_goldens.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	n := 0
	for sc.Scan() {
		var g struct {
			Text  string `json:"text"`
			Fixed string `json:"fixed"`
			IDs   []int  `json:"ids"`
		}
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		if got := fixText(g.Text); got != g.Fixed {
			t.Errorf("line %d: fix_text(%q) = %q, ftfy %q", n, g.Text, got, g.Fixed)
		}
		if got := tok.Tokenize(g.Text, 0); !slices.Equal(got, g.IDs) {
			t.Errorf("line %d: %q: ids %v, OpenAI %v", n, g.Text, got, g.IDs)
		}
	}
	if n != 246 {
		t.Errorf("%d golden lines, want 246", n)
	}
}

// TestFixEncodingExamples: ftfy's documented fix_encoding behaviour on
// cases the goldens do not hold.
func TestFixEncodingExamples(t *testing.T) {
	for in, want := range map[string]string{
		"sÃ³":                         "só",
		"voilÃ le travail":            "voilà le travail",
		"âœ” No problems":             "✔ No problems",
		"Ã la mode":                   "à la mode",
		"â€œ like this â€\ufffd":      "“ like this \ufffd",
		"plain ASCII":                 "plain ASCII",
		"café":                        "café",
		"Î\u00b2Î\u00b1Î\u00bd":       "βαν",
		"ÐŸÑ€Ð¸Ð²ÐµÑ‚":                "Привет",
		"the Ã©pÃ©e and the cafÃ© ok": "the épée and the café ok",
	} {
		if got := fixEncoding(in); got != want {
			t.Errorf("fixEncoding(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzFixEncoding(f *testing.F) {
	for _, s := range []string{"mojibake cafÃ©", "â€œquotedâ€\x9d", "çŒ«ã\ufffd®å†™çœŸ", "Ã ", "\xed\xa0\x80", "ï¼¦ï½•"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := fixEncoding(s)
		if fixEncoding(out) != out {
			t.Fatalf("not a fixed point: %q -> %q -> %q", s, out, fixEncoding(out))
		}
	})
}

// TestFixTextDifferential: ftfy.fix_text on ~1,200 generated inputs
// (mojibake of many scripts through every encoding ftfy knows, some twice,
// some lossy or embedded in clean text, and random mixtures of the
// characters its heuristic watches), written by
// tools/fixtures/make_ftfy_goldens.py with ftfy 74dd045.
func TestFixTextDifferential(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "ftfy_fix_text.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, bad := 0, 0
	for sc.Scan() {
		var g struct{ Text, Fixed string }
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatal(err)
		}
		n++
		if got := fixText(g.Text); got != g.Fixed {
			bad++
			if bad <= 20 {
				t.Errorf("line %d: fix_text(%q) = %q, ftfy %q", n, g.Text, got, g.Fixed)
			}
		}
	}
	if bad > 0 || n < 1000 {
		t.Errorf("%d of %d differ", bad, n)
	}
}
