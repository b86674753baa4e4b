package reports

import (
	"fmt"
	"strings"
)

// MetricTitle returns a short display name of a metric key.
func MetricTitle(metric string) string {
	switch metric {
	case MetricAcc1:
		return "top-1"
	case MetricAcc5:
		return "top-5"
	case MetricMeanPerClassRecall:
		return "mean per class"
	}
	return metric
}

// IsAccuracy reports whether a metric is a fraction in [0,1] (accuracies
// and recalls). Tolerances on such metrics are absolute; on others they are
// relative.
func IsAccuracy(metric string) bool {
	switch metric {
	case MetricAcc1, MetricAcc5, MetricMeanPerClassRecall, MetricFracPeak:
		return true
	}
	return strings.HasPrefix(metric, "acc") || strings.HasSuffix(metric, "recall")
}

// HigherIsBetter reports the direction of a metric: false for timings and
// errors (ms_median, ms_min, max_abs_err, anything in ms or seconds), true
// otherwise (accuracies, throughputs, GFLOP/s).
func HigherIsBetter(metric string) bool {
	switch metric {
	case MetricMsMedian, MetricMsMin, MetricMaxAbsErr:
		return false
	}
	return !(strings.HasPrefix(metric, "ms_") || strings.HasSuffix(metric, "_ms") ||
		strings.HasSuffix(metric, "_s") && !strings.HasSuffix(metric, "per_s") ||
		strings.Contains(metric, "err") || strings.Contains(metric, "loss"))
}

// KnownMetrics lists the metric and throughput names evalclip's tasks write;
// the CI gate's tolerances must name one of them.
func KnownMetrics() []string {
	return []string{MetricAcc1, MetricAcc5, MetricMeanPerClassRecall,
		MetricMsMedian, MetricMsMin, MetricGFLOPS, MetricGBPS, MetricPeakGFLOPS, MetricPeakGBPS,
		MetricFracPeak, MetricMaxAbsErr, ThroughputImagesPerS, ThroughputTowerImagesPerS}
}

// Value returns a record's metric or throughput value by name, and whether
// the record has it.
func (r *Record) Value(name string) (float64, bool) {
	if v, ok := r.Metrics[name]; ok {
		return v, true
	}
	v, ok := r.Throughput[name]
	return v, ok
}

// Supervised reports whether the record is a linear probe on a supervised
// backbone (params "supervised": true), i.e. a baseline.
func (r *Record) Supervised() bool {
	b, _ := r.Params[ParamSupervised].(bool)
	return b
}

// ParamFloat returns a numeric param (JSON numbers decode as float64).
func (r *Record) ParamFloat(key string) (float64, bool) {
	switch v := r.Params[key].(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// ParamString returns a param formatted as text ("" when absent).
func (r *Record) ParamString(key string) string {
	switch v := r.Params[key].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}
