package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/internal/npy"
)

// TestTinyCLIPTokens loads the shipped tiny model's tokenizer.json (a
// 596-token vocabulary learned by tools/tinyclip) and checks that its
// zero-shot prompts give the token rows the model's own Python tokenizer
// wrote to testdata/golden/tinyclip-digits/tokens.npy (int64, 10 x 77,
// padded with 0).
func TestTinyCLIPTokens(t *testing.T) {
	root := filepath.Join("..", "..")
	tokPath := filepath.Join(root, "testdata", "models", "tinyclip-digits", "textual", "tokenizer.json")
	golden := filepath.Join(root, "testdata", "golden", "tinyclip-digits")
	if !exists(tokPath) || !exists(filepath.Join(golden, "tokens.npy")) {
		t.Skip("tiny model not in this tree")
	}
	tok, err := Load(tokPath)
	if err != nil {
		t.Fatal(err)
	}
	var summary struct {
		Template string   `json:"template"`
		Classes  []string `json:"classes"`
	}
	data, err := os.ReadFile(filepath.Join(golden, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &summary); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, c := range summary.Classes {
		texts = append(texts, strings.ReplaceAll(summary.Template, "{c}", c))
	}
	want, shape, err := npy.ReadInt64(filepath.Join(golden, "tokens.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 2 || shape[0] != len(texts) {
		t.Fatalf("tokens.npy shape %v, want [%d, ctx]", shape, len(texts))
	}
	got := tok.Batch(texts, shape[1], 0)
	for i := range texts {
		row, wantRow := got[i*shape[1]:(i+1)*shape[1]], want[i*shape[1]:(i+1)*shape[1]]
		if !slices.Equal(row, wantRow) {
			t.Errorf("%q: %v, want %v", texts[i], row[:12], wantRow[:12])
		}
	}
}
