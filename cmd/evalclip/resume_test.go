package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/reports"
)

// TestResume: an interrupted, partly failed run is continued in its own
// folder; the result equals an uninterrupted run, record for record, and a
// changed suite is refused unless --force.
func TestResume(t *testing.T) {
	withScoreTasks(t, 0.5)
	p := writeSuite(t, 3, "[[tasks]]\ntype = \"linear_probe\"\nshots = [1, 2]\nseeds = [0]\n[report]\nformats = [\"md\"]\nplots = []\n")
	root := t.TempDir()
	whole := filepath.Join(root, "whole")
	if _, stderr, code := cli(t, "run", "-q", "--out", whole, p); code != 0 {
		t.Fatal(stderr)
	}
	want, _ := reports.ReadResults(filepath.Join(whole, "results.json"))
	if len(want) != 9 {
		t.Fatalf("%d records, want 9", len(want))
	}
	// the same run, interrupted after 5 jobs with job 2 failed
	part := filepath.Join(root, "part")
	if _, stderr, code := cli(t, "run", "-q", "--out", part, p); code != 0 {
		t.Fatal(stderr)
	}
	recs, _ := reports.ReadResults(filepath.Join(part, "results.json"))
	recs = recs[:5]
	recs[2] = reports.Record{Task: recs[2].Task, Model: recs[2].Model, Dataset: recs[2].Dataset, Job: recs[2].Job, Error: "out of memory", Run: recs[2].Run}
	failedJob := recs[2].Job
	if err := reports.WriteResults(filepath.Join(part, "results.json"), recs); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cli(t, "run", "--resume", part, "--no-report", p)
	if code != 0 || !strings.Contains(stderr, "resume "+part+": 4 of 9 jobs complete (4 records kept), 5 to run") || !strings.Contains(stderr, failedJob+": failed: out of memory") {
		t.Fatalf("resume: %d %s", code, stderr)
	}
	got, _ := reports.ReadResults(filepath.Join(part, "results.json"))
	if !reflect.DeepEqual(comparable(got), comparable(want)) {
		t.Errorf("resumed results differ from an uninterrupted run:\n%v\nwant\n%v", got, want)
	}
	// everything complete: nothing runs; the folder's own suite.toml is used
	_, stderr, code = cli(t, "run", "--resume", part, "--no-report", p)
	if code != 0 || !strings.Contains(stderr, "9 of 9 jobs complete (9 records kept), 0 to run") {
		t.Errorf("second resume: %d %s", code, stderr)
	}
	// a changed suite: refused, then forced
	data, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(data), "seeds = [0]", "seeds = [0, 1]", 1)), 0o644)
	_, stderr, code = cli(t, "run", "--resume", part, p)
	if code != 2 || !strings.Contains(stderr, "the suite changed since that run") {
		t.Errorf("changed suite: %d %s", code, stderr)
	}
	_, stderr, code = cli(t, "run", "-q", "--resume", part, "--force", "--no-report", p)
	if got, _ := reports.ReadResults(filepath.Join(part, "results.json")); code != 0 || len(got) != 15 {
		t.Errorf("forced resume: %d %d records %s", code, len(got), stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--resume", filepath.Join(root, "none"), p}, "no such file"},
		{[]string{"run", "--resume", part, "--out", root, p}, "--out does not apply"},
		{[]string{"run", "--resume", part, p, p}, "at most one suite file"},
	} {
		if _, stderr, code := cli(t, c.args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: %d %q, want %q", c.args, code, stderr, c.want)
		}
	}
}
