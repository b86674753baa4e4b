//go:build cgo

package onnx

import (
	"context"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/encoders/tokenizer"
)

// textTowerGolden is testdata/golden/text-towers/<model>.json, written by
// tools/fixtures/make_text_towers.py from open_clip's cleaning,
// python3-sentencepiece (or an independent BERT tokenizer), Hugging Face's
// truncation and padding, and the towers run in PyTorch.
type textTowerGolden struct {
	Context int `json:"context"`
	PadID   int `json:"pad_id"`
	Scoring struct {
		Sigmoid bool    `json:"sigmoid"`
		Scale   float64 `json:"scale"`
		Bias    float64 `json:"bias"`
	} `json:"scoring"`
	Samples []struct {
		Text      string    `json:"text"`
		Row       []int64   `json:"row"`
		Mask      []int64   `json:"mask"`
		Embedding []float64 `json:"embedding"`
	} `json:"samples"`
}

func readTextTowerGolden(t *testing.T, name string) *textTowerGolden {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "..", "golden", "text-towers", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var g textTowerGolden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// TestTextTowerKinds runs the SigLIP-style (T5 unigram, context 64,
// canonicalize, pad </s>, sigmoid), XLM-R-style (unigram with byte
// fallback, <s> text </s>, pad 1, attention mask, dynamic length) and
// Chinese-CLIP-style (BERT vocab.txt, context 52) fixture towers: the rows
// they get and the embeddings they give must be the reference's.
func TestTextTowerKinds(t *testing.T) {
	requireORT(t)
	for _, c := range []struct {
		name, kind, layout string
		clean              tokenizer.CleanMode
	}{
		{"siglip-tiny", tokenizer.KindUnigram, LayoutOpenCLIP, tokenizer.CleanCanonicalize},
		{"xlmr-tiny", tokenizer.KindUnigram, LayoutHF, tokenizer.CleanDefault},
		{"wordpiece-tiny", tokenizer.KindWordPiece, LayoutOpenCLIP, tokenizer.CleanDefault},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := readTextTowerGolden(t, c.name)
			spec := encoders.Spec{Name: c.name, Path: filepath.Join(root, c.name)}
			in, files, err := TextInputFor(spec)
			if err != nil {
				t.Fatal(err)
			}
			if files.Layout != c.layout || in.Tok.Kind() != c.kind || in.Clean != c.clean || in.Context != g.Context || in.PadID != g.PadID {
				t.Fatalf("layout %s, %s (%s), want %s %s context %d pad %d", files.Layout, in.Describe(), in.Tok.Kind(), c.layout, c.kind, g.Context, g.PadID)
			}
			texts := make([]string, len(g.Samples))
			for i, s := range g.Samples {
				texts[i] = s.Text
			}
			ids := make([]int64, len(texts)*in.Context)
			mask := make([]int64, len(texts)*in.Context)
			in.Fill(texts, ids, mask)
			for i, s := range g.Samples {
				row, m := ids[i*in.Context:(i+1)*in.Context], mask[i*in.Context:(i+1)*in.Context]
				if !slices.Equal(row, s.Row) || !slices.Equal(m, s.Mask) {
					t.Errorf("%q:\n row %v\nwant %v\n mask %v\nwant %v", s.Text, row, s.Row, m, s.Mask)
				}
			}
			m, err := Open(spec, encoders.Runtime{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			emb, err := m.Text().EncodeTexts(context.Background(), texts)
			if err != nil {
				t.Fatal(err)
			}
			d := m.Text().Dim()
			var worst float64
			for i, s := range g.Samples {
				for j, w := range s.Embedding {
					worst = math.Max(worst, math.Abs(float64(emb[i*d+j])-w)/math.Max(1, math.Abs(w)))
				}
			}
			if worst > 1e-4 {
				t.Errorf("embeddings differ from PyTorch by %g (relative)", worst)
			}
			sc := m.Scoring()
			if sc.Sigmoid != g.Scoring.Sigmoid || sc.Scale != g.Scoring.Scale || sc.Bias != g.Scoring.Bias {
				t.Errorf("scoring %+v, want %+v", sc, g.Scoring)
			}
		})
	}
}

// TestGraphInputsMatchRuntime: the pure-Go graph input reader reports what
// ONNX Runtime does for every model shipped under testdata.
func TestGraphInputsMatchRuntime(t *testing.T) {
	requireORT(t)
	files := []string{filepath.Join("testdata", "graphinputs", "init_as_input.onnx")}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".onnx") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		want, _, err := onnxrt.Inspect(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := GraphInputs(f)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", f, got, want)
		}
	}
	if len(files) < 10 {
		t.Fatalf("only %d models found under %s", len(files), root)
	}
}

// TestFingerprintContents: the feature-cache fingerprint follows the
// files' contents (not their names or times alone) and names the ONNX
// Runtime release and provider.
func TestFingerprintContents(t *testing.T) {
	requireORT(t)
	dir := t.TempDir()
	src := filepath.Join(root, "tinyclip-digits")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755)
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	open := func() string {
		m, err := Open(encoders.Spec{Name: "t", Path: dir}, encoders.Runtime{})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		return m.Fingerprint()
	}
	a := open()
	lib, _ := onnxrt.Loaded()
	if !strings.Contains(a, ";ort="+lib.Version+";provider=cpu") || !strings.Contains(a, "model.onnx=") {
		t.Fatalf("fingerprint %s", a)
	}
	orig, _ := Open(encoders.Spec{Name: "t", Path: src}, encoders.Runtime{})
	defer orig.Close()
	if b := orig.Fingerprint(); b != a {
		t.Errorf("same files elsewhere: %s\nvs %s", b, a)
	}
	cfg := filepath.Join(dir, "open_clip_config.json")
	if _, err := os.Stat(cfg); err != nil {
		cfg = filepath.Join(dir, "config.json")
	}
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(data, ' '), 0o644)
	if b := open(); b == a {
		t.Errorf("a changed %s left the fingerprint as it was", cfg)
	}
}
