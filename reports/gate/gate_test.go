package gate

import (
	"bytes"
	"encoding/xml"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalclip/evalclip/reports"
)

func load(t *testing.T, name string) []reports.Record {
	t.Helper()
	recs, err := reports.ReadResults(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func caseOf(r *Result, id string) *Case {
	for i := range r.Cases {
		if r.Cases[i].ID == id {
			return &r.Cases[i]
		}
	}
	return nil
}

// TestGateFixture: results_b dropped ViT-B-32 pets top-1 by 5.95 pp
// (tools/fixtures/make_report_records.py); with a 0.5 pp tolerance the gate
// must fail that case and only that one among the measured ones.
func TestGateFixture(t *testing.T) {
	base, now := load(t, "results_a.json"), load(t, "results_b.json")
	res := Run(now, Config{Suite: "paper-small", Baseline: base, BaselinePath: "base.json",
		Tolerance: map[string]float64{reports.MetricAcc1: 0.005, reports.ThroughputImagesPerS: 0.10}})
	if !res.Failed() {
		t.Fatal("gate passed a 6-point regression")
	}
	c := caseOf(res, "zeroshot/model=ViT-B-32/dataset=pets")
	if c == nil || c.Status != Fail || !strings.Contains(c.Message, "acc1 80.81% < limit 86.26% (baseline 86.76% - 0.50 pp; Δ -5.95 pp, 95% CI [") {
		t.Fatalf("ViT-B-32 pets: %+v", c)
	}
	if c := caseOf(res, "zeroshot/model=RN50/dataset=mnist"); c == nil || c.Status != Pass || len(c.Checks) != 2 {
		t.Errorf("RN50 mnist: %+v", c)
	}
	if c := caseOf(res, "linear_probe/model=tinyclip/dataset=mnist/k=4"); c == nil || c.Status != Error || !strings.Contains(c.Message, "unexpected EOF") {
		t.Errorf("failed job: %+v", c)
	}
	if c := caseOf(res, "kernel/impl=blocked/dtype=fp32/shape=10000x1000x512/k=5/device=cpu"); c == nil || c.Status != Skip {
		t.Errorf("kernel without gated metrics: %+v", c)
	}
	pass, fail, errs, skip := res.Counts()
	if fail != 1 || errs != 1 || skip != 7 || pass != len(res.Cases)-9 {
		t.Errorf("counts %d %d %d %d", pass, fail, errs, skip)
	}

	var junit bytes.Buffer
	if err := res.WriteJUnit(&junit, time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit XML does not parse: %v", err)
	}
	if doc.Tests != len(res.Cases) || doc.Failures != 1 || doc.Errors != 1 || doc.Suites[0].Cases[0].Class != "evalclip.paper-small.zeroshot" ||
		doc.Suites[0].Cases[0].Name != "model=ViT-B-32/dataset=pets" || doc.Suites[0].Cases[0].Failure == nil {
		t.Errorf("JUnit: %+v", doc.Suites[0].Cases[0])
	}
	var sum, ann bytes.Buffer
	res.WriteSummary(&sum)
	res.WriteAnnotations(&ann)
	if !strings.Contains(sum.String(), "## evalclip CI gate: FAILED") || !strings.Contains(sum.String(), "| fail | `zeroshot/model=ViT-B-32/dataset=pets` | acc1 | 86.76% | 80.81% | 86.26% |") {
		t.Errorf("summary:\n%s", sum.String())
	}
	if !strings.HasPrefix(ann.String(), "::error title=evalclip regression::zeroshot/model=ViT-B-32/dataset=pets: acc1 80.81%") {
		t.Errorf("annotations:\n%s", ann.String())
	}
	// Against itself everything measured passes (the failed job still errors).
	res = Run(base, Config{Suite: "s", Baseline: base, BaselinePath: "base.json"})
	if _, fail, errs, _ := res.Counts(); fail != 0 || errs != 1 {
		t.Errorf("self: %d failures %d errors", fail, errs)
	}
}

func rec(model string, acc, ips float64, job string) reports.Record {
	return reports.Record{Task: reports.TaskZeroShot, Model: model, Dataset: "d", Split: "test", Job: job,
		Metrics: reports.Metrics{reports.MetricAcc1: acc}, Throughput: reports.Metrics{reports.ThroughputImagesPerS: ips}}
}

func TestGateRules(t *testing.T) {
	base := []reports.Record{rec("a", 0.80, 100, "ja"), rec("b", 0.80, 100, "jb"), rec("c", 0.5, 100, "jc"), rec("gone", 0.5, 100, "jg"), rec("other", 0.5, 100, "jo")}
	kb := reports.Record{Task: reports.TaskKernel, Metrics: reports.Metrics{reports.MetricMsMedian: 10},
		Params: map[string]any{"impl": "x", "dtype": "fp32", "shape": "1x1x1", "k": 5.0, "device": "cpu"}, Job: "jk"}
	base = append(base, kb)
	kn := kb
	kn.Metrics = reports.Metrics{reports.MetricMsMedian: 11.5}
	now := []reports.Record{rec("a", 0.795, 91, "ja"), rec("b", 0.80, 89, "jb"), rec("c", math.NaN(), 100, "jc"), rec("new", 0.1, 1, "jn"), kn}
	tol := map[string]float64{reports.MetricAcc1: 0.005, reports.ThroughputImagesPerS: 0.1, reports.MetricMsMedian: 0.1}
	res := Run(now, Config{Suite: "s", Baseline: base, BaselinePath: "b.json", Tolerance: tol,
		Planned: map[string]bool{"ja": true, "jb": true, "jc": true, "jg": true, "jn": true, "jk": true}})
	want := map[string]string{
		"zeroshot/model=a/dataset=d":                          "pass", // -0.5 pp is within 0.5 pp; -9% within 10%
		"zeroshot/model=b/dataset=d":                          "fail", // images/s -11%
		"zeroshot/model=c/dataset=d":                          "fail", // NaN
		"zeroshot/model=new/dataset=d":                        "skip",
		"zeroshot/model=gone/dataset=d":                       "fail", // planned, missing
		"kernel/impl=x/dtype=fp32/shape=1x1x1/k=5/device=cpu": "fail", // 15% slower
	}
	for id, st := range want {
		c := caseOf(res, id)
		if c == nil || string(c.Status) != st {
			t.Errorf("%s: want %s, got %+v", id, st, c)
		}
	}
	if c := caseOf(res, "zeroshot/model=c/dataset=d"); c != nil && !strings.Contains(c.Message, "acc1 is NaN (baseline 50.00%)") {
		t.Errorf("NaN message %q", c.Message)
	}
	if c := caseOf(res, "zeroshot/model=b/dataset=d"); c != nil && !strings.Contains(c.Message, "images_per_s 89 < limit 90 (baseline 100 - 10%; Δ -11.0%)") {
		t.Errorf("relative message %q", c.Message)
	}
	if caseOf(res, "zeroshot/model=other/dataset=d") != nil || len(res.Notes) != 1 {
		t.Errorf("a baseline job outside the run was compared: %v", res.Notes)
	}
}

// TestGateNullBaseline: a baseline metric that is null (NaN) fails the
// measurement instead of letting anything pass.
func TestGateNullBaseline(t *testing.T) {
	base := []reports.Record{rec("a", math.NaN(), 100, "ja")}
	now := []reports.Record{rec("a", 0.1, 100, "ja")}
	res := Run(now, Config{Suite: "s", Baseline: base, BaselinePath: "b.json", Tolerance: map[string]float64{reports.MetricAcc1: 0.01}})
	c := caseOf(res, "zeroshot/model=a/dataset=d")
	if c == nil || c.Status != Fail || !strings.Contains(c.Message, "acc1: the baseline's value is null (NaN) in b.json") || !res.Failed() {
		t.Fatalf("case %+v", c)
	}
}

// TestGateCachedThroughput: a rate from the feature cache is "not
// measured" by rule, on either side: the accuracy is still gated, the
// rate neither passes nor fails.
func TestGateCachedThroughput(t *testing.T) {
	rec := func(acc, ips float64, cached bool) reports.Record {
		r := reports.Record{Task: reports.TaskZeroShot, Model: "m", Dataset: "d", Split: "test", Metrics: reports.Metrics{reports.MetricAcc1: acc},
			Throughput: reports.Metrics{reports.ThroughputImagesPerS: ips}, Params: map[string]any{}}
		if cached {
			r.Params[reports.ParamThroughputCached] = true
		}
		return r
	}
	tol := map[string]float64{reports.MetricAcc1: 0.01, reports.ThroughputImagesPerS: 0.1}
	for _, c := range []struct {
		base, now reports.Record
		status    Status
		msg       string
	}{
		{rec(0.9, 100, false), rec(0.9, 50, true), Pass, "images_per_s not measured: the new run's image features came from the cache"},
		{rec(0.9, 100, true), rec(0.9, 50, false), Pass, "images_per_s not measured: the baseline run's image features came from the cache"},
		{rec(0.9, 100, false), rec(0.8, 50, true), Fail, "acc1 80.00% < limit 89.00%"},
		{rec(0.9, 100, false), rec(0.9, 50, false), Fail, "images_per_s 50 < limit 90"},
	} {
		res := Run([]reports.Record{c.now}, Config{Suite: "s", Baseline: []reports.Record{c.base}, BaselinePath: "b.json", Tolerance: tol})
		cs := res.Cases[0]
		if cs.Status != c.status || !strings.Contains(cs.Message, c.msg) {
			t.Errorf("%s %q, want %s with %q", cs.Status, cs.Message, c.status, c.msg)
		}
	}
	only := map[string]float64{reports.ThroughputImagesPerS: 0.1}
	res := Run([]reports.Record{rec(0.9, 50, true)}, Config{Suite: "s", Baseline: []reports.Record{rec(0.9, 100, false)}, BaselinePath: "b.json", Tolerance: only})
	if cs := res.Cases[0]; cs.Status != Skip || res.Failed() {
		t.Errorf("throughput-only gate on a cache hit: %s %q", cs.Status, cs.Message)
	}
}
