package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
)

// TestKernelsBenchMatchesSuiteBench: `evalclip kernels --bench` and the
// bench.txt of a suite timing the same configuration line up under
// benchstat's default projections (-table .config -row .fullname
// -col .file), so benchstat compares them row by row.
func TestKernelsBenchMatchesSuiteBench(t *testing.T) {
	dir := t.TempDir()
	cliBench := filepath.Join(dir, "cli.txt")
	stdout, stderr, code := cli(t, "kernels", "--bench", "--n", "64", "--c", "100", "--d", "16", "--k", "3", "--reps", "2", "--warmup", "1", "--impl", "cpu,go-naive")
	if code != 0 {
		t.Fatalf("kernels --bench: exit %d: %s", code, stderr)
	}
	os.WriteFile(cliBench, []byte(stdout), 0o644)

	suite := filepath.Join(dir, "k.toml")
	os.WriteFile(suite, []byte(`name = "timings"
[[tasks]]
type = "kernels"
name = "small"
shapes = ["64x100x16"]
topk = 3
impls = ["cpu", "go-naive"]
reps = 2
warmup = 1
[report]
formats = ["bench"]
plots = []
`), 0o644)
	out := filepath.Join(dir, "run")
	if _, stderr, code := cli(t, "run", "-q", "--out", out, suite); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}

	var parser benchproc.ProjectionParser
	filter, _ := benchproc.NewFilter("*")
	tableBy, unitField, err := parser.ParseWithUnit(".config", filter)
	if err != nil {
		t.Fatal(err)
	}
	rowBy, err := parser.Parse(".fullname", filter)
	if err != nil {
		t.Fatal(err)
	}
	cells := map[string]map[string]bool{} // table/row -> files
	units := map[string]map[string]bool{} // file -> units
	files := benchfmt.Files{Paths: []string{"cli=" + cliBench, "suite=" + filepath.Join(out, "bench.txt")}, AllowLabels: true}
	for files.Scan() {
		switch r := files.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Errorf("benchfmt: %v", r)
		case *benchfmt.Result:
			file := r.GetConfig(".file")
			if units[file] == nil {
				units[file] = map[string]bool{}
			}
			row := rowBy.Project(r).String()
			for _, tk := range tableBy.ProjectValues(r) {
				cell := tk.String() + " | " + row
				if cells[cell] == nil {
					cells[cell] = map[string]bool{}
				}
				cells[cell][file] = true
				units[file][tk.Get(unitField)] = true
			}
		}
	}
	if err := files.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cells) == 0 {
		t.Fatal("no benchmark results")
	}
	var keys []string
	for k := range cells {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(cells[k]) != 2 {
			t.Errorf("only in %v: %s", cells[k], k)
		}
	}
	for _, f := range []string{"cli", "suite"} {
		var u []string
		for x := range units[f] {
			u = append(u, x)
		}
		sort.Strings(u)
		if got := strings.Join(u, " "); got != "GB/s GFLOP/s frac-peak max-abs-err min-sec/op sec/op" {
			t.Errorf("%s units: %s", f, got)
		}
	}
	if !strings.Contains(strings.Join(keys, "\n"), "Kernel/impl=cpu/dtype=fp32/shape=64x100x16/k=3/device=cpu") {
		t.Errorf("rows:\n%s", strings.Join(keys, "\n"))
	}
}
