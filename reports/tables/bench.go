package tables

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/evalclip/evalclip/reports"
)

// Benchmark units and the record values they carry.
var benchUnits = []struct {
	unit, key string
	higher    bool
}{
	{"acc1", reports.MetricAcc1, true},
	{"acc5", reports.MetricAcc5, true},
	{"mean-per-class", reports.MetricMeanPerClassRecall, true},
	{"img/s", reports.ThroughputImagesPerS, true},
	{"tower-img/s", reports.ThroughputTowerImagesPerS, true},
	{"sec/op", reports.MetricMsMedian, false},
	{"min-sec/op", reports.MetricMsMin, false},
	{"GFLOP/s", reports.MetricGFLOPS, true},
	{"GB/s", reports.MetricGBPS, true},
	{"frac-peak", reports.MetricFracPeak, true},
	{"max-abs-err", reports.MetricMaxAbsErr, false},
}

// benchName sanitises a name part: benchmark names hold no spaces, and "/"
// and "=" separate parts.
func benchName(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '/', '=':
			return '_'
		}
		return r
	}, s)
}

// BenchName is the benchmark name of a record, without the "Benchmark"
// prefix: ZeroShot/model=ViT-B-32/dataset=pets,
// LinearProbe/model=a/dataset=b/k=4 (seeds repeat the same name, so that
// benchstat summarises them), Kernel/impl=x/dtype=fp32/shape=NxCxD/k=5/device=cpu.
func BenchName(r *reports.Record) string {
	var b strings.Builder
	switch r.Task {
	case reports.TaskZeroShot:
		b.WriteString("ZeroShot")
	case reports.TaskLinearProbe:
		b.WriteString("LinearProbe")
	case reports.TaskKernel:
		b.WriteString("Kernel")
		for _, k := range []string{reports.ParamImpl, reports.ParamDType, reports.ParamShape, reports.ParamTopK, reports.ParamDevice} {
			fmt.Fprintf(&b, "/%s=%s", k, benchName(r.ParamString(k)))
		}
		return b.String()
	default:
		b.WriteString(benchName(r.Task))
	}
	fmt.Fprintf(&b, "/model=%s/dataset=%s", benchName(r.Model), benchName(r.Dataset))
	if r.Split != "" && r.Split != "test" {
		fmt.Fprintf(&b, "/split=%s", benchName(r.Split))
	}
	if r.Task == reports.TaskLinearProbe {
		fmt.Fprintf(&b, "/k=%d", r.K)
		if r.Supervised() {
			b.WriteString("/features=supervised")
		}
	}
	return b.String()
}

// WriteBench writes the records in the Go benchmark format: configuration
// lines (suite, evalclip version, provider), unit metadata (which direction
// is better), then one line per successful record. `benchstat old.txt
// new.txt` compares two runs; linear-probe seeds become repeated samples.
// Timings are written as sec/op.
func WriteBench(w io.Writer, recs []reports.Record) error {
	bw := benchfmt.NewWriter(w)
	used := map[string]bool{}
	var results []*benchfmt.Result
	for i := range recs {
		r := &recs[i]
		if r.Error != "" {
			continue
		}
		res := &benchfmt.Result{Name: benchfmt.Name(BenchName(r)), Iters: max(r.NSamples, 1)}
		res.SetConfig("suite", r.Run.Suite)
		res.SetConfig("evalclip", r.Run.Version)
		res.SetConfig("provider", r.Run.Provider)
		for j := range res.Config {
			res.Config[j].File = true
		}
		for _, u := range benchUnits {
			v, ok := r.Value(u.key)
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				continue // benchstat would treat a NaN as a measurement
			}
			if u.key == reports.MetricMsMedian || u.key == reports.MetricMsMin {
				v /= 1000
			}
			res.Values = append(res.Values, benchfmt.Value{Value: v, Unit: u.unit})
			used[u.unit] = true
		}
		if len(res.Values) > 0 {
			results = append(results, res)
		}
	}
	units := make([]string, 0, len(used))
	for u := range used {
		units = append(units, u)
	}
	sort.Strings(units)
	for _, unit := range units {
		better := "higher"
		for _, u := range benchUnits {
			if u.unit == unit && !u.higher {
				better = "lower"
			}
		}
		if err := bw.Write(&benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: unit, Key: "better"}, OrigUnit: unit, Value: better}); err != nil {
			return err
		}
	}
	for _, res := range results {
		if err := bw.Write(res); err != nil {
			return err
		}
	}
	return nil
}
