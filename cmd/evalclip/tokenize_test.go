package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/encoders/tokenizer"
)

const smallTokenizer = "../../encoders/tokenizer/testdata/small/tokenizer.json"

// withInput makes s the tokenize command's standard input.
func withInput(t *testing.T, s string) {
	t.Helper()
	old := tokenizeInput
	tokenizeInput = strings.NewReader(s)
	t.Cleanup(func() { tokenizeInput = old })
}

// rowJSON is what tokenize prints for one row.
func rowJSON(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func TestTokenizeCommand(t *testing.T) {
	tok, err := tokenizer.Load(smallTokenizer)
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{"A photo of a CAT.", "", "second line", strings.Repeat("long ", 50)}
	withInput(t, lines[0]+"\n"+lines[1]+"\n"+lines[2]+"\r\n"+lines[3]) // last line without newline
	out, errOut, code := cli(t, "tokenize", "--tokenizer", smallTokenizer)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var want strings.Builder
	for _, l := range lines {
		want.WriteString(rowJSON(tok.Tokenize(l, 77)) + "\n")
	}
	if out != want.String() {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want.String())
	}
	if rows := strings.Split(strings.TrimSpace(out), "\n"); len(rows) != 4 || strings.Count(rows[3], ",") != 76 {
		t.Errorf("want 4 rows, the last truncated to 77 ids: %q", rows)
	}

	// Arguments instead of standard input, and a shorter context.
	out, _, code = cli(t, "tokenize", "--context-length", "4", "--tokenizer", smallTokenizer, "a photo of a dog", "x")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if want := rowJSON(tok.Tokenize("a photo of a dog", 4)) + "\n" + rowJSON(tok.Tokenize("x", 4)) + "\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	if !strings.HasSuffix(strings.SplitN(out, "\n", 2)[0], fmt.Sprintf(",%d]", tok.EOT())) {
		t.Errorf("truncated row should end with EOT: %q", out)
	}

	// No limit.
	withInput(t, strings.Repeat("word ", 200))
	out, _, _ = cli(t, "tokenize", "--tokenizer", smallTokenizer, "--context-length", "0")
	if n := strings.Count(out, ","); n < 200 {
		t.Errorf("--context-length 0 gave %d ids", n+1)
	}
}

// TestTokenizeCommandOpenAI checks the real OpenAI vocabulary end to end.
func TestTokenizeCommandOpenAI(t *testing.T) {
	wd, _ := os.Getwd()
	var gz string
	for d := wd; filepath.Dir(d) != d; d = filepath.Dir(d) {
		p := filepath.Join(filepath.Dir(d), "shared", "reference", "bpe_simple_vocab_16e6.txt.gz")
		if _, err := os.Stat(p); err == nil {
			gz = p
			break
		}
	}
	if gz == "" {
		t.Skip("shared/reference/bpe_simple_vocab_16e6.txt.gz not found beside the repository")
	}
	withInput(t, "a photo of a cat.\nIt&#39;s a “Dog”!\n")
	out, errOut, code := cli(t, "tokenize", "--tokenizer", gz)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Ids from tools/fixtures/clip_tokenizer_ref.py for these two strings
	// (the first is the well-known CLIP tokenization of the prompt).
	want := "[49406,320,1125,539,320,2368,269,49407]\n[49406,585,568,320,257,1929,10377,49407]\n"
	if out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
}

