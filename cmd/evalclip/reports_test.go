package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
	"github.com/evalclip/evalclip/suites/tasks"
)

// fixturePath is a results file made by tools/fixtures/make_report_records.py.
func fixturePath(name string) string { return filepath.Join("..", "..", "reports", "testdata", name) }

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	data, _ := os.ReadFile(fixturePath("results_a.json"))
	os.WriteFile(filepath.Join(dir, "results.json"), data, 0o644)
	stdout, stderr, code := cli(t, "report", dir)
	if code != 0 || !strings.Contains(stdout, "(open "+filepath.Join(dir, "index.html")+")") || !strings.Contains(stderr, "note: zeroshot/model=tinyclip/dataset=mnist: metric mean_per_class_recall is NaN") {
		t.Fatalf("%d\n%s\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"index.html", "report.md", "report.tex", "bench.txt", "tables.json", "tables/fewshot.csv", "plots/roofline.svg", "plots/pets_humans.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	out := filepath.Join(t.TempDir(), "r")
	_, _, code = cli(t, "report", "--formats", "md", "--plots", "", "-q", "--out", out, fixturePath("results_a.json"))
	if ents, _ := os.ReadDir(out); code != 0 || len(ents) != 1 {
		t.Errorf("md only: %d %v", code, ents)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`[{"task":"zeroshot","metrics":{},"from_the_future":1}]`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "no results files given"},
		{[]string{"report", fixturePath("results_a.json"), fixturePath("results_b.json")}, "--out is required with several results files"},
		{[]string{"report", "--out", out, fixturePath("results_a.json"), fixturePath("results_b.json")}, "measured twice, also in"},
		{[]string{"report", "--out", out, filepath.Join(out, "none.json")}, "none.json: no such file"},
		{[]string{"report", "--out", out, bad}, `bad.json: not an evalclip results file (a JSON array of records): json: unknown field "from_the_future"`},
		{[]string{"report", "--formats", "xlsx", fixturePath("results_a.json")}, `unknown report format "xlsx"`},
	} {
		_, stderr, code := cli(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: %d %q, want %q", c.args, code, stderr, c.want)
		}
	}
}

// A zero-shot record over ImageNet-21k's 21,841 classes keeps its
// confusion counts as sparse triples (results.json stays small), and the
// report draws what it can: a 1,200-class sparse matrix on request, a note
// for the 21,841-class one.
func TestReportSparseConfusion(t *testing.T) {
	var recs []reports.Record
	for _, c := range []int{21841, 1200} {
		const n = 2000
		labels, topk := make([]int32, n), make([]int32, n)
		for i := range labels {
			labels[i] = int32(i * 7919 % c)
			topk[i] = labels[i]
			if i%3 == 0 {
				topk[i] = int32((i * 104729) % c)
			}
		}
		classes := make([]string, c)
		for i := range classes {
			classes[i] = fmt.Sprint("class ", i)
		}
		cls, err := tasks.Classify(topk, 1, labels, classes)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, reports.Record{Task: reports.TaskZeroShot, Model: "m", Dataset: fmt.Sprint("c", c), Split: "val",
			Metrics: cls.Metrics, Extra: cls.Extra, NSamples: n})
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "results.json")
	if err := reports.WriteResults(p, recs); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(p); err != nil || st.Size() > 1<<20 {
		t.Fatalf("results.json: %v, %d bytes", err, st.Size())
	}
	_, stderr, code := cli(t, "report", "--formats", "md", "--plots", "svg", "--confusion", "m/c1200", "--confusion", "m/c21841", dir)
	if code != 0 || !strings.Contains(stderr, "note: confusion matrix left out: zeroshot/model=m/dataset=c21841/split=val/k=0/seed=0: 21841 classes, more than the 2048") {
		t.Fatalf("%d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "plots", "confusion_m_c1200.svg")); err != nil {
		t.Error(err)
	}
}

