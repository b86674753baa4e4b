package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
	"github.com/evalclip/evalclip/suites/tasks"
)

// TestMain lets the test binary act as evalclip itself (for signal tests):
// with EVALCLIP_TEST_MAIN set it runs main() with a slow zero-shot stand-in.
func TestMain(m *testing.M) {
	if os.Getenv("EVALCLIP_TEST_MAIN") != "" {
		taskOverrides = map[suites.TaskType]suites.TaskRunner{tasks.TypeZeroShot: slowTask{}}
		main()
		return
	}
	os.Exit(m.Run())
}

// slowTask embeds the dataset name with the job's fake model, then takes
// 200 ms per job unless cancelled.
type slowTask struct{}

func (slowTask) Run(ctx context.Context, env *suites.Env, job *suites.Job) ([]reports.Record, error) {
	m, err := encoders.Open(string(job.Model.Backend), encoders.Spec{Name: job.Model.Name, EmbedDim: 4}, encoders.Runtime{})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	if _, err := m.Text().EncodeTexts(ctx, []string{job.Dataset.Name}); err != nil {
		return nil, err
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(200 * time.Millisecond):
	}
	return []reports.Record{{Metrics: reports.Metrics{reports.MetricAcc1: 0.25}, NSamples: 4}}, nil
}

// cli runs the CLI in-process and returns stdout, stderr and the exit status.
func cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(&stdout, &stderr, args)
	code := exitStatus(&stderr, err)
	return stdout.String(), stderr.String(), code
}

// writeSuite writes a small fake-backend suite with n datasets.
func writeSuite(t *testing.T, n int, extra string) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("name = \"cli\"\n[[models]]\nname = \"fake\"\nbackend = \"fake\"\n")
	for i := 0; i < n; i++ {
		os.Mkdir(filepath.Join(dir, fmt.Sprint("d", i)), 0o755)
		fmt.Fprintf(&b, "[[datasets]]\nname = \"d%d\"\nformat = \"imagefolder\"\npath = \"d%d\"\n", i, i)
	}
	b.WriteString("[[tasks]]\ntype = \"zeroshot\"\n")
	b.WriteString(extra)
	p := filepath.Join(dir, "cli.toml")
	os.WriteFile(p, []byte(b.String()), 0o644)
	return p
}

func withTasks(t *testing.T) {
	taskOverrides = map[suites.TaskType]suites.TaskRunner{tasks.TypeZeroShot: slowTask{}}
	t.Cleanup(func() { taskOverrides = nil })
}

