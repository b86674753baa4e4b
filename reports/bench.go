package reports

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// WriteBench writes records in the Go benchmark format, so that
// `benchstat old/bench.txt new/bench.txt` compares two runs: a comment
// saying which suites, evalclip versions and providers made them, unit
// metadata from the units table (better=, assume=), then one line per
// successful record, named by its key ([Key.BenchName]) with Iters = its
// sample count and one value per metric that has a benchmark unit
// (timings in sec/op). Seeds repeat a name and become repeated samples.
// NaN values are left out (benchstat would take them as measurements).
//
// No file-level configuration is written: benchstat splits files whose
// configuration differs into separate tables, and what differs between two
// runs worth comparing (the evalclip version, the suite file, `evalclip
// kernels` against a suite) must not keep them apart.
func WriteBench(w io.Writer, recs []Record) error {
	var results []*benchfmt.Result
	used := map[string]bool{}
	suites, versions, providers := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i := range recs {
		r := &recs[i]
		if r.Error != "" {
			continue
		}
		res := &benchfmt.Result{Name: benchfmt.Name(r.Key().BenchName()), Iters: max(r.NSamples, 1)}
		for _, u := range BenchUnits() {
			v, ok := r.Value(u.Metric)
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			res.Values = append(res.Values, benchfmt.Value{Value: u.BenchValue(v), Unit: u.Bench})
			used[u.Bench] = true
		}
		if len(res.Values) == 0 {
			continue
		}
		results = append(results, res)
		suites[r.Run.Suite] = true
		versions[r.Run.Version] = true
		providers[r.Run.Provider] = true
	}
	if _, err := fmt.Fprintf(w, "# evalclip benchmarks: suite %s; evalclip %s; provider %s\n",
		setList(suites), setList(versions), setList(providers)); err != nil {
		return err
	}
	bw := benchfmt.NewWriter(w)
	for _, u := range BenchUnits() {
		if !used[u.Bench] {
			continue
		}
		for _, m := range []struct{ key, val string }{{"better", u.Better()}, {"assume", u.Assume}} {
			if err := bw.Write(&benchfmt.UnitMetadata{UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u.Bench, Key: m.key}, OrigUnit: u.Bench, Value: m.val}); err != nil {
				return err
			}
		}
	}
	for _, res := range results {
		if err := bw.Write(res); err != nil {
			return err
		}
	}
	return nil
}

func setList(m map[string]bool) string {
	var out []string
	for k := range m {
		if k == "" {
			k = "(none)"
		}
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "(none)"
	}
	return strings.Join(out, ", ")
}
