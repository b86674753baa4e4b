package plots

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/reports"
)

// toSparse returns a copy of a record whose dense confusion extra (as
// decoded from JSON) is replaced by the sparse triples of the same counts,
// in the decoded JSON form too.
func toSparse(t *testing.T, r reports.Record) reports.Record {
	t.Helper()
	extra := map[string]any{}
	for k, v := range r.Extra {
		extra[k] = v
	}
	var triples []any
	for i, row := range r.Extra[reports.ExtraConfusion].([]any) {
		for j, v := range row.([]any) {
			if v.(float64) != 0 {
				triples = append(triples, []any{float64(i), float64(j), v})
			}
		}
	}
	delete(extra, reports.ExtraConfusion)
	extra[reports.ExtraConfusionSparse] = triples
	r.Extra = extra
	return r
}

func findRecord(t *testing.T, recs []reports.Record, model, dataset string) reports.Record {
	t.Helper()
	for _, r := range recs {
		if r.Task == reports.TaskZeroShot && r.Model == model && r.Dataset == dataset {
			return r
		}
	}
	t.Fatalf("no zero-shot record of %s on %s", model, dataset)
	return reports.Record{}
}

// The sparse form of the fixture's RN50/mnist matrix reads as the same
// matrix and draws the same golden image as the dense form.
func TestConfusionSparseMatchesDense(t *testing.T) {
	dense := findRecord(t, fixture(t), "RN50", "mnist")
	sparse := toSparse(t, dense)
	wantM, wantN, err := ConfusionMatrix(&dense)
	if err != nil {
		t.Fatal(err)
	}
	gotM, gotN, err := ConfusionMatrix(&sparse)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotM, wantM) || !reflect.DeepEqual(gotN, wantN) {
		t.Errorf("sparse read %v %v, want %v %v", gotM, gotN, wantM, wantN)
	}
	figs, notes := confusions([]reports.Record{sparse}, []string{"RN50/mnist"})
	if len(figs) != 1 || len(notes) != 0 {
		t.Fatalf("%d figures, notes %v", len(figs), notes)
	}
	checkGolden(t, figs[0])
}

// A record built in memory ([][3]int, as Classify makes it) survives a
// results.json round trip.
func TestConfusionSparseRoundTrip(t *testing.T) {
	r := reports.Record{Task: reports.TaskZeroShot, Model: "m", Dataset: "d", Metrics: reports.Metrics{reports.MetricAcc1: 0.5},
		Extra: map[string]any{
			reports.ExtraClasses:         []string{"a", "b", "c"},
			reports.ExtraConfusionSparse: [][3]int{{0, 0, 2}, {0, 2, 1}, {2, 1, 3}},
		}}
	want := [][]float64{{2, 0, 1}, {0, 0, 0}, {0, 3, 0}}
	m, names, err := ConfusionMatrix(&r)
	if err != nil || !reflect.DeepEqual(m, want) || strings.Join(names, ",") != "a,b,c" {
		t.Fatalf("in memory: %v %v %v", m, names, err)
	}
	p := filepath.Join(t.TempDir(), "results.json")
	if err := reports.WriteResults(p, []reports.Record{r}); err != nil {
		t.Fatal(err)
	}
	recs, err := reports.ReadResults(p)
	if err != nil {
		t.Fatal(err)
	}
	m, names, err = ConfusionMatrix(&recs[0])
	if err != nil || !reflect.DeepEqual(m, want) || strings.Join(names, ",") != "a,b,c" {
		t.Fatalf("from results.json: %v %v %v", m, names, err)
	}
	// Without class names the class count is the largest index + 1.
	delete(r.Extra, reports.ExtraClasses)
	if m, names, err = ConfusionMatrix(&r); err != nil || len(m) != 3 || strings.Join(names, ",") != "0,1,2" {
		t.Errorf("no class names: %v %v %v", m, names, err)
	}
}

// sparseRecord is a zero-shot record over c classes with a few counts.
func sparseRecord(c int) reports.Record {
	classes := make([]string, c)
	for i := range classes {
		classes[i] = fmt.Sprint("class ", i)
	}
	return reports.Record{Task: reports.TaskZeroShot, Model: "m", Dataset: fmt.Sprint("c", c), Metrics: reports.Metrics{reports.MetricAcc1: 0.5},
		Extra: map[string]any{
			reports.ExtraClasses:         classes,
			reports.ExtraConfusionSparse: [][3]int{{0, 0, 5}, {0, c - 1, 1}, {c / 2, c / 2, 2}, {c - 1, 3, 4}},
		}}
}