func TestHelpAndUsage(t *testing.T) {
	out, _, code := cli(t, "help")
	if code != 0 || !strings.Contains(out, "validate") || !strings.Contains(out, "Exit status") {
		t.Fatalf("help: %d %q", code, out)
	}
	out, _, code = cli(t, "help", "run")
	if code != 0 || !strings.Contains(out, "-out") || !strings.Contains(out, "-force") {
		t.Fatalf("help run: %d %q", code, out)
	}
	_, errOut, code := cli(t, "frobnicate")
	if code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	_, _, code = cli(t)
	if code != 2 {
		t.Fatalf("no command: %d", code)
	}
	_, errOut, code = cli(t, "run", "--bogus", "x.toml")
	if code != 2 || !strings.Contains(errOut, "flag provided but not defined: -bogus") {
		t.Fatalf("bad flag: %d %q", code, errOut)
	}
	_, _, code = cli(t, "run", "-h")
	if code != 0 {
		t.Fatalf("run -h: %d", code)
	}
	_, errOut, code = cli(t, "run", "a.toml", "b.toml")
	if code != 2 || !strings.Contains(errOut, "exactly one suite") {
		t.Fatalf("two suites: %d %q", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	out, _, code := cli(t, "version")
	if code != 0 || !strings.HasPrefix(out, "evalclip ") || !strings.Contains(out, "onnxruntime: ") || !strings.Contains(out, "fake") {
		t.Fatalf("%d %q", code, out)
	}
	t.Setenv("EVALCLIP_ORT_LIB", filepath.Join(t.TempDir(), "libonnxruntime.so.1"))
	out, _, code = cli(t, "version")
	if code != 0 || !strings.Contains(out, "onnxruntime: unavailable:") || !strings.Contains(out, "make ort") {
		t.Fatalf("missing library: %d %q", code, out)
	}
}

func TestValidateShippedConfigs(t *testing.T) {
	configs, _ := filepath.Glob(filepath.Join("..", "..", "configs", "*.toml"))
	if len(configs) == 0 {
		t.Fatal("no configs/*.toml")
	}
	out, errOut, code := cli(t, append([]string{"validate"}, configs...)...)
	if code != 0 {
		t.Fatalf("validate configs: %d\n%s%s", code, out, errOut)
	}
	if strings.Count(out, ": ok: ") != len(configs) {
		t.Errorf("output:\n%s", out)
	}
}

// TestPaperConfigs: the paper suites name everything by hub (no local
// paths, so they validate anywhere and run with nothing but internet
// access); the ResNet-50 one needs a local export and validates as schema.
func TestPaperConfigs(t *testing.T) {
	dir := filepath.Join("..", "..", "configs", "paper")
	out, errOut, code := cli(t, "validate", filepath.Join(dir, "zeroshot.toml"), filepath.Join(dir, "linear-probe.toml"), filepath.Join(dir, "multilingual.toml"))
	if code != 0 || strings.Count(out, ": ok: ") != 3 {
		t.Fatalf("validate: %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{"zeroshot.toml", "linear-probe.toml", "multilingual.toml"} {
		s, err := suites.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range s.Models {
			if m.Hub == "" || m.Path != "" {
				t.Errorf("%s: model %s is not pulled from the Hub", f, m.Name)
			}
		}
		for _, d := range s.Datasets {
			if d.Hub == "" || d.Path != "" {
				t.Errorf("%s: dataset %s is not pulled from the Hub", f, d.Name)
			}
		}
	}
	if _, errOut, code := cli(t, "validate", "--schema-only", filepath.Join(dir, "linear-probe-resnet50.toml")); code != 0 {
		t.Errorf("resnet50 suite: %s", errOut)
	}
}

func TestValidateBadSuite(t *testing.T) {
	p := writeSuite(t, 1, "")
	body, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(body, []byte("backend = \"fake\"\n"), []byte("backend = \"fake\"\nvisoin = \"x.onnx\"\n"), 1), 0o644)
	_, errOut, code := cli(t, "validate", p)
	if code != 2 || !strings.Contains(errOut, p+":5: models[0].visoin: unknown key (did you mean \"vision\"?)") {
		t.Fatalf("%d %q", code, errOut)
	}
	_, errOut, code = cli(t, "validate", filepath.Join(t.TempDir(), "none.toml"))
	if code != 2 || !strings.Contains(errOut, "none.toml: cannot read suite") {
		t.Fatalf("missing file: %d %q", code, errOut)
	}
	lib := filepath.Join(t.TempDir(), "libonnxruntime.so")
	p = writeSuite(t, 1, "[runtime]\nonnxruntime = \""+lib+"\"\n")
	_, errOut, code = cli(t, "validate", p)
	if code != 2 || !strings.Contains(errOut, "runtime.onnxruntime: "+lib+" does not exist") {
		t.Fatalf("missing ORT library: %d %q", code, errOut)
	}
}

func TestRunWritesAndRefusesToOverwrite(t *testing.T) {
	withTasks(t)
	p := writeSuite(t, 2, "")
	out := filepath.Join(t.TempDir(), "out")
	_, errOut, code := cli(t, "run", p, "--out", out)
	if code != 0 {
		t.Fatalf("run: %d %s", code, errOut)
	}
	recs, err := reports.ReadResults(filepath.Join(out, "results.json"))
	if err != nil || len(recs) != 2 || recs[1].Dataset != "d1" || recs[1].Metrics["acc1"] != 0.25 {
		t.Fatalf("results: %+v %v", recs, err)
	}
	_, errOut, code = cli(t, "run", p, "--out", out)
	if code != 2 || !strings.Contains(errOut, "--force") {
		t.Fatalf("second run into the same folder: %d %q", code, errOut)
	}
	_, errOut, code = cli(t, "run", "--force", "-q", "--out", out, p)
	if code != 0 || errOut != "" {
		t.Fatalf("--force -q: %d %q", code, errOut)
	}
	stdout, _, code := cli(t, "run", "--dry-run", p)
	if code != 0 || stdout != "zeroshot/model=fake/dataset=d0\nzeroshot/model=fake/dataset=d1\n" {
		t.Fatalf("dry run: %d %q", code, stdout)
	}
}

func TestRunUnwritableOutput(t *testing.T) {
	withTasks(t)
	p := writeSuite(t, 1, "")
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	_, errOut, code := cli(t, "run", p, "--out", filepath.Join(file, "out"))
	if code != 2 || !strings.Contains(errOut, "cannot create") {
		t.Fatalf("%d %q", code, errOut)
	}
}

func TestRunUnavailableTask(t *testing.T) {
	p := writeSuite(t, 1, "[[tasks]]\ntype = \"kernels\"\nshapes = [\"4x4x4\"]\n")
	taskOverrides = map[suites.TaskType]suites.TaskRunner{tasks.TypeZeroShot: slowTask{}}
	defer func() { taskOverrides = nil }()
	_, errOut, code := cli(t, "run", p, "--out", filepath.Join(t.TempDir(), "o"))
	if code != 2 || !strings.Contains(errOut, `task type "kernels" is not available`) {
		t.Fatalf("%d %q", code, errOut)
	}
}

// TestInterrupt sends SIGINT to a running evalclip (this test binary in
// evalclip mode) and checks that the completed records are kept in a valid
// results.json, with no temporary files, and that the exit status is 130.
func TestInterrupt(t *testing.T) {
	p := writeSuite(t, 8, "")
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(os.Args[0], "run", p, "--out", out)
	cmd.Env = append(os.Environ(), "EVALCLIP_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(out, "results.json")
	deadline := time.Now().Add(20 * time.Second)
	for {
		recs, err := reports.ReadResults(results)
		if err == nil && len(recs) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no records appeared; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v; stderr:\n%s", err, stderr.String())
	}
	recs, err := reports.ReadResults(results)
	if err != nil {
		t.Fatalf("results.json unreadable after Ctrl-C: %v", err)
	}
	if len(recs) < 2 || len(recs) >= 8 {
		t.Fatalf("kept %d records", len(recs))
	}
	if !strings.Contains(stderr.String(), "run interrupted after") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		if e.Name() != "results.json" && e.Name() != "suite.toml" {
			t.Errorf("unexpected file after interrupt: %s", e.Name())
		}
	}
}
