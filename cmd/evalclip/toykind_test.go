package main

// A task kind defined in one file, here in a test: the suite knows only the
// common [[tasks]] keys; this kind owns its own ("greeting", "repeats"),
// their defaults, validation, planning and run, and `evalclip run`, validate,
// --dry-run, results.json and bench.txt take it with no other change.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

func init() {
	reports.RegisterUnit(reports.Unit{Metric: "toy_mean", Title: "mean embedding", Bench: "toy-mean"})
	suites.RegisterKind(suites.Kind{
		Type: "toy", RecordTask: "toy", PerModel: true,
		NewConfig: func() suites.TaskConfig { return &toyTask{} },
	})
}

// toyTask embeds its greeting with each job's model and reports the
// embedding's mean; each repeat is a job.
type toyTask struct {
	Greeting string `toml:"greeting"`
	Repeats  int    `toml:"repeats"`
}

func (t *toyTask) SetDefaults() {
	if t.Greeting == "" {
		t.Greeting = "hello"
	}
	if t.Repeats == 0 {
		t.Repeats = 1
	}
}

func (t *toyTask) Validate(c *suites.Check) {
	if t.Repeats < 1 || t.Repeats > 3 {
		c.Addf("repeats", "must be 1, 2 or 3, got %d", t.Repeats)
	}
}

func (t *toyTask) Plan(p *suites.Planner) {
	for _, on := range p.Pairs() {
		for r := 0; r < t.Repeats; r++ {
			p.Add(on, 0, r, fmt.Sprintf("/repeat=%d", r), fmt.Sprintf("repeat %d", r))
		}
	}
}

func (t *toyTask) Run(ctx context.Context, env *suites.Env, job *suites.Job) ([]reports.Record, error) {
	m, err := encoders.Open(string(job.Model.Backend), encoders.Spec{Name: job.Model.Name, EmbedDim: 4}, encoders.Runtime{})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	emb, err := m.Text().EncodeTexts(ctx, []string{t.Greeting + " " + job.Dataset.Name})
	if err != nil {
		return nil, err
	}
	var sum float64
	for _, v := range emb {
		sum += float64(v)
	}
	return []reports.Record{{Metrics: reports.Metrics{"toy_mean": sum / float64(len(emb))}, NSamples: 1,
		Params: map[string]any{"greeting": t.Greeting}}}, nil
}

// toySuite writes a suite of one fake model, two (empty) datasets and the
// given [[tasks]] tables.
func toySuite(t *testing.T, tasks string) string {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "d1"), 0o755)
	os.Mkdir(filepath.Join(dir, "d2"), 0o755)
	p := filepath.Join(dir, "toy.toml")
	os.WriteFile(p, []byte("name = \"toy\"\n[[models]]\nname = \"fake\"\nbackend = \"fake\"\n"+
		"[[datasets]]\nname = \"d1\"\nformat = \"imagefolder\"\npath = \"d1\"\n"+
		"[[datasets]]\nname = \"d2\"\nformat = \"imagefolder\"\npath = \"d2\"\n"+tasks), 0o644)
	return p
}

func TestToyTaskKind(t *testing.T) {
	p := toySuite(t, "[[tasks]]\ntype = \"toy\"\ngreeting = \"hi\"\nrepeats = 2\ndatasets = [\"d1\"]\n[report]\nformats = [\"bench\", \"md\"]\nplots = []\n")
	stdout, stderr, code := cli(t, "run", "--dry-run", p)
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, stderr)
	}
	if stdout != "toy/model=fake/dataset=d1/repeat=0\ntoy/model=fake/dataset=d1/repeat=1\n" {
		t.Errorf("plan:\n%s", stdout)
	}
	out := filepath.Join(t.TempDir(), "out")
	_, stderr, code = cli(t, "run", "-q", "--out", out, p)
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	recs, err := reports.ReadResults(filepath.Join(out, reports.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Task != "toy" || recs[0].Model != "fake" || recs[0].Dataset != "d1" || recs[0].Split != "test" ||
		recs[1].Seed != 1 || recs[0].Params["greeting"] != "hi" || recs[0].Job != "toy/model=fake/dataset=d1/repeat=0" {
		t.Fatalf("toy records: %+v", recs)
	}
	// Its metric, registered in this file, is a benchmark unit; repeats
	// (seeds) are repeated samples of one benchmark.
	bench, _ := os.ReadFile(filepath.Join(out, "bench.txt"))
	if n := strings.Count(string(bench), "\nBenchmarktoy/model=fake/dataset=d1 1 "); n != 2 || !strings.Contains(string(bench), "Unit toy-mean better=higher") {
		t.Errorf("bench.txt has %d toy lines:\n%s", n, bench)
	}

	// Its keys are checked by its own Validate and the suite's strict decoder.
	bad := toySuite(t, "[[tasks]]\ntype = \"toy\"\nrepeats = 2\ngreting = \"x\"\n")
	_, stderr, code = cli(t, "validate", bad)
	if code != 2 || !strings.Contains(stderr, `toy.toml:16: tasks[0].greting: unknown key (did you mean "greeting"?)`) {
		t.Errorf("typo: exit %d: %s", code, stderr)
	}
	bad = toySuite(t, "[[tasks]]\ntype = \"toy\"\nrepeats = 7\n")
	_, stderr, code = cli(t, "validate", bad)
	if code != 2 || !strings.Contains(stderr, "toy.toml:15: tasks[0].repeats: must be 1, 2 or 3, got 7") {
		t.Errorf("bad option: exit %d: %s", code, stderr)
	}
	bad = toySuite(t, "[[tasks]]\ntype = \"zeroshot\"\ngreeting = \"x\"\n")
	_, stderr, code = cli(t, "validate", bad)
	if code != 2 || !strings.Contains(stderr, "toy.toml:15: tasks[0].greeting: only used by toy tasks, not zeroshot") {
		t.Errorf("another kind's key: exit %d: %s", code, stderr)
	}
	stdout, _, _ = cli(t, "version")
	if !strings.Contains(stdout, "toy") {
		t.Errorf("version does not list the toy kind:\n%s", stdout)
	}
}