func TestTokenizeCommandErrors(t *testing.T) {
	dir := t.TempDir()
	wordpiece := filepath.Join(dir, "tokenizer.json")
	if err := os.WriteFile(wordpiece, []byte(`{"normalizer": {"type": "Frobnicate"}, "model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nope.txt.gz")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tokenize"}, "tokenize: --tokenizer or --model is required"},
		{[]string{"tokenize", "--tokenizer", smallTokenizer, "--model", dir}, "give --tokenizer or --model, not both"},
		{[]string{"tokenize", "--tokenizer", smallTokenizer, "--mask"}, "--mask needs --model"},
		{[]string{"tokenize", "--tokenizer", smallTokenizer, "--clean", "fancy"}, `--clean "fancy": want whitespace, lower, canonicalize or none`},
		{[]string{"tokenize", "--model", dir}, "no known layout in " + dir},
		{[]string{"tokenize", "--tokenizer", missing}, missing},
		{[]string{"tokenize", "--tokenizer", wordpiece}, wordpiece + `: normalizer: normalizer type "Frobnicate" is not supported`},
		{[]string{"tokenize", "--tokenizer", smallTokenizer, "--context-length", "-1"}, "--context-length -1: want 0 (no limit) or more"},
		{[]string{"tokenize", "--tokenizer", smallTokenizer, "--context-length", "many"}, "invalid value"},
	} {
		withInput(t, "")
		_, errOut, code := cli(t, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

// TestTokenizeKinds: --tokenizer reads every tokenizer kind, truncating as
// the file's post-processor would (the specials stay), and --model prints
// exactly the padded rows the fixture towers get (testdata/golden/text-towers).
func TestTokenizeKinds(t *testing.T) {
	hf := "../../encoders/tokenizer/testdata/hf/"
	id := func(dir, token string) string {
		tok, err := tokenizer.Load(hf + dir)
		if err != nil {
			t.Fatal(err)
		}
		n, ok := tok.TokenID(token)
		if !ok {
			t.Fatalf("%s: no token %q", dir, token)
		}
		return fmt.Sprint(n)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tokenizer", hf + "wordpiece/tokenizer.json", "--context-length", "4", "a photo of the cat"},
			"[2," + id("wordpiece", "a") + "," + id("wordpiece", "photo") + ",3]\n"},
		{[]string{"--tokenizer", hf + "spm_xlmr", "--context-length", "3", "a photo"}, "[0," + id("spm_xlmr", "\u2581a") + ",2]\n"},
		{[]string{"--tokenizer", hf + "spm_t5/tokenizer.json", "--clean", "canonicalize", "A Photo, of!"}, ""},
	} {
		withInput(t, "")
		out, errOut, code := cli(t, append([]string{"tokenize"}, c.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errOut)
		}
		if c.want != "" && out != c.want {
			t.Errorf("%v: %q, want %q", c.args, out, c.want)
		}
		if c.want == "" {
			plain, _, _ := cli(t, "tokenize", "--tokenizer", hf+"spm_t5/tokenizer.json", "a photo of")
			if out != plain {
				t.Errorf("canonicalize: %q, want the ids of %q: %q", out, "a photo of", plain)
			}
		}
	}
	for _, model := range []string{"siglip-tiny", "xlmr-tiny", "wordpiece-tiny"} {
		var g struct {
			Samples []struct {
				Text string `json:"text"`
				Row  []int  `json:"row"`
				Mask []int  `json:"mask"`
			} `json:"samples"`
		}
		raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "text-towers", model+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &g); err != nil {
			t.Fatal(err)
		}
		var in, want, wantMask strings.Builder
		for _, s := range g.Samples {
			if strings.ContainsAny(s.Text, "\n\r") {
				continue
			}
			in.WriteString(s.Text + "\n")
			want.WriteString(rowJSON(s.Row) + "\n")
			wantMask.WriteString(`{"input_ids": ` + rowJSON(s.Row) + `, "attention_mask": ` + rowJSON(s.Mask) + "}\n")
		}
		dir := filepath.Join("..", "..", "testdata", "models", model)
		withInput(t, in.String())
		out, errOut, code := cli(t, "tokenize", "--model", dir)
		if code != 0 || out != want.String() {
			t.Errorf("%s: exit %d %s\n%s\nwant\n%s", model, code, errOut, out, want.String())
		}
		withInput(t, in.String())
		out, _, _ = cli(t, "tokenize", "--model", dir, "--mask")
		if out != wantMask.String() {
			t.Errorf("%s --mask:\n%s\nwant\n%s", model, out, wantMask.String())
		}
	}
}
