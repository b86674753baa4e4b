package reports

import (
	"fmt"
	"math"
	"strings"
)

// Inconsistencies lists what is wrong inside one record, so that nothing
// computes on a record whose fields disagree: per-sample correctness
// (extra "correct") that is not a string of 0s and 1s, whose length is
// not n_samples, or whose mean is not the record's acc1; and, when the
// record carries them, per-class accuracies whose count is not the class
// count. A failed record (Error set) has none.
func (r *Record) Inconsistencies() []string {
	if r.Error != "" {
		return nil
	}
	var out []string
	if raw, ok := r.Extra[ExtraCorrect]; ok {
		s, isStr := raw.(string)
		switch {
		case !isStr:
			out = append(out, fmt.Sprintf("extra %q is %T, want a string of 0s and 1s", ExtraCorrect, raw))
		case strings.Trim(s, "01") != "":
			out = append(out, fmt.Sprintf("extra %q holds characters other than 0 and 1", ExtraCorrect))
		case len(s) != r.NSamples:
			out = append(out, fmt.Sprintf("extra %q has %d samples but n_samples is %d", ExtraCorrect, len(s), r.NSamples))
		default:
			if acc, ok := r.Metrics[MetricAcc1]; ok && len(s) > 0 && !math.IsNaN(acc) {
				// A different count of correct samples is at least 1/n away;
				// a rounded acc1 stays within half of that.
				mean := float64(strings.Count(s, "1")) / float64(len(s))
				if math.Abs(mean-acc) >= 0.5/float64(len(s)) {
					out = append(out, fmt.Sprintf("acc1 %v disagrees with extra %q (%d of %d correct = %v)", acc, ExtraCorrect, strings.Count(s, "1"), len(s), mean))
				}
			}
		}
	}
	out = append(out, r.retrievalInconsistencies()...)
	if idx, _, ok, err := r.Top5(); ok {
		if err != nil {
			out = append(out, err.Error())
		} else if classes, isList := r.Extra[ExtraClasses].([]any); isList {
			for i, c := range idx {
				if int(c) >= len(classes) {
					out = append(out, fmt.Sprintf("extra %q: entry %d names class %d of %d", ExtraTop5, i, c, len(classes)))
					break
				}
			}
		}
	}
	if classes, ok := r.Extra[ExtraClasses].([]any); ok {
		if pc, ok := r.Extra[ExtraPerClassAcc].([]any); ok && len(pc) != len(classes) {
			out = append(out, fmt.Sprintf("extra %q has %d entries for %d classes", ExtraPerClassAcc, len(pc), len(classes)))
		}
	}
	for k, v := range r.Metrics {
		if u, _ := LookupUnit(k); u.Fraction && !math.IsNaN(v) && (v < 0 || v > 1) {
			out = append(out, fmt.Sprintf("metric %s = %v is outside [0, 1]", k, v))
		}
	}
	return out
}

// retrievalInconsistencies checks a retrieval record's hit strings: 0s and
// 1s, one per caption (image retrieval) or per image (text retrieval), and
// their means equal to the recalls at hits_k.
func (r *Record) retrievalInconsistencies() []string {
	if r.Task != TaskRetrieval {
		return nil
	}
	var out []string
	k := r.ParamInt(ParamHitsK)
	for _, c := range []struct {
		key, dir string
		n        int
		of       string
	}{{ExtraImageRetrievalHits, ImageRetrieval, r.ParamInt(ParamCaptions), "n_captions"}, {ExtraTextRetrievalHits, TextRetrieval, r.NSamples, "n_samples"}} {
		raw, ok := r.Extra[c.key]
		if !ok {
			continue
		}
		s, isStr := raw.(string)
		switch {
		case !isStr || strings.Trim(s, "01") != "":
			out = append(out, fmt.Sprintf("extra %q is not a string of 0s and 1s", c.key))
		case len(s) != c.n:
			out = append(out, fmt.Sprintf("extra %q has %d queries but %s is %d", c.key, len(s), c.of, c.n))
		case len(s) > 0:
			m := RecallMetric(c.dir, k)
			if v, ok := r.Metrics[m]; ok && !math.IsNaN(v) {
				mean := float64(strings.Count(s, "1")) / float64(len(s))
				if math.Abs(mean-v) >= 0.5/float64(len(s)) {
					out = append(out, fmt.Sprintf("%s %v disagrees with extra %q (%d of %d = %v)", m, v, c.key, strings.Count(s, "1"), len(s), mean))
				}
			}
		}
	}
	// Recall cannot fall as k grows.
	for _, dir := range []string{ImageRetrieval, TextRetrieval} {
		prev, prevK := -1.0, 0
		for _, kk := range r.RecallKs() {
			v, ok := r.Metrics[RecallMetric(dir, kk)]
			if !ok || math.IsNaN(v) {
				continue
			}
			if v < prev {
				out = append(out, fmt.Sprintf("%s is %v, less than %s = %v", RecallMetric(dir, kk), v, RecallMetric(dir, prevK), prev))
			}
			prev, prevK = v, kk
		}
	}
	return out
}

// CheckConsistency returns an error listing every inconsistent record and
// every measurement present twice in recs (path names the file), or nil.
// compare, merge and the CI gate refuse such files rather than compute on
// them.
func CheckConsistency(path string, recs []Record) error {
	var lines []string
	seen := map[string]int{}
	for i := range recs {
		r := &recs[i]
		for _, p := range r.Inconsistencies() {
			lines = append(lines, fmt.Sprintf("%s: %s", Where(path, i, r), p))
		}
		if r.Error != "" {
			continue
		}
		id := r.Identity()
		if j, dup := seen[id]; dup {
			lines = append(lines, fmt.Sprintf("%s: the same measurement as record %d", Where(path, i, r), j))
			continue
		}
		seen[id] = i
	}
	if len(lines) == 0 {
		return nil
	}
	if len(lines) > 10 {
		lines = append(lines[:10], fmt.Sprintf("... and %d more", len(lines)-10))
	}
	return fmt.Errorf("%s: inconsistent records:\n  %s", path, strings.Join(lines, "\n  "))
}
