package reports

import (
	"fmt"
	"strings"
	"sync"
)

// Unit describes one metric or throughput name: how to show it, which way
// is better, and how it is written in the Go benchmark format. It is the one
// table behind tables, plots, bench.txt, compare and the CI gate; a task
// that writes a new metric registers it ([RegisterUnit]).
type Unit struct {
	// Metric is the record's metric or throughput key ("acc1").
	Metric string
	// Title is the short display name ("top-1").
	Title string
	// Bench is the benchmark-format unit ("acc1", "sec/op").
	Bench string
	// Per divides the record's value into the benchmark unit
	// (milliseconds to sec/op: 1000); 0 means 1.
	Per float64
	// Lower marks metrics where smaller is better (timings, errors).
	Lower bool
	// Fraction marks values in [0, 1] (accuracies, recalls): CI tolerances
	// on them are absolute, on others relative.
	Fraction bool
	// Assume is benchfmt's assume= for the benchmark unit: "nothing" (a
	// noisy sample; seeds are repeated samples) or "exact" (a deterministic
	// value: any difference is real).
	Assume string
}

// Better returns benchfmt's better= value: "higher" or "lower".
func (u Unit) Better() string {
	if u.Lower {
		return "lower"
	}
	return "higher"
}

// BenchValue converts a record value into the benchmark unit.
func (u Unit) BenchValue(v float64) float64 {
	if u.Per != 0 {
		return v / u.Per
	}
	return v
}

var (
	unitsMu sync.RWMutex
	units   []Unit
	byName  = map[string]int{}
)

func init() {
	for _, u := range []Unit{
		{Metric: MetricAcc1, Title: "top-1", Bench: "acc1", Fraction: true},
		{Metric: MetricAcc5, Title: "top-5", Bench: "acc5", Fraction: true},
		{Metric: MetricMeanPerClassRecall, Title: "mean per class", Bench: "mean-per-class", Fraction: true},
		{Metric: MetricMeanTop1Prob, Title: "mean top-1 prob", Bench: "top1-prob", Fraction: true},
		{Metric: MetricECE, Title: "ECE", Bench: "ece", Lower: true, Fraction: true},
		{Metric: ThroughputImagesPerS, Title: "images/s", Bench: "img/s"},
		{Metric: ThroughputTowerImagesPerS, Title: "tower images/s", Bench: "tower-img/s"},
		{Metric: ThroughputDecodeS, Title: "decode (s)", Bench: "decode-sec", Lower: true},
		{Metric: ThroughputEncodeS, Title: "encode (s)", Bench: "encode-sec", Lower: true},
		{Metric: ThroughputTowerWaitS, Title: "tower wait (s)", Bench: "tower-wait-sec", Lower: true},
		{Metric: ThroughputScoreS, Title: "score (s)", Bench: "score-sec", Lower: true},
		{Metric: MetricMsMedian, Title: "ms (median)", Bench: "sec/op", Per: 1000, Lower: true},
		{Metric: MetricMsMin, Title: "ms (min)", Bench: "min-sec/op", Per: 1000, Lower: true},
		{Metric: MetricGFLOPS, Title: "GFLOP/s", Bench: "GFLOP/s"},
		{Metric: MetricGBPS, Title: "GB/s", Bench: "GB/s"},
		{Metric: MetricPeakGFLOPS, Title: "peak GFLOP/s"},
		{Metric: MetricPeakGBPS, Title: "peak GB/s"},
		{Metric: MetricFracPeak, Title: "fraction of peak", Bench: "frac-peak", Fraction: true},
		// The error against the float64 reference on fixed, seeded inputs is
		// one deterministic number per configuration, not a noisy sample.
		{Metric: MetricMaxAbsErr, Title: "max abs error", Bench: "max-abs-err", Lower: true, Assume: "exact"},
	} {
		RegisterUnit(u)
	}
}

// RegisterUnit adds a metric to the table. A metric registered twice, or
// two metrics sharing a benchmark unit, panic.
func RegisterUnit(u Unit) {
	unitsMu.Lock()
	defer unitsMu.Unlock()
	if _, dup := byName[u.Metric]; dup || u.Metric == "" {
		panic(fmt.Sprintf("reports: metric %q registered twice or unnamed", u.Metric))
	}
	for _, o := range units {
		if u.Bench != "" && o.Bench == u.Bench {
			panic(fmt.Sprintf("reports: metrics %q and %q share the benchmark unit %q", o.Metric, u.Metric, u.Bench))
		}
	}
	if u.Title == "" {
		u.Title = u.Metric
	}
	if u.Bench != "" && u.Assume == "" {
		u.Assume = "nothing"
	}
	byName[u.Metric] = len(units)
	units = append(units, u)
}

// LookupUnit returns the table's entry for a metric. A metric nobody
// registered gets a best guess (see [HigherIsBetter]) and ok = false.
func LookupUnit(metric string) (u Unit, ok bool) {
	unitsMu.RLock()
	i, ok := byName[metric]
	if ok {
		u = units[i]
	}
	unitsMu.RUnlock()
	if ok {
		return u, true
	}
	return Unit{Metric: metric, Title: metric, Lower: guessLower(metric),
		Fraction: strings.HasPrefix(metric, "acc") || strings.HasSuffix(metric, "recall")}, false
}

// BenchUnits lists the registered metrics that have a benchmark unit, in
// table order.
func BenchUnits() []Unit {
	unitsMu.RLock()
	defer unitsMu.RUnlock()
	var out []Unit
	for _, u := range units {
		if u.Bench != "" {
			out = append(out, u)
		}
	}
	return out
}

// guessLower is the direction of a metric the table does not hold: lower
// is better for timings and errors (names in ms or seconds, *err*,
// *loss*), higher otherwise (throughputs end in per_s).
func guessLower(metric string) bool {
	return strings.HasPrefix(metric, "ms_") || strings.HasSuffix(metric, "_ms") ||
		strings.HasSuffix(metric, "_s") && !strings.HasSuffix(metric, "per_s") ||
		strings.Contains(metric, "err") || strings.Contains(metric, "loss")
}

// MetricTitle returns a short display name of a metric key.
func MetricTitle(metric string) string {
	u, _ := LookupUnit(metric)
	return u.Title
}

// IsAccuracy reports whether a metric is a fraction in [0,1] (accuracies
// and recalls). Tolerances on such metrics are absolute; on others they are
// relative.
func IsAccuracy(metric string) bool {
	u, _ := LookupUnit(metric)
	return u.Fraction
}

// HigherIsBetter reports the direction of a metric: false for timings and
// errors, true otherwise (accuracies, throughputs, GFLOP/s).
func HigherIsBetter(metric string) bool {
	u, _ := LookupUnit(metric)
	return !u.Lower
}

// KnownMetrics lists the registered metric and throughput names in table
// order; the CI gate's tolerances must name one of them.
func KnownMetrics() []string {
	unitsMu.RLock()
	defer unitsMu.RUnlock()
	out := make([]string, 0, len(units))
	for _, u := range units {
		out = append(out, u.Metric)
	}
	return out
}
