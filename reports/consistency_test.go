package reports

import (
	"math"
	"strings"
	"testing"
)

func TestInconsistencies(t *testing.T) {
	good := Record{Task: TaskZeroShot, Model: "m", Dataset: "d", NSamples: 4, Metrics: Metrics{MetricAcc1: 0.75},
		Extra: map[string]any{ExtraCorrect: "1101"}}
	if p := good.Inconsistencies(); len(p) != 0 {
		t.Errorf("good record: %v", p)
	}
	rounded := good
	rounded.Metrics = Metrics{MetricAcc1: 0.750001}
	if p := rounded.Inconsistencies(); len(p) != 0 {
		t.Errorf("acc1 rounded to 6 digits: %v", p)
	}
	for name, c := range map[string]struct {
		r    Record
		want string
	}{
		"acc1 vs correct": {Record{NSamples: 4, Metrics: Metrics{MetricAcc1: 0.5}, Extra: map[string]any{ExtraCorrect: "1101"}}, "acc1 0.5 disagrees"},
		"length":          {Record{NSamples: 5, Metrics: Metrics{MetricAcc1: 0.75}, Extra: map[string]any{ExtraCorrect: "1101"}}, "has 4 samples but n_samples is 5"},
		"characters":      {Record{NSamples: 4, Extra: map[string]any{ExtraCorrect: "11x1"}}, "characters other than 0 and 1"},
		"type":            {Record{NSamples: 4, Extra: map[string]any{ExtraCorrect: 7.0}}, "is float64"},
		"fraction":        {Record{Metrics: Metrics{MetricAcc5: 1.5}}, "acc5 = 1.5 is outside [0, 1]"},
		"per class":       {Record{Extra: map[string]any{ExtraClasses: []any{"a", "b"}, ExtraPerClassAcc: []any{1.0}}}, "1 entries for 2 classes"},
	} {
		p := c.r.Inconsistencies()
		if len(p) == 0 || !strings.Contains(strings.Join(p, "; "), c.want) {
			t.Errorf("%s: %v, want %q", name, p, c.want)
		}
	}
	nan := Record{NSamples: 4, Metrics: Metrics{MetricAcc1: math.NaN()}, Extra: map[string]any{ExtraCorrect: "1101"}}
	if p := nan.Inconsistencies(); len(p) != 0 {
		t.Errorf("a NaN acc1 is reported as NaN, not as a disagreement: %v", p)
	}
}

func TestCheckConsistency(t *testing.T) {
	r := Record{Task: TaskZeroShot, Model: "m", Dataset: "d", NSamples: 2, Metrics: Metrics{MetricAcc1: 1}, Extra: map[string]any{ExtraCorrect: "11"}}
	if err := CheckConsistency("a.json", []Record{r}); err != nil {
		t.Fatal(err)
	}
	bad := r
	bad.Metrics = Metrics{MetricAcc1: 0}
	err := CheckConsistency("a.json", []Record{r, r, bad})
	for _, want := range []string{"a.json: record 1 (zeroshot/model=m/dataset=d/split=/k=0/seed=0): the same measurement as record 0", "a.json: record 2", "acc1 0 disagrees"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestRetrievalConsistency(t *testing.T) {
	good := func() Record {
		return Record{Task: TaskRetrieval, Model: "m", Dataset: "d", NSamples: 4,
			Metrics: Metrics{RecallMetric(ImageRetrieval, 1): 0.5, RecallMetric(TextRetrieval, 1): 0.75,
				RecallMetric(ImageRetrieval, 5): 1, RecallMetric(TextRetrieval, 5): 1},
			Params: map[string]any{ParamHitsK: 1.0, ParamCaptions: 6.0},
			Extra:  map[string]any{ExtraImageRetrievalHits: "110100", ExtraTextRetrievalHits: "1110"}}
	}
	r := good()
	if bad := r.Inconsistencies(); len(bad) != 0 {
		t.Fatalf("good record: %v", bad)
	}
	for _, tc := range []struct {
		edit func(*Record)
		want string
	}{
		{func(r *Record) { r.Extra[ExtraImageRetrievalHits] = "11010" }, "has 5 queries but n_captions is 6"},
		{func(r *Record) { r.Extra[ExtraTextRetrievalHits] = "1111" }, "disagrees with extra"},
		{func(r *Record) { r.Extra[ExtraTextRetrievalHits] = "11x0" }, "not a string of 0s and 1s"},
		{func(r *Record) { r.Metrics[RecallMetric(TextRetrieval, 5)] = 0.5 }, "less than text_retrieval_recall@1"},
	} {
		r := good()
		tc.edit(&r)
		if bad := strings.Join(r.Inconsistencies(), "; "); !strings.Contains(bad, tc.want) {
			t.Errorf("want %q, got %q", tc.want, bad)
		}
	}
}