// Above MaxAutoClasses a sparse matrix is drawn only on request; above
// MaxDrawClasses (ImageNet-21k) never, with one note saying why.
func TestConfusionSparseLimits(t *testing.T) {
	mid, huge := sparseRecord(1500), sparseRecord(21841)
	recs := []reports.Record{mid, huge}
	figs, notes := confusions(recs, nil)
	want := []string{"confusion matrix of m/c1500 left out: 1500 classes (ask for it with --confusion m/c1500)",
		"confusion matrix of m/c21841 left out: 21841 classes, more than the 2048 a plot draws"}
	if len(figs) != 0 || !reflect.DeepEqual(notes, want) {
		t.Errorf("unasked: %d figures, notes %q", len(figs), notes)
	}

	figs, notes = confusions(recs, []string{"m/c1500", "m/c21841"})
	if len(figs) != 1 || figs[0].Name != "confusion_m_c1500" {
		t.Fatalf("asked: %d figures", len(figs))
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "zeroshot/model=m/dataset=c21841/split=/k=0/seed=0: 21841 classes, more than the 2048 a confusion matrix plot draws") {
		t.Errorf("asked: notes %q", notes)
	}
	if _, err := figs[0].Render("png"); err != nil {
		t.Error(err)
	}
	m, _, err := ConfusionMatrix(&mid)
	if err != nil || len(m) != 1500 || m[0][1499] != 1 || m[750][750] != 2 || m[1499][3] != 4 || m[1][1] != 0 {
		t.Errorf("1500 classes: %d rows, %v", len(m), err)
	}
}

func TestConfusionSparseChecks(t *testing.T) {
	classes := []any{"a", "b", "c"}
	bad := []struct {
		sparse any
		want   string
	}{
		{"x", `extra "confusion_sparse" is string, want a list of [true, predicted, count] triples`},
		{[]any{[]any{0.0, 0.0, 1.0}, []any{1.0, 2.0}}, `extra "confusion_sparse" entry 1: [1 2] is not a [true, predicted, count] triple`},
		{[]any{"0,0,1"}, `extra "confusion_sparse" entry 0: 0,0,1 is not a [true, predicted, count] triple`},
		{[]any{[]any{0.0, 0.5, 1.0}}, `extra "confusion_sparse" entry 0: [0 0.5 1]: element 1 is not a non-negative integer`},
		{[]any{[]any{0.0, 1.0, 2.0}, []any{-1.0, 0.0, 1.0}}, `extra "confusion_sparse" entry 1: [-1 0 1]: element 0 is not a non-negative integer`},
		{[]any{[]any{0.0, 1.0, "2"}}, `extra "confusion_sparse" entry 0: [0 1 2]: element 2 is not a non-negative integer`},
		{[]any{[]any{0.0, 3.0, 1.0}}, `extra "confusion_sparse" entry 0: pair (0, 3) outside the 3 classes 0..2`},
		{[]any{[]any{0.0, 1.0, 0.0}}, `extra "confusion_sparse" entry 0: count 0, want at least 1`},
		{[]any{[]any{1.0, 0.0, 1.0}, []any{0.0, 2.0, 1.0}}, `extra "confusion_sparse" entry 1: pair (0, 2) after (1, 0), want each pair once, sorted by true then predicted class`},
		{[]any{[]any{1.0, 1.0, 1.0}, []any{1.0, 1.0, 2.0}}, `extra "confusion_sparse" entry 1: pair (1, 1) after (1, 1)`},
		{[][3]int{{0, 0, 1}, {0, -2, 1}}, `extra "confusion_sparse" entry 1: negative class in pair (0, -2)`},
	}
	for _, c := range bad {
		r := &reports.Record{Task: reports.TaskZeroShot, Model: "m", Dataset: "d",
			Extra: map[string]any{reports.ExtraConfusionSparse: c.sparse, reports.ExtraClasses: classes}}
		_, _, err := ConfusionMatrix(r)
		if err == nil || !strings.Contains(err.Error(), "zeroshot/model=m/dataset=d/split=/k=0/seed=0: "+c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
		// The report notes the record and draws nothing.
		figs, notes := confusions([]reports.Record{*r}, nil)
		if len(figs) != 0 || len(notes) != 1 || !strings.Contains(notes[0], c.want) {
			t.Errorf("report: %d figures, notes %q, want %q", len(figs), notes, c.want)
		}
	}
}
