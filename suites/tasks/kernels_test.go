package tasks

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/kernels"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

type countProgress struct {
	total, done int
}

func (p *countProgress) SetTotal(_ string, n int) { p.total = n }
func (p *countProgress) Add(n int)                { p.done += n }

func TestRunRecords(t *testing.T) {
	warmup, yes, seed := 1, true, uint64(3)
	cfg := &Kernels{
		Shapes: suites.Of(kernels.Shape{N: 200, C: 50, D: 16}, kernels.Shape{N: 30, C: 300, D: 8}),
		TopK:   4, DTypes: suites.Of(kernels.FP32, kernels.FP16),
		Impls: []string{"cpu", "go-naive"}, Reps: 3, Warmup: &warmup, Normalize: &yes, Scale: 100, Seed: &seed,
	}
	var log bytes.Buffer
	prog := &countProgress{}
	recs, err := cfg.Measure(context.Background(), &log, prog)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4 (2 implementations x 2 shapes x fp32)", len(recs))
	}
	if !strings.Contains(log.String(), "skipped: cpu does not compute in fp16") {
		t.Errorf("log %q does not mention the skipped fp16", log.String())
	}
	if prog.total != 16 || prog.done != 16 {
		t.Errorf("progress %d of %d, want 16 of 16", prog.done, prog.total)
	}
	wantOrder := []string{"cpu 200x50x16", "cpu 30x300x8", "go-naive 200x50x16", "go-naive 30x300x8"}
	for i, r := range recs {
		if got := r.Params[reports.ParamImpl].(string) + " " + r.Params[reports.ParamShape].(string); got != wantOrder[i] {
			t.Errorf("record %d is %s, want %s", i, got, wantOrder[i])
		}
		if r.Task != reports.TaskKernel || r.Params[reports.ParamDType] != "fp32" || r.Params[reports.ParamTopK] != 4 || r.Params[reports.ParamDevice] != "cpu" {
			t.Errorf("record %d: task %q params %v", i, r.Task, r.Params)
		}
		for _, k := range []string{reports.MetricMsMedian, reports.MetricMsMin, reports.MetricGFLOPS, reports.MetricGBPS,
			reports.MetricPeakGFLOPS, reports.MetricPeakGBPS, reports.MetricFracPeak, reports.MetricMaxAbsErr} {
			if v, ok := r.Metrics[k]; !ok || !(v > 0) {
				t.Errorf("record %d: metric %s = %v", i, k, v)
			}
		}
		if ms := r.Extra["times_ms"].([]float64); len(ms) != 3 {
			t.Errorf("record %d: %d times, want 3", i, len(ms))
		}
		if f := r.Metrics[reports.MetricFracPeak]; f != r.Metrics[reports.MetricGFLOPS]/r.Metrics[reports.MetricPeakGFLOPS] {
			t.Errorf("record %d: frac_peak %v is not gflops/peak_gflops", i, f)
		}
	}
}

// TestSuiteTask runs a suite's kernels task through the registered runner.
func TestSuiteTask(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.toml")
	os.WriteFile(path, []byte(`name = "k"
[[tasks]]
type = "kernels"
shapes = ["120x40x8"]
topk = 2
impls = ["all"]
reps = 2
warmup = 1
`), 0o644)
	s, err := suites.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := suites.PrepareOutDir(out, false); err != nil {
		t.Fatal(err)
	}
	sum, err := (&suites.Runner{Suite: s, OutDir: out}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Records) == 0 || sum.Records[0].Task != reports.TaskKernel || sum.Records[0].Params[reports.ParamShape] != "120x40x8" {
		t.Fatalf("records %+v", sum.Records)
	}
	recs, err := reports.ReadResults(sum.ResultsPath)
	if err != nil || len(recs) != len(sum.Records) {
		t.Fatalf("results.json: %d records, %v", len(recs), err)
	}

	// An unknown implementation names the key.
	os.WriteFile(path, []byte(`name = "k"
[[tasks]]
type = "kernels"
shapes = ["12x4x8"]
impls = ["cpu", "fastest"]
`), 0o644)
	s, err = suites.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	out2 := filepath.Join(dir, "out2")
	suites.PrepareOutDir(out2, false)
	_, err = (&suites.Runner{Suite: s, OutDir: out2}).Run(context.Background())
	if err == nil {
		t.Fatal("a suite with an unknown implementation ran")
	}
	recs, _ = reports.ReadResults(filepath.Join(out2, reports.ResultsFile))
	if len(recs) != 1 || !strings.Contains(recs[0].Error, `tasks[0].impls[1]: unknown implementation "fastest"`) {
		t.Errorf("records %+v, want one error naming tasks[0].impls[1]", recs)
	}
}
