package reports_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/reports/compare"
	"github.com/evalclip/evalclip/reports/gate"
	"github.com/evalclip/evalclip/reports/tables"
)

// FuzzResults feeds any bytes as a results.json to what report, compare,
// merge and the CI gate do with it: it must be refused or processed,
// never panic.
func FuzzResults(f *testing.F) {
	for _, name := range []string{"results_a.json", "results_b.json"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`[{"task":"zeroshot","model":"m","dataset":"d","n_samples":2,"metrics":{"acc1":null},"extra":{"correct":"1x"}}]`))
	f.Add([]byte(`[{"task":"kernel","params":{"impl":[1,2],"k":"x"},"metrics":{"ms_median":-1}},{"task":"linear_probe","k":-3,"seed":-1,"params":{"supervised":true},"metrics":{}}]`))
	f.Add([]byte(`[{"task":"zeroshot","extra":{"confusion":[[1,2],[3]],"per_class_acc":[null,2],"classes":["a"]},"metrics":{"acc1":1e308}}]`))
	cb, _ := filepath.Glob(filepath.Join("..", "testdata", "clip_benchmark", "*", "*.json"))
	for _, name := range cb {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"dataset": "wds/\"NaN", "model": "m", "pretrained": null, "task": "linear_probe", "metrics": {"lp_acc1": NaN, "fewshot_k": 1e9, "normalized": 1}, "language": ["en", "it"]}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "results.json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Skip(err)
		}
		recs, err := reports.ReadResults(p)
		if err != nil {
			return
		}
		reports.Check(recs)
		reports.CheckConsistency(p, recs)
		reports.GroupSeeds(recs)
		tables.Build(recs)
		files := []reports.File{{Path: p, Records: recs}}
		reports.Combine(files)
		reports.Merge(files, reports.MergeOptions{})
		if reports.CheckConsistency(p, recs) == nil {
			compare.Compare(recs, recs, compare.Options{Resamples: 100})
			gate.Run(recs, gate.Config{Suite: "s", Baseline: recs, BaselinePath: p,
				Tolerance: map[string]float64{reports.MetricAcc1: 0.01, reports.MetricMsMedian: 0.1}})
		}
		for i := range recs {
			recs[i].Key().BenchName()
			recs[i].MatchKey()
			if out, err := reports.CLIPBenchmarkResult(&recs[i]); err == nil {
				back, err := reports.ReadCLIPBenchmark(p, out)
				if err != nil {
					t.Fatalf("record %d exported as %s does not read back: %v", i, out, err)
				}
				if back.MatchKey() != recs[i].MatchKey() && recs[i].Run.Imported != "" {
					t.Fatalf("record %d: match key %v after a round trip, was %v", i, back.MatchKey(), recs[i].MatchKey())
				}
			}
		}
		tables.Leaderboard(recs, tables.LeaderboardOptions{})
	})
}
