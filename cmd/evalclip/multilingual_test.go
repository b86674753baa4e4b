//go:build cgo

package main

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/reports"
)

// TestMultilingualSuite runs configs/multilingual-digits.toml end to end:
// the SigLIP-, XLM-R- and Chinese-CLIP-style fixture towers, zero-shot in
// English and in Chinese (language = "cn"). Every prediction, the accuracy
// and the mean top-1 probability under each model's scoring must be
// those PyTorch computes from the reference tokenizations
// (testdata/golden/text-towers, tools/fixtures/make_text_towers.py).
func TestMultilingualSuite(t *testing.T) {
	if _, err := onnxrt.Find(""); err != nil {
		if os.Getenv("EVALCLIP_REQUIRE_ORT") != "" {
			t.Fatalf("ONNX Runtime required: %v", err)
		}
		t.Skip(err)
	}
	root := filepath.Join("..", "..")
	out := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := cli(t, "run", "-q", "--no-cache", "--no-report", "--out", out, filepath.Join(root, "configs", "multilingual-digits.toml")); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs, err := reports.ReadResults(filepath.Join(out, reports.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	labels := digitLabels(t, filepath.Join(root, "testdata", "datasets", "digits", "t10k-labels-idx1-ubyte.gz"))
	if len(recs) != 6 {
		t.Fatalf("%d records, want 3 models x 2 datasets", len(recs))
	}
	for _, r := range recs {
		var g struct {
			Zeroshot map[string]struct {
				Predictions []int   `json:"predictions"`
				Acc1        float64 `json:"acc1"`
				Mean        float64 `json:"mean_top1_prob"`
			} `json:"zeroshot"`
		}
		raw, err := os.ReadFile(filepath.Join(root, "testdata", "golden", "text-towers", r.Model+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &g); err != nil {
			t.Fatal(err)
		}
		lang := "en"
		if r.Dataset == "digits-cn" {
			lang = "cn"
		}
		want := g.Zeroshot[lang]
		correct, _ := r.Extra[reports.ExtraCorrect].(string)
		if r.Error != "" || len(correct) != len(want.Predictions) {
			t.Fatalf("%s on %s: error %q, %d samples", r.Model, r.Dataset, r.Error, len(correct))
		}
		for i, p := range want.Predictions {
			if (correct[i] == '1') != (p == labels[i]) {
				t.Fatalf("%s on %s: sample %d correct=%c, PyTorch predicted %d for label %d", r.Model, r.Dataset, i, correct[i], p, labels[i])
			}
		}
		if r.Metrics[reports.MetricAcc1] != want.Acc1 || math.Abs(r.Metrics[reports.MetricMeanTop1Prob]-want.Mean) > 1e-4 {
			t.Errorf("%s on %s: acc1 %v mean prob %v, PyTorch %v %v", r.Model, r.Dataset, r.Metrics[reports.MetricAcc1], r.Metrics[reports.MetricMeanTop1Prob], want.Acc1, want.Mean)
		}
		if r.Params["language"] != lang {
			t.Errorf("%s on %s: language %v", r.Model, r.Dataset, r.Params["language"])
		}
		if wantScoring := map[bool]string{true: "sigmoid", false: "softmax"}[r.Model == "siglip-tiny"]; r.Params["scoring"] != wantScoring {
			t.Errorf("%s: scoring %v, want %s", r.Model, r.Params["scoring"], wantScoring)
		}
	}
}

// digitLabels reads an MNIST IDX label file.
func digitLabels(t *testing.T, path string) []int {
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
	data, err := io.ReadAll(zr)
	if err != nil || len(data) < 8 {
		t.Fatalf("labels: %v", err)
	}
	out := make([]int, len(data)-8)
	for i, b := range data[8:] {
		out[i] = int(b)
	}
	return out
}
