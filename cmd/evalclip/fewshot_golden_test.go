//go:build cgo

package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/reports"
)

// TestFewShotDigitsRecords runs configs/fewshot-digits.toml and compares its
// records with those an earlier build wrote
// (testdata/golden/fewshot-digits/README.md): the same jobs and
// measurements, the same metrics.
func TestFewShotDigitsRecords(t *testing.T) {
	if _, err := onnxrt.Find(""); err != nil {
		if os.Getenv("EVALCLIP_REQUIRE_ORT") != "" {
			t.Fatalf("ONNX Runtime required: %v", err)
		}
		t.Skip(err)
	}
	root := filepath.Join("..", "..")
	var want []reports.Record
	raw, err := os.ReadFile(filepath.Join(root, "testdata", "golden", "fewshot-digits", "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := cli(t, "run", "-q", "--no-cache", "--no-report", "--out", out, filepath.Join(root, "configs", "fewshot-digits.toml")); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, err := reports.ReadResults(filepath.Join(out, reports.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := &got[i], &want[i]
		if g.Job != w.Job || g.Key() != w.Key() || g.NSamples != w.NSamples {
			t.Errorf("record %d: %s %v n=%d, want %s %v n=%d", i, g.Job, g.Key(), g.NSamples, w.Job, w.Key(), w.NSamples)
			continue
		}
		// Metrics added since the golden run (zero-shot calibration) are
		// checked against PyTorch in suites/tasks; the rest must match.
		extra := 0
		for _, m := range []string{reports.MetricMeanTop1Prob, reports.MetricECE} {
			if _, inGot := g.Metrics[m]; inGot {
				if _, inWant := w.Metrics[m]; !inWant {
					extra++
				}
			}
		}
		if len(g.Metrics)-extra != len(w.Metrics) {
			t.Errorf("%s: metrics %v, want %v", g.Job, g.Metrics, w.Metrics)
		}
		for m, v := range w.Metrics {
			if d := math.Abs(g.Metrics[m] - v); !(d <= 2.0/float64(w.NSamples)) {
				t.Errorf("%s: %s = %v, want %v", g.Job, m, g.Metrics[m], v)
			}
		}
	}
}