func TestCompareCommand(t *testing.T) {
	stdout, stderr, code := cli(t, "compare", fixturePath("results_a.json"), fixturePath("results_b.json"))
	if code != 0 || !strings.Contains(stdout, "1 significantly worse, 0 significantly better") ||
		!strings.Contains(stderr, "evalclip versions differ: v0.1.0") {
		t.Fatalf("%d\n%s\n%s", code, stdout, stderr)
	}
	_, stderr, code = cli(t, "compare", "--fail-on-regression", fixturePath("results_a.json"), fixturePath("results_b.json"))
	if code != 1 || !strings.Contains(stderr, "significant regression: 1 measurements significantly worse") {
		t.Errorf("--fail-on-regression: %d %q", code, stderr)
	}
	stdout, _, code = cli(t, "compare", "--format", "csv", fixturePath("results_a.json"), fixturePath("results_a.json"))
	if code != 0 || !strings.HasPrefix(stdout, "task,model,dataset,split,k,metric,old,new,delta,lo,hi,paired,verdict,note\n") {
		t.Errorf("csv: %d %q", code, stdout)
	}
	for _, args := range [][]string{{"compare", fixturePath("results_a.json")}, {"compare", "--confidence", "2", "a", "b"}, {"compare", "--format", "xml", fixturePath("results_a.json"), fixturePath("results_a.json")}} {
		if _, _, code := cli(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// scoreTask is a deterministic stand-in for the zero-shot and linear-probe
// tasks: it embeds the dataset name with the job's fake model (through the
// encoder registry) and derives per-sample correctness from the embedding,
// the shots and the seed, so that equal jobs give equal records wherever
// they run.
type scoreTask struct{ acc1 float64 }

func (s scoreTask) Run(ctx context.Context, env *suites.Env, job *suites.Job) ([]reports.Record, error) {
	m, err := encoders.Open(string(job.Model.Backend), encoders.Spec{Name: job.Model.Name, EmbedDim: 8}, encoders.Runtime{})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	emb, err := m.Text().EncodeTexts(ctx, []string{job.Dataset.Name})
	if err != nil {
		return nil, err
	}
	n := 40
	if s.acc1 > 0 {
		n = 200 // fine enough for the forced accuracies (0.895 = 179/200)
	}
	var c strings.Builder
	right := 0
	for i := 0; i < n; i++ {
		v := emb[(i+job.K+job.Seed)%len(emb)]
		ok := v > -0.2
		if s.acc1 > 0 {
			// Per-sample correctness that agrees with the forced acc1.
			ok = i < int(s.acc1*float64(n)+0.5)
		}
		if ok {
			right++
			c.WriteByte('1')
		} else {
			c.WriteByte('0')
		}
	}
	acc := float64(right) / float64(n)
	return []reports.Record{{Metrics: reports.Metrics{reports.MetricAcc1: acc, reports.MetricAcc5: 1},
		NSamples: n, Extra: map[string]any{reports.ExtraCorrect: c.String()}}}, nil
}

func withScoreTasks(t *testing.T, acc1 float64) {
	taskOverrides = map[suites.TaskType]suites.TaskRunner{tasks.TypeZeroShot: scoreTask{acc1}, tasks.TypeLinearProbe: scoreTask{acc1}}
	t.Cleanup(func() { taskOverrides = nil })
}

// comparable strips what differs between runs of the same jobs: timing,
// host, start time and shard label.
func comparable(recs []reports.Record) []reports.Record {
	out := make([]reports.Record, len(recs))
	for i, r := range recs {
		r.DurationS = 0
		r.Run.StartedAt = time.Time{}
		r.Run.Host = ""
		r.Run.Shard = ""
		out[i] = r
	}
	return out
}

func TestShardsMergeEqualUnsharded(t *testing.T) {
	withScoreTasks(t, 0)
	p := writeSuite(t, 3, "[[tasks]]\ntype = \"linear_probe\"\nshots = [1, 2]\nseeds = [0, 1]\n[report]\nformats = [\"md\", \"html\"]\nplots = []\n")
	root := t.TempDir()
	whole := filepath.Join(root, "whole")
	if _, stderr, code := cli(t, "run", "-q", "--out", whole, p); code != 0 {
		t.Fatalf("unsharded: %s", stderr)
	}
	want, _ := reports.ReadResults(filepath.Join(whole, "results.json"))
	for n := 1; n <= 4; n++ {
		var dirs []string
		total := 0
		for i := 0; i < n; i++ {
			d := filepath.Join(root, fmt.Sprintf("n%d-s%d", n, i))
			stdout, _, code := cli(t, "run", "--dry-run", "--shard", fmt.Sprintf("%d/%d", i, n), p)
			total += strings.Count(stdout, "\n")
			if code != 0 {
				t.Fatal("dry run")
			}
			if _, stderr, code := cli(t, "run", "-q", "--shard", fmt.Sprintf("%d/%d", i, n), "--out", d, p); code != 0 {
				t.Fatalf("shard %d/%d: %s", i, n, stderr)
			}
			dirs = append(dirs, d)
		}
		if total != len(want) {
			t.Errorf("n=%d: shards plan %d jobs, want %d", n, total, len(want))
		}
		merged := filepath.Join(root, fmt.Sprintf("merged%d", n))
		if _, stderr, code := cli(t, append([]string{"merge", "-q", "--out", merged}, dirs...)...); code != 0 {
			t.Fatalf("merge %d: %s", n, stderr)
		}
		got, err := reports.ReadResults(filepath.Join(merged, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(comparable(got), comparable(want)) {
			t.Errorf("n=%d: merged records differ from the unsharded run", n)
		}
		if _, err := os.Stat(filepath.Join(merged, "index.html")); err != nil {
			t.Errorf("n=%d: merged report: %v", n, err)
		}
		if n == 3 {
			_, stderr, code := cli(t, "merge", "--out", filepath.Join(root, "partial"), dirs[0], dirs[2])
			if code != 2 || !strings.Contains(stderr, "shards 1/3 have no records") {
				t.Errorf("missing shard: %d %q", code, stderr)
			}
			_, stderr, code = cli(t, "merge", "--out", filepath.Join(root, "dup"), dirs[0], dirs[1], dirs[2], dirs[1])
			if code != 2 || !strings.Contains(stderr, "(the same shard merged twice?)") {
				t.Errorf("duplicate shard: %d %q", code, stderr)
			}
			_, stderr, code = cli(t, "merge", "--out", filepath.Join(root, "mixed"), dirs[0], whole)
			if code != 2 || !strings.Contains(stderr, "also has records in") {
				t.Errorf("shard plus whole run: %d %q", code, stderr)
			}
		}
	}
	other := writeSuite(t, 2, "")
	od := filepath.Join(root, "other")
	cli(t, "run", "-q", "--shard", "1/2", "--out", od, other)
	_, stderr, code := cli(t, "merge", "--out", filepath.Join(root, "m2"), filepath.Join(root, "n2-s0"), od)
	if code != 2 || !strings.Contains(stderr, "shards must come from the same suite file") {
		t.Errorf("mismatched suites: %d %q", code, stderr)
	}
	_, stderr, code = cli(t, "run", "--shard", "2/2", p)
	if code != 2 || !strings.Contains(stderr, "index 2 out of range 0..1") {
		t.Errorf("bad shard: %d %q", code, stderr)
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "1")
	t.Setenv("SLURM_ARRAY_TASK_COUNT", "2")
	a, _, _ := cli(t, "run", "--dry-run", "--shard", "auto", p)
	b, _, _ := cli(t, "run", "--dry-run", "--shard", "1/2", p)
	if a != b || a == "" {
		t.Errorf("--shard auto under Slurm: %q vs %q", a, b)
	}
}

func TestRunCIGate(t *testing.T) {
	withScoreTasks(t, 0.9)
	root := t.TempDir()
	p := writeSuite(t, 2, "")
	base := filepath.Join(root, "base")
	if _, stderr, code := cli(t, "run", "-q", "--out", base, p); code != 0 {
		t.Fatal(stderr)
	}
	baseline := filepath.Join(base, "results.json")
	ci := fmt.Sprintf("[ci]\nbaseline = %q\ntolerance = { acc1 = 0.01 }\n", baseline)
	data, _ := os.ReadFile(p)
	os.WriteFile(p, append(data, ci...), 0o644)

	summary := filepath.Join(root, "step-summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	t.Setenv("GITHUB_ACTIONS", "true")
	withScoreTasks(t, 0.895) // within tolerance
	out := filepath.Join(root, "ok")
	_, stderr, code := cli(t, "run", "-q", "--ci", "--out", out, p)
	if code != 0 || !strings.Contains(stderr, "CI gate: 2 passed, 0 failed, 0 errors, 0 skipped") {
		t.Fatalf("within tolerance: %d %s", code, stderr)
	}
	withScoreTasks(t, 0.85) // 5 points down
	out = filepath.Join(root, "bad")
	stdout, stderr, code := cli(t, "run", "-q", "--ci", "--out", out, "--junit", filepath.Join(root, "junit.xml"), p)
	if code != 1 || !strings.Contains(stderr, "CI gate: FAIL zeroshot/model=fake/dataset=d0: acc1 85.00% < limit 89.00%") ||
		!strings.Contains(stderr, "regression against the baseline") {
		t.Fatalf("regression: %d %s", code, stderr)
	}
	if !strings.Contains(stdout, "::error title=evalclip regression::zeroshot/model=fake/dataset=d0") {
		t.Errorf("annotations: %q", stdout)
	}
	junit, err := os.ReadFile(filepath.Join(root, "junit.xml"))
	if err != nil || !strings.Contains(string(junit), `<testcase classname="evalclip.cli.zeroshot" name="model=fake/dataset=d0"`) {
		t.Errorf("junit: %v\n%s", err, junit)
	}
	if s, _ := os.ReadFile(summary); strings.Count(string(s), "## evalclip CI gate:") != 2 {
		t.Errorf("step summary:\n%s", s)
	}
	if _, err := os.Stat(filepath.Join(out, "ci-summary.md")); err != nil {
		t.Error(err)
	}
	// the report of the failed gate shows its verdict and every check
	index, err := os.ReadFile(filepath.Join(out, "index.html"))
	for _, want := range []string{`<h2>CI gate: <span class="verdict fail">FAIL</span></h2>`, "0 passed, 2 failed, 0 errors, 0 skipped",
		`<tr><td>zeroshot/model=fake/dataset=d0</td><td class="fail">FAIL</td><td class="fail">acc1</td><td class="num">90.00%</td><td class="num">85.00%</td><td class="num">1.00 pp</td><td class="num">89.00%</td>`} {
		if err != nil || !strings.Contains(string(index), want) {
			t.Errorf("index.html lacks %q (%v)", want, err)
		}
	}

	// --ci without a [ci] section, and with a baseline of another suite.
	plain := writeSuite(t, 1, "")
	_, stderr, code = cli(t, "run", "--ci", "--out", filepath.Join(root, "x"), plain)
	if code != 2 || !strings.Contains(stderr, "--ci needs [ci] baseline") {
		t.Errorf("no [ci]: %d %q", code, stderr)
	}
	foreign := writeSuite(t, 1, fmt.Sprintf("[ci]\nbaseline = %q\n", fixturePath("results_a.json")))
	abs, _ := filepath.Abs(fixturePath("results_a.json"))
	data, _ = os.ReadFile(foreign)
	os.WriteFile(foreign, []byte(strings.Replace(string(data), fixturePath("results_a.json"), abs, 1)), 0o644)
	_, stderr, code = cli(t, "run", "--ci", "--out", filepath.Join(root, "y"), foreign)
	if code != 2 || !strings.Contains(stderr, `record 0 is from suite "paper-small", not "cli"`) {
		t.Errorf("foreign baseline: %d %q", code, stderr)
	}
}
