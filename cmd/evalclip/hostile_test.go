package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/reports"
)

// writeRecords writes recs as a results.json in a new folder.
func writeRecords(t *testing.T, recs ...reports.Record) string {
	t.Helper()
	dir := t.TempDir()
	if err := reports.WriteResults(filepath.Join(dir, reports.ResultsFile), recs); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestInconsistentRecordsRefused: compare and merge refuse results whose
// records disagree with themselves (acc1 against per-sample correctness)
// or hold one measurement twice; report shows them as problems.
func TestInconsistentRecordsRefused(t *testing.T) {
	good := reports.Record{Task: reports.TaskZeroShot, Model: "m", Dataset: "d", Split: "test", NSamples: 4, Job: "zeroshot/model=m/dataset=d",
		Metrics: reports.Metrics{reports.MetricAcc1: 0.75}, Extra: map[string]any{reports.ExtraCorrect: "1101"}}
	bad := good
	bad.Metrics = reports.Metrics{reports.MetricAcc1: 0.25}
	okDir, badDir, twiceDir := writeRecords(t, good), writeRecords(t, bad), writeRecords(t, good, good)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"compare", okDir, badDir}, `acc1 0.25 disagrees with extra "correct" (3 of 4 correct = 0.75)`},
		{[]string{"compare", twiceDir, okDir}, "the same measurement as record 0"},
		{[]string{"merge", "--out", filepath.Join(t.TempDir(), "m"), badDir}, "inconsistent records"},
	} {
		_, stderr, code := cli(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, want 2 and %q:\n%s", c.args[0], code, c.want, stderr)
		}
	}
	out := filepath.Join(t.TempDir(), "r")
	if _, stderr, code := cli(t, "report", "--out", out, badDir); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	html, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !strings.Contains(string(html), "inconsistent: acc1 0.25 disagrees") {
		t.Error("the report does not show the inconsistency")
	}
}
