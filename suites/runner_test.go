package suites_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evalclip/evalclip/encoders"
	_ "github.com/evalclip/evalclip/encoders/fake"
	"github.com/evalclip/evalclip/internal/atomicfile"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
	"github.com/evalclip/evalclip/suites/tasks"
)

// fakeSuite writes a suite with two fake models and two datasets.
func fakeSuite(t *testing.T, extra string) *suites.Suite {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"d1", "d2"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	body := `name = "unit"
[[models]]
name = "m1"
backend = "fake"
embed_dim = 8
[[models]]
name = "m2"
backend = "fake"
embed_dim = 8
[[datasets]]
name = "d1"
format = "imagefolder"
path = "d1"
[[datasets]]
name = "d2"
format = "imagefolder"
path = "d2"
[[tasks]]
type = "zeroshot"
` + extra
	p := filepath.Join(dir, "unit.toml")
	os.WriteFile(p, []byte(body), 0o644)
	s, err := suites.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// embedTask opens the job's model through the encoder registry (shared via
// Env.Resource) and reports the mean of a text embedding as its metric.
type embedTask struct {
	opened  int
	failOn  string
	panicOn string
	block   string // job ID that blocks until ctx is cancelled
	started chan string
}

type modelCloser struct{ encoders.Model }

func (t *embedTask) Run(ctx context.Context, env *suites.Env, job *suites.Job) ([]reports.Record, error) {
	if t.started != nil {
		t.started <- job.ID
	}
	switch job.ID {
	case t.failOn:
		return nil, errors.New("disk on fire")
	case t.panicOn:
		var m map[string]int
		m["boom"]++
	case t.block:
		<-ctx.Done()
		return nil, ctx.Err()
	}
	r, err := env.Resource("model/"+job.Model.Name, func() (io.Closer, error) {
		t.opened++
		m, err := encoders.Open(string(job.Model.Backend), encoders.Spec{Name: job.Model.Name, EmbedDim: job.Model.EmbedDim}, encoders.Runtime{})
		return modelCloser{m}, err
	})
	if err != nil {
		return nil, err
	}
	m := r.(modelCloser)
	emb, err := m.Text().EncodeTexts(ctx, []string{job.Dataset.Name})
	if err != nil {
		return nil, err
	}
	var sum float64
	for _, v := range emb {
		sum += float64(v)
	}
	env.Progress.SetTotal("texts", 1)
	env.Progress.Add(1)
	return []reports.Record{{Metrics: reports.Metrics{"mean": sum / float64(len(emb)), reports.MetricAcc1: 0.5}, NSamples: 1}}, nil
}

func newRunner(t *testing.T, s *suites.Suite, task suites.TaskRunner) (*suites.Runner, *strings.Builder) {
	out := filepath.Join(t.TempDir(), "out")
	if err := suites.PrepareOutDir(out, false); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	return &suites.Runner{Suite: s, OutDir: out, Stderr: &stderr, Tasks: map[suites.TaskType]suites.TaskRunner{tasks.TypeZeroShot: task},
		Now: func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) }}, &stderr
}

