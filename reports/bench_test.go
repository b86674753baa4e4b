package reports

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/evalclip/evalclip/internal/golden"
)

// The fixture records come from tools/fixtures/make_report_records.py.
func fixtureRecords(t *testing.T) []Record {
	t.Helper()
	recs, err := ReadResults(filepath.Join("testdata", "results_a.json"))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestBenchIsReadableByBenchstat(t *testing.T) {
	recs := fixtureRecords(t)
	var b bytes.Buffer
	if err := WriteBench(&b, recs); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "bench.txt"), b.Bytes(), nil)
	r := benchfmt.NewReader(bytes.NewReader(b.Bytes()), "bench.txt")
	counts := map[string]int{}
	var units benchfmt.UnitMetadataMap = map[benchfmt.UnitMetadataKey]*benchfmt.UnitMetadata{}
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("benchfmt: %v", rec)
		case *benchfmt.UnitMetadata:
			units[rec.UnitMetadataKey] = rec
		case *benchfmt.Result:
			base, _ := rec.Name.Parts()
			counts[string(base)]++
			if len(rec.Config) != 0 {
				t.Errorf("%s: file configuration %v (it would keep benchstat from comparing runs of other versions)", rec.Name, rec.Config)
			}
			if string(rec.Name.Full()) == "ZeroShot/model=ViT-B-32/dataset=pets" {
				if v, ok := rec.Value("acc1"); !ok || v != 0.867568 {
					t.Errorf("acc1 = %v %v", v, ok)
				}
			}
			if string(rec.Name.Full()) == "ZeroShot/model=tinyclip/dataset=mnist" {
				if _, ok := rec.Value("mean-per-class"); ok {
					t.Error("NaN metric written as a measurement")
				}
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	// 5 zero-shot records, 108 probe records (seeds repeat a name), 7 kernels; the failed job is left out.
	if counts["ZeroShot"] != 5 || counts["LinearProbe"] != 108 || counts["Kernel"] != 7 {
		t.Errorf("results per benchmark: %v", counts)
	}
	if units.GetBetter("sec/op") != -1 || units.GetBetter("acc1") != 1 {
		t.Errorf("unit metadata: sec/op %d acc1 %d", units.GetBetter("sec/op"), units.GetBetter("acc1"))
	}
	if a := units.GetAssumption("max-abs-err"); a != nil && a.SummaryLabel() != "exact" {
		t.Errorf("max-abs-err assumes %v, want exact", a.SummaryLabel())
	}
	if !strings.HasPrefix(b.String(), "# evalclip benchmarks: suite paper-small; evalclip v0.1.0; provider cuda\n") {
		t.Errorf("header: %q", strings.SplitN(b.String(), "\n", 2)[0])
	}
}
