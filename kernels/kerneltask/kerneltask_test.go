package kerneltask

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
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
	cfg := &Config{
		Shapes: []suites.Shape{{N: 200, C: 50, D: 16}, {N: 30, C: 300, D: 8}},
		K:      4, DTypes: []kernels.DType{kernels.FP32, kernels.FP16},
		Impls: []string{"cpu", "go-naive"}, Reps: 3, Warmup: 1, Normalize: true, Scale: 100, Seed: 3,
	}
	var log bytes.Buffer
	prog := &countProgress{}
	recs, err := Run(context.Background(), cfg, &log, prog)
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

func TestPlan(t *testing.T) {
	shapes := []suites.Shape{{N: 10, C: 10, D: 4}}
	items, _, err := Plan(&Config{Shapes: shapes, K: 1, DTypes: []kernels.DType{kernels.FP32}, Impls: []string{All}})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Impl.Slow {
			t.Errorf("all includes the slow %s", it.Impl.Name)
		}
	}
	if len(items) == 0 || items[0].Impl.Name != "cpu" {
		t.Errorf("all planned %v, want cpu first", items)
	}
	// An implementation keeping at most 4 per row (the CPU path under
	// another name) is left out of all for k = 5, and an error by name.
	cpu, err := kernels.Describe("cpu")
	if err != nil {
		t.Fatal(err)
	}
	limited := cpu
	limited.Name, limited.MaxK = "cpu-k4", 4
	if _, err := kernels.Describe(limited.Name); err != nil { // once per process (-count)
		kernels.Register(limited)
	}
	var skipped []string
	items, skipped, err = Plan(&Config{Shapes: shapes, K: 5, DTypes: []kernels.DType{kernels.FP32}, Impls: []string{All}})
	if err != nil || len(items) == 0 || !slices.Contains(skipped, "cpu-k4 keeps at most 4 scores per row, k = 5") {
		t.Errorf("Plan(all, k=5) = %v, skipped %q, %v", items, skipped, err)
	}
	for _, it := range items {
		if it.Impl.Name == "cpu-k4" {
			t.Error("all, k = 5 includes cpu-k4")
		}
	}
	for _, c := range []struct {
		impls  []string
		dtypes []kernels.DType
		want   string
	}{
		{[]string{"cpu-k4"}, []kernels.DType{kernels.FP32}, "cpu-k4 keeps at most 4 scores per row, k = 5 asked for"},
		{[]string{"nope"}, []kernels.DType{kernels.FP32}, `unknown implementation "nope"`},
		{[]string{"cpu"}, []kernels.DType{kernels.BF16}, "cpu computes in fp32, none of the dtypes asked for (bf16)"},
		{[]string{All}, []kernels.DType{kernels.BF16}, "nothing to time"},
	} {
		_, _, err := Plan(&Config{Shapes: shapes, K: 5, DTypes: c.dtypes, Impls: c.impls})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Plan(%v, %v): error %v, want %q", c.impls, c.dtypes, err, c.want)
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
