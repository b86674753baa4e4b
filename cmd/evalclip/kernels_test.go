package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/reports"
)

func TestKernelsCommand(t *testing.T) {
	stdout, stderr, code := cli(t, "kernels", "--n", "64", "--c", "100", "--d", "16", "--k", "3", "--reps", "2", "--impl", "cpu,go-naive")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "# cpu fp32: peak ") {
		t.Fatalf("output:\n%s", stdout)
	}
	// The Go benchmark format of a suite's bench.txt: seconds per call.
	bench := regexp.MustCompile(`^BenchmarkKernel/impl=(cpu|go-naive)/dtype=fp32/shape=64x100x16/k=3/device=cpu 64 [0-9.e+-]+ sec/op [0-9.e+-]+ min-sec/op [0-9.e+-]+ GFLOP/s [0-9.e+-]+ GB/s [0-9.e+-]+ frac-peak [0-9.e+-]+ max-abs-err$`)
	n := 0
	for _, l := range lines[1:] {
		switch {
		case strings.HasPrefix(l, "Benchmark"):
			if !bench.MatchString(l) {
				t.Errorf("line %q is not a benchmark line", l)
			}
			n++
		case strings.HasPrefix(l, "# ") || strings.HasPrefix(l, "Unit "):
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
	if n != 2 {
		t.Errorf("%d benchmark lines, want 2:\n%s", n, stdout)
	}

	stdout, stderr, code = cli(t, "kernels", "--n", "10", "--c", "20", "--d", "4", "--reps", "1", "--json")
	if code != 0 {
		t.Fatalf("--json: exit %d: %s", code, stderr)
	}
	var recs []reports.Record
	if err := json.Unmarshal([]byte(stdout), &recs); err != nil {
		t.Fatalf("--json output is not a record array: %v\n%s", err, stdout)
	}
	if len(recs) == 0 || recs[0].Task != reports.TaskKernel || recs[0].Run.Suite != "evalclip kernels" || recs[0].Metrics[reports.MetricMsMedian] <= 0 {
		t.Errorf("records %+v", recs)
	}

	stdout, _, code = cli(t, "kernels", "--list")
	if code != 0 || !strings.Contains(stdout, "cpu ") || !strings.Contains(stdout, "reference (slow)") || !strings.Contains(stdout, "CPU BLAS: ") {
		t.Errorf("--list: exit %d\n%s", code, stdout)
	}
}

func TestKernelsCommandErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--impl", "fastest"}, `unknown implementation "fastest"`},
		{[]string{"--dtype", "fp8"}, `--dtype: unknown dtype "fp8" (expected fp32, tf32, fp16 or bf16)`},
		{[]string{"--impl", "cpu", "--dtype", "bf16"}, "cpu computes in fp32, none of the dtypes asked for (bf16)"},
		{[]string{"--k", "0"}, "--k: must be at least 1, got 0"},
		{[]string{"--c", "3", "--k", "5"}, "k = 5 is more than the 3 classes of shape 50000x3x512"},
		{[]string{"--n", "0"}, `--n, --c and --d: shape "0x1000x512": "0" is not a positive integer`},
		{[]string{"--reps", "0"}, "--reps: must be at least 1, got 0"},
		{[]string{"--warmup", "-1"}, "--warmup: must be 0 or more, got -1"},
		{[]string{"--impl", ","}, "--impl: empty"},
		{[]string{"extra"}, `unexpected arguments ["extra"]`},
		{[]string{"--n", "x"}, `invalid value "x" for flag -n`},
		{[]string{"--impl", "cuda-fused"}, "cuda-fused: CUDA kernels not built: rebuild with -tags cuda"},
	} {
		_, stderr, code := cli(t, append([]string{"kernels"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("kernels %v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
