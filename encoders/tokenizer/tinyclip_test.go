package tokenizer

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
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
	want, shape := readNpyInt64(t, filepath.Join(golden, "tokens.npy"))
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

// readNpyInt64 reads a little-endian int64 C-order .npy array.
func readNpyInt64(t *testing.T, path string) ([]int64, []int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 10 || string(data[1:6]) != "NUMPY" || data[6] != 1 {
		t.Fatalf("%s: not a version 1 .npy file", path)
	}
	n := int(binary.LittleEndian.Uint16(data[8:10]))
	header := string(data[10 : 10+n])
	if !strings.Contains(header, "'<i8'") || !strings.Contains(header, "'fortran_order': False") {
		t.Fatalf("%s: header %q, want little-endian int64 in C order", path, header)
	}
	var shape []int
	m := regexp.MustCompile(`'shape': \(([0-9, ]*)\)`).FindStringSubmatch(header)
	if m == nil {
		t.Fatalf("%s: no shape in %q", path, header)
	}
	count := 1
	for _, f := range strings.Split(m[1], ",") {
		if f = strings.TrimSpace(f); f != "" {
			var d int
			if err := json.Unmarshal([]byte(f), &d); err != nil {
				t.Fatal(err)
			}
			shape = append(shape, d)
			count *= d
		}
	}
	body := data[10+n:]
	if len(body) != 8*count {
		t.Fatalf("%s: %d data bytes, want %d", path, len(body), 8*count)
	}
	out := make([]int64, count)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(body[8*i:]))
	}
	return out, shape
}