func TestRunnerRecords(t *testing.T) {
	s := fakeSuite(t, "")
	task := &embedTask{}
	r, stderr := newRunner(t, s, task)
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 4 || len(sum.Records) != 4 || task.opened != 2 {
		t.Fatalf("done %d records %d models opened %d", sum.Done, len(sum.Records), task.opened)
	}
	recs, err := reports.ReadResults(filepath.Join(r.OutDir, reports.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("results.json has %d records", len(recs))
	}
	first := recs[0]
	if first.Task != "zeroshot" || first.Model != "m1" || first.Dataset != "d1" || first.Split != "test" {
		t.Errorf("identity not stamped: %+v", first)
	}
	if first.Run.Suite != "unit" || first.Run.ConfigHash != s.Hash || first.Run.Provider != "cpu" || first.Run.Version == "" ||
		!first.Run.StartedAt.Equal(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("run info: %+v", first.Run)
	}
	if recs[0].Metrics["mean"] == recs[1].Metrics["mean"] {
		t.Error("different datasets gave equal fake embeddings")
	}
	if _, err := os.Stat(filepath.Join(r.OutDir, suites.SuiteCopyFile)); err != nil {
		t.Error("suite copy missing:", err)
	}
	if got := strings.Count(stderr.String(), "acc1=0.5000"); got != 4 {
		t.Errorf("stderr has %d job lines:\n%s", got, stderr.String())
	}
	assertClean(t, r.OutDir)
}

func TestRunnerFailuresAndPanics(t *testing.T) {
	s := fakeSuite(t, "")
	task := &embedTask{failOn: "zeroshot/model=m1/dataset=d2", panicOn: "zeroshot/model=m2/dataset=d1"}
	r, stderr := newRunner(t, s, task)
	sum, err := r.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "2 of 4 jobs failed") {
		t.Fatalf("err = %v", err)
	}
	if sum.Done != 4 || len(sum.Failed) != 2 {
		t.Fatalf("summary %+v", sum)
	}
	recs, _ := reports.ReadResults(sum.ResultsPath)
	if recs[1].Error != "disk on fire" || recs[1].Model != "m1" || recs[1].Dataset != "d2" {
		t.Errorf("failed record: %+v", recs[1])
	}
	if !strings.Contains(recs[2].Error, "internal error") {
		t.Errorf("panic record: %+v", recs[2])
	}
	if !strings.Contains(stderr.String(), "FAILED: disk on fire") {
		t.Errorf("stderr: %s", stderr.String())
	}

	task = &embedTask{failOn: "zeroshot/model=m1/dataset=d1"}
	r, _ = newRunner(t, s, task)
	r.FailFast = true
	sum, err = r.Run(context.Background())
	if err == nil || sum.Done != 1 {
		t.Fatalf("fail-fast ran %d jobs, err %v", sum.Done, err)
	}
}

func TestRunnerInterrupt(t *testing.T) {
	s := fakeSuite(t, "")
	task := &embedTask{block: "zeroshot/model=m2/dataset=d1", started: make(chan string, 10)}
	r, _ := newRunner(t, s, task)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for id := range task.started {
			if id == task.block {
				cancel()
				return
			}
		}
	}()
	sum, err := r.Run(ctx)
	if !errors.Is(err, suites.ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	recs, rerr := reports.ReadResults(sum.ResultsPath)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(recs) != 2 || sum.Done != 2 {
		t.Fatalf("kept %d records (done %d), want the 2 completed jobs", len(recs), sum.Done)
	}
	assertClean(t, r.OutDir)
}

func TestRunnerUnavailableTask(t *testing.T) {
	s := fakeSuite(t, "[[tasks]]\ntype = \"kernels\"\nshapes = [\"8x8x8\"]\n")
	r, _ := newRunner(t, s, &embedTask{})
	_, err := r.Run(context.Background())
	if err == nil || !suites.IsConfigError(err) || !strings.Contains(err.Error(), `tasks[1].type: task type "kernels" is not available`) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(r.OutDir, reports.ResultsFile)); err == nil {
		t.Error("results.json written although nothing could run")
	}
}

func TestPrepareOutDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := suites.PrepareOutDir(dir, false); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, reports.ResultsFile), []byte("[]"), 0o644)
	err := suites.PrepareOutDir(dir, false)
	if !errors.Is(err, suites.ErrOutputExists) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("existing results: %v", err)
	}
	if err := suites.PrepareOutDir(dir, true); err != nil {
		t.Fatalf("--force: %v", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if err := suites.PrepareOutDir(file, false); !errors.Is(err, suites.ErrOutputUnusable) {
		t.Errorf("out is a file: %v", err)
	}
	if err := suites.PrepareOutDir(filepath.Join(file, "sub"), false); !errors.Is(err, suites.ErrOutputUnusable) || !strings.Contains(err.Error(), "file/sub") {
		t.Errorf("out under a file: %v", err)
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(t.TempDir(), "ro")
		os.Mkdir(ro, 0o555)
		if err := suites.PrepareOutDir(ro, false); !errors.Is(err, suites.ErrOutputUnusable) {
			t.Errorf("read-only folder: %v", err)
		}
	}
}

func TestDefaultOutDirIsFresh(t *testing.T) {
	root := t.TempDir()
	now := time.Date(2026, 11, 26, 19, 0, 0, 0, time.UTC)
	a := suites.DefaultOutDir(root, "s", now)
	if want := filepath.Join(root, "s", "20261126T190000Z"); a != want {
		t.Fatalf("%s != %s", a, want)
	}
	os.MkdirAll(a, 0o755)
	if b := suites.DefaultOutDir(root, "s", now); b == a || !strings.HasPrefix(b, a) {
		t.Fatalf("second folder %s", b)
	}
}

func assertClean(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), atomicfile.TempPrefix) {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func ExamplePlan() {
	s, err := suites.Parse("example.toml", []byte(`
name = "example"
[[models]]
name = "ViT-B-32"
backend = "fake"
[[datasets]]
name = "pets"
format = "pets"
path = "/data/pets"
[[tasks]]
type = "linear_probe"
shots = [1, 16]
seeds = [0, 1]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, j := range suites.Plan(s) {
		fmt.Println(j.ID)
	}
	// Output:
	// linear_probe/model=ViT-B-32/dataset=pets/k=1/seed=0
	// linear_probe/model=ViT-B-32/dataset=pets/k=1/seed=1
	// linear_probe/model=ViT-B-32/dataset=pets/k=16/seed=0
	// linear_probe/model=ViT-B-32/dataset=pets/k=16/seed=1
}

// TestOutDirLockAndForce: a second claim of a folder in use is refused; a
// forced rerun removes the earlier run's files (results, report, CI files)
// and leaves the user's own.
func TestOutDirLockAndForce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	release, err := suites.ClaimOutDir(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := suites.ClaimOutDir(dir, false); !errors.Is(err, suites.ErrOutputInUse) || !strings.Contains(err.Error(), "in use by another evalclip run") {
		t.Fatalf("second claim: %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"results.json", "junit.xml", "index.html", "plots/old_figure.png", "tables/old.csv", "notes.txt"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644)
	}
	if _, err := suites.ClaimOutDir(dir, false); !errors.Is(err, suites.ErrOutputExists) {
		t.Fatalf("without force: %v", err)
	}
	release, err = suites.ClaimOutDir(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for _, f := range []string{"results.json", "junit.xml", "index.html", "plots/old_figure.png", "tables/old.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s of the earlier run is still there", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Error("a file of the user's was removed")
	}
}

// breakResults turns the results file into a folder before its second
// job, so that the runner's next write fails.
type breakResults struct{ embedTask }

func (b *breakResults) Run(ctx context.Context, env *suites.Env, job *suites.Job) ([]reports.Record, error) {
	if job.Index == 1 {
		p := filepath.Join(env.OutDir, reports.ResultsFile)
		os.Remove(p)
		os.MkdirAll(filepath.Join(p, "x"), 0o755)
	}
	return b.embedTask.Run(ctx, env, job)
}

// TestResultsWriteFailure: when results.json cannot be written, the run
// stops and its summary claims no more records than the file held.
func TestResultsWriteFailure(t *testing.T) {
	s := fakeSuite(t, "")
	r, _ := newRunner(t, s, &breakResults{})
	sum, err := r.Run(context.Background())
	if !errors.Is(err, suites.ErrResultsWrite) || sum == nil || len(sum.Records) != 1 || sum.Done != 1 {
		t.Fatalf("err %v, summary %+v", err, sum)
	}
}
