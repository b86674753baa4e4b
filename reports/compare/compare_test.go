package compare

import (
	"bytes"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/reports"
)

func load(t *testing.T, name string) []reports.Record {
	t.Helper()
	recs, err := reports.ReadResults(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func find(rows []Row, id string) *Row {
	for i := range rows {
		if rows[i].ID() == id {
			return &rows[i]
		}
	}
	return nil
}

// TestFixtureRegression: results_b lost 22 of 370 pets samples for
// ViT-B-32 (tools/fixtures/make_report_records.py), a significant drop;
// RN50 on mnist swapped 2 samples each way, not significant.
func TestFixtureRegression(t *testing.T) {
	rows := Compare(load(t, "results_a.json"), load(t, "results_b.json"), Options{Seed: 1})
	r := find(rows, "zeroshot/model=ViT-B-32/dataset=pets")
	if r == nil || !r.Paired || r.Verdict() != "worse" || math.Abs(r.Delta+22.0/370) > 1e-6 || !(r.Hi < 0) {
		t.Fatalf("ViT-B-32 pets: %+v", r)
	}
	r = find(rows, "zeroshot/model=RN50/dataset=mnist")
	if r == nil || r.Verdict() != "same" || r.Delta != 0 || !(r.Lo < 0 && r.Hi > 0) {
		t.Fatalf("RN50 mnist: %+v", r)
	}
	if b, w := Count(rows); b != 0 || w != 1 {
		t.Errorf("better %d worse %d", b, w)
	}
	r = find(rows, "linear_probe/model=ViT-B-32/dataset=pets/k=4")
	if r == nil || r.Delta != 0 || r.Verdict() != "same" {
		t.Errorf("probe: %+v", r)
	}
	for _, f := range Formats {
		var b bytes.Buffer
		if err := Write(&b, rows, f, 0.95); err != nil || !strings.Contains(b.String(), "ViT-B-32") {
			t.Errorf("%s: %v", f, err)
		}
	}
	var b bytes.Buffer
	Write(&b, rows, "text", 0.95)
	if !strings.Contains(b.String(), "1 significantly worse, 0 significantly better") {
		t.Errorf("text:\n%s", b.String())
	}
}

// naiveInterval resamples sample indices directly: the reference the
// bucketed multinomial bootstrap must agree with.
func naiveInterval(oldC, newC []float64, reps int, seed uint64) (lo, hi float64) {
	rng := rand.New(rand.NewPCG(seed, 9))
	n := len(oldC)
	out := make([]float64, reps)
	for r := range out {
		var s float64
		for i := 0; i < n; i++ {
			j := rng.IntN(n)
			s += newC[j] - oldC[j]
		}
		out[r] = s / float64(n)
	}
	sort.Float64s(out)
	return quantile(out, 0.025), quantile(out, 0.975)
}

func TestBootstrapMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 400
	o, nw := make([]float64, n), make([]float64, n)
	var so, sn strings.Builder
	for i := 0; i < n; i++ {
		if rng.Float64() < 0.7 {
			o[i] = 1
		}
		nw[i] = o[i]
		if rng.Float64() < 0.15 {
			nw[i] = 1 - nw[i]
		}
		so.WriteByte('0' + byte(o[i]))
		sn.WriteByte('0' + byte(nw[i]))
	}
	mk := func(s string, acc float64) *reports.Group {
		return &reports.Group{Task: reports.TaskZeroShot, Model: "m", Dataset: "d", Records: []*reports.Record{{
			Task: reports.TaskZeroShot, Model: "m", Dataset: "d", Metrics: reports.Metrics{reports.MetricAcc1: acc},
			Extra: map[string]any{reports.ExtraCorrect: s}}}}
	}
	mean := func(v []float64) float64 {
		var s float64
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	r := Delta(mk(so.String(), mean(o)), mk(sn.String(), mean(nw)), Options{Resamples: 20000, Seed: 5}, nil)
	lo, hi := naiveInterval(o, nw, 20000, 6)
	if math.Abs(r.Lo-lo) > 0.004 || math.Abs(r.Hi-hi) > 0.004 {
		t.Errorf("bucketed [%v, %v] vs naive [%v, %v]", r.Lo, r.Hi, lo, hi)
	}
	// unpaired: different lengths
	short := mk(sn.String()[:300], mean(nw[:300]))
	u := Delta(mk(so.String(), mean(o)), short, Options{Seed: 5}, nil)
	if u.Paired || math.IsNaN(u.Lo) || !(u.Hi-u.Lo > r.Hi-r.Lo) {
		t.Errorf("unpaired %+v (paired width %v)", u, r.Hi-r.Lo)
	}
}

func TestRowsWithoutInterval(t *testing.T) {
	g := func(m reports.Metrics, extra map[string]any) []reports.Record {
		return []reports.Record{{Task: reports.TaskZeroShot, Model: "m", Dataset: "d", Metrics: m, Extra: extra}}
	}
	cases := []struct {
		old, new []reports.Record
		opt      Options
		want     string
	}{
		{g(reports.Metrics{"acc1": 0.5}, nil), g(reports.Metrics{"acc1": 0.6}, nil), Options{}, "delta only, no interval: zeroshot/model=m/dataset=d/split=/k=0/seed=0 stores no per-sample outcomes for acc1"},
		{g(reports.Metrics{"acc1": 0.5}, nil), g(reports.Metrics{"acc1": math.NaN()}, nil), Options{}, "metric missing or NaN in NEW"},
		{g(reports.Metrics{"acc5": 0.5}, map[string]any{"correct": "01"}), g(reports.Metrics{"acc5": 0.6}, map[string]any{"correct": "11"}), Options{Metric: "acc5"}, "per-sample outcomes measure acc1 only"},
		{g(reports.Metrics{"acc1": 0.5}, map[string]any{"correct": "01x"}), g(reports.Metrics{"acc1": 0.5}, map[string]any{"correct": "010"}), Options{}, `sample 2 is 'x'`},
		{g(reports.Metrics{"acc1": 0.5}, nil), nil, Options{}, "only in OLD"},
		{nil, g(reports.Metrics{"acc1": 0.5}, nil), Options{}, "only in NEW"},
	}
	for _, c := range cases {
		rows := Compare(c.old, c.new, c.opt)
		if len(rows) != 1 || !strings.Contains(rows[0].Note, c.want) || rows[0].Significant {
			t.Errorf("want %q, got %+v", c.want, rows)
		}
	}
}

// TestRetrievalIntervals: retrieval records are compared on text-to-image
// recall at their smallest k by default, with a paired bootstrap over the
// captions' hits; image-to-text recall over the images' hits on request.
func TestRetrievalIntervals(t *testing.T) {
	rec := func(img, txt string) []reports.Record {
		count := func(s string) float64 { return float64(strings.Count(s, "1")) / float64(len(s)) }
		return []reports.Record{{Task: reports.TaskRetrieval, Model: "m", Dataset: "flickr", NSamples: len(txt),
			Metrics: reports.Metrics{reports.RecallMetric(reports.ImageRetrieval, 1): count(img), reports.RecallMetric(reports.TextRetrieval, 1): count(txt),
				reports.RecallMetric(reports.ImageRetrieval, 5): 1, reports.RecallMetric(reports.TextRetrieval, 5): 1},
			Params: map[string]any{reports.ParamHitsK: 1.0, reports.ParamCaptions: float64(len(img))},
			Extra:  map[string]any{reports.ExtraImageRetrievalHits: img, reports.ExtraTextRetrievalHits: txt}}}
	}
	old := rec(strings.Repeat("0", 400)+strings.Repeat("1", 600), strings.Repeat("01", 100))
	new := rec(strings.Repeat("1", 1000), strings.Repeat("01", 100))
	rows := Compare(old, new, Options{})
	if len(rows) != 1 {
		t.Fatalf("rows %+v", rows)
	}
	r := rows[0]
	if r.Metric != "image_retrieval_recall@1" || !r.Paired || !r.Significant || !r.Better || math.Abs(r.Delta-0.4) > 1e-12 || !(r.Lo > 0.3) {
		t.Errorf("text to image: %+v", r)
	}
	rows = Compare(old, new, Options{Metric: "text_retrieval_recall@1"})
	if r := rows[0]; r.Delta != 0 || r.Significant || math.IsNaN(r.Lo) {
		t.Errorf("image to text: %+v", r)
	}
	rows = Compare(old, new, Options{Metric: "text_retrieval_recall@5"})
	if r := rows[0]; !math.IsNaN(r.Lo) || !strings.Contains(r.Note, "measure image_retrieval_recall@1 only") {
		t.Errorf("recall@5 has no per-query data: %+v", r)
	}
}

// TestDisagreements lists the samples two runs judge differently: the
// fixture's ViT-B-32 pets regression flips samples from right to wrong.
func TestDisagreements(t *testing.T) {
	a, _ := reports.ReadResults(filepath.Join("..", "testdata", "results_a.json"))
	b, _ := reports.ReadResults(filepath.Join("..", "testdata", "results_b.json"))
	ds := Disagreements(a, b)
	var pets *Disagreement
	for i := range ds {
		if ds[i].ID == "zeroshot/model=ViT-B-32/dataset=pets" {
			pets = &ds[i]
		}
	}
	if pets == nil || pets.Worse <= pets.Better || len(pets.Samples) != pets.Worse+pets.Better+pets.Changed {
		t.Fatalf("%+v", pets)
	}
	var buf bytes.Buffer
	WriteSamples(&buf, []Disagreement{*pets}, 2)
	if s := buf.String(); !strings.Contains(s, "zeroshot/model=ViT-B-32/dataset=pets seed 0:") || !strings.Contains(s, "OLD right -> NEW wrong") || !strings.Contains(s, "more (--samples-limit)") {
		t.Errorf("%s", s)
	}
}
