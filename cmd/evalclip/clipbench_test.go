package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestExportCLIPBenchmark: evalclip results -> export -> CLIP_benchmark
// files -> compare and report give the same numbers, record for record.
func TestExportCLIPBenchmark(t *testing.T) {
	src := fixturePath("results_a.json")
	out := filepath.Join(t.TempDir(), "cb")
	// few-shot records share CLIP_benchmark's default name: refused, nothing written
	_, stderr, code := cli(t, "export", "--format", "clip_benchmark", "--out", out, src)
	if code != 1 || !strings.Contains(stderr, "add {k} and {seed}") {
		t.Fatalf("default pattern: %d %s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s written after a refused export", out)
	}
	pattern := "{dataset}_{pretrained}_{model}_{language}_{task}_k{k}_seed{seed}.json"
	_, stderr, code = cli(t, "export", "--format", "clip_benchmark", "--output", pattern, "--out", out, src)
	if code != 0 || !strings.Contains(stderr, "wrote 113 CLIP_benchmark result files") || !strings.Contains(stderr, "(8 records have no CLIP_benchmark form)") {
		t.Fatalf("export: %d %s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "pets_ViT-B-32_ViT-B-32_en_zeroshot_classification_k0_seed0.json"))
	if err != nil || !strings.HasPrefix(string(data), `{"dataset": "pets", "model": "ViT-B-32", "pretrained": "ViT-B-32", "task": "zeroshot_classification", "metrics": {"acc1": 0.867568, `) {
		t.Fatalf("%s %v", data, err)
	}
	if _, stderr, code = cli(t, "export", "--format", "clip_benchmark", "--output", pattern, "--out", out, src); code != 1 || !strings.Contains(stderr, "exists (from an earlier export or run; --force overwrites)") {
		t.Errorf("second export: %d %s", code, stderr)
	}
	stdout, stderr, code := cli(t, "compare", "--format", "json", src, out)
	if code != 0 {
		t.Fatalf("compare: %d %s", code, stderr)
	}
	var rows []struct {
		Model, Dataset, Note string
		K                    int
		Delta                *float64
	}
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatal(err)
	}
	paired := 0
	for _, r := range rows {
		switch {
		case r.Note == "only in OLD" && r.Model == "tinyclip" && r.K == 4: // the failed job: nothing to export
		case r.Delta == nil || *r.Delta != 0:
			t.Errorf("%+v: delta %v, want 0", r, r.Delta)
		case !strings.Contains(r.Note, "clip_benchmark result files hold no per-sample outcomes"):
			t.Errorf("%+v: note %q", r, r.Note)
		default:
			paired++
		}
	}
	if paired != 41 {
		t.Errorf("%d rows paired, want 41 (5 zero-shot, 36 linear-probe groups)", paired)
	}
	// the reports of both show the same numbers (rows and columns follow
	// record order; CLIP_benchmark files do not say how many samples)
	cells := func(p string) map[string]string {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, row := range rows[1:] {
			id := row[0]
			if rows[0][1] == "dataset" {
				id += "/" + row[1]
			}
			for j, v := range row {
				if rows[0][j] != "n" {
					out[id+"/"+rows[0][j]] = v
				}
			}
		}
		return out
	}
	reps := [2]string{filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")}
	for i, in := range []string{src, out} {
		if _, stderr, code := cli(t, "report", "-q", "--formats", "csv", "--plots", "", "--out", reps[i], in); code != 0 {
			t.Fatalf("report of %s: %d %s", in, code, stderr)
		}
	}
	for _, table := range []string{"zeroshot.csv", "zeroshot_detail.csv", "zeroshot_vs_supervised.csv"} {
		a, b := cells(filepath.Join(reps[0], "tables", table)), cells(filepath.Join(reps[1], "tables", table))
		if !reflect.DeepEqual(a, b) || len(a) < 9 {
			t.Errorf("%s:\n%v\nafter export:\n%v", table, a, b)
		}
	}
}

// TestCLIPBenchmarkBaseline gates a run of the shipped nightly suite
// against its numbers written as CLIP_benchmark result files.
func TestCLIPBenchmarkBaseline(t *testing.T) {
	requireORT(t)
	data, err := os.ReadFile(filepath.Join("..", "..", "configs", "ci-nightly.toml"))
	if err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string {
		a, _ := filepath.Abs(filepath.Join("..", "..", p))
		return a
	}
	s := strings.NewReplacer(`"../testdata/`, `"`+abs("testdata")+`/`,
		`"../reports/baselines/ci-nightly.json"`, `"`+abs("testdata/clip_benchmark/ci-nightly")+`"`).Replace(string(data))
	dir := t.TempDir()
	p := filepath.Join(dir, "ci-nightly.toml")
	os.WriteFile(p, []byte(s), 0o644)
	_, stderr, code := cli(t, "run", "-q", "--ci", "--no-report", "--out", filepath.Join(dir, "out"), p)
	if code != 0 || !strings.Contains(stderr, "CI gate: 3 passed, 0 failed, 0 errors, 0 skipped") {
		t.Fatalf("%d %s", code, stderr)
	}
}

// TestBuildCommand: the wide table from a mix of evalclip results and a
// folder of CLIP_benchmark files, to stdout or a file.
func TestBuildCommand(t *testing.T) {
	cbFiles := filepath.Join("..", "..", "testdata", "clip_benchmark", "files")
	stdout, stderr, code := cli(t, "build", "--format", "csv", fixturePath("results_a.json"), cbFiles)
	if code != 0 || !strings.HasPrefix(stdout, "model,binary_toy_pct,mnist_pct,pets_pct,vtab/pets_pct,average_pct,datasets,rank,mean_rank\n") ||
		!strings.Contains(stdout, "\nRN50,,62,87.5676,,74.7838,2,,1\n") {
		t.Fatalf("%d %s\n%s", code, stderr, stdout)
	}
	out := filepath.Join(t.TempDir(), "board.md")
	if _, stderr, code := cli(t, "build", "--task", "linear_probe", "--k", "4", "--out", out, fixturePath("results_a.json")); code != 0 {
		t.Fatal(stderr)
	}
	if data, _ := os.ReadFile(out); !strings.Contains(string(data), "| ViT-B-32 | 76.6 | 68.2 | 72.4 | 2 | 1 | 1.50 |") {
		t.Errorf("%s", data)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"build"}, "no results given"},
		{[]string{"build", "--task", "kernels", cbFiles}, `--task "kernels"`},
		{[]string{"build", "--out", out, fixturePath("results_a.json")}, "exists (--force overwrites)"},
		{[]string{"build", "--task", "retrieval", fixturePath("results_a.json")}, "no successful retrieval records"},
	} {
		if _, stderr, code := cli(t, c.args...); code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: %d %q, want %q", c.args, code, stderr, c.want)
		}
	}
}
