package plots

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/cmpimg"

	"github.com/evalclip/evalclip/internal/golden"
	"github.com/evalclip/evalclip/reports"
)

// The records come from tools/fixtures/make_report_records.py; the golden
// images were rendered by this package (go test -update) and inspected by
// eye. Rendering is pure Go (vgimg, vgsvg, embedded Liberation fonts), so
// the same records give the same bytes.
func fixture(t *testing.T) []reports.Record {
	t.Helper()
	recs, err := reports.ReadResults(filepath.Join("..", "testdata", "results_a.json"))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func checkGolden(t *testing.T, f *Figure) {
	t.Helper()
	if f == nil {
		t.Fatal("no figure")
	}
	finish(f, WidthPage) // as Build styles every figure
	for _, format := range Formats {
		got, err := f.Render(format)
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", f.Name+"_golden."+format), got, func(got, want []byte) (bool, error) {
			return cmpimg.EqualApprox(format, got, want, 0.01)
		})
	}
}

func TestGoldenFewShot(t *testing.T) {
	checkGolden(t, FewShot(reports.GroupSeeds(fixture(t)), "pets"))
}

func TestGoldenVsSupervised(t *testing.T) {
	checkGolden(t, VsSupervised(reports.GroupSeeds(fixture(t))))
}

func TestGoldenThroughput(t *testing.T) {
	checkGolden(t, Throughput(reports.GroupSeeds(fixture(t))))
}

func TestGoldenRoofline(t *testing.T) {
	checkGolden(t, Roofline(fixture(t)))
}

func TestGoldenConfusion(t *testing.T) {
	recs := fixture(t)
	figs, notes := confusions(recs, []string{"RN50/mnist", "nobody/nowhere"})
	if len(figs) != 1 || len(notes) != 1 || !strings.Contains(notes[0], "no confusion matrix for nobody/nowhere") {
		t.Fatalf("%d figures, notes %v", len(figs), notes)
	}
	checkGolden(t, figs[0])
}

func TestGoldenHumans(t *testing.T) {
	checkGolden(t, Humans(reports.GroupSeeds(fixture(t))))
}

func TestBuildAll(t *testing.T) {
	figs, notes := Build(fixture(t), Options{})
	var names []string
	for _, f := range figs {
		names = append(names, f.Name)
	}
	want := "fewshot_pets,fewshot_mnist,zeroshot_vs_supervised,accuracy_vs_throughput,roofline," +
		"confusion_ViT-B-32_pets,confusion_ViT-B-32_mnist,confusion_RN50_pets,confusion_RN50_mnist,confusion_tinyclip_mnist,pets_humans"
	if strings.Join(names, ",") != want || len(notes) != 0 {
		t.Errorf("figures %s, notes %v", strings.Join(names, ","), notes)
	}
	if figs, _ := Build(nil, Options{}); len(figs) != 0 {
		t.Errorf("%d figures from no records", len(figs))
	}
}

func TestNoBaselineAndNaN(t *testing.T) {
	// digits has no published supervised probe and no pets: the Figure 5
	// and humans plots are left out, not broken; NaN scores are skipped.
	recs := []reports.Record{
		{Task: reports.TaskZeroShot, Model: "m", Dataset: "digits", Metrics: reports.Metrics{reports.MetricAcc1: 0.5}},
		{Task: reports.TaskLinearProbe, Model: "m", Dataset: "digits", K: 1, Metrics: reports.Metrics{reports.MetricAcc1: nan()}},
	}
	figs, _ := Build(recs, Options{})
	for _, f := range figs {
		if f.Name == "zeroshot_vs_supervised" || f.Name == "pets_humans" || f.Name == "fewshot_digits" {
			t.Errorf("unexpected figure %s", f.Name)
		}
		if _, err := f.Render("png"); err != nil {
			t.Error(err)
		}
	}
	if _, err := (&Figure{Name: "x"}).Render("gif"); err == nil || !strings.Contains(err.Error(), `unknown format "gif"`) {
		t.Errorf("gif: %v", err)
	}
}

func TestConfusionMatrixChecks(t *testing.T) {
	bad := []struct {
		extra map[string]any
		want  string
	}{
		{map[string]any{}, `no "confusion" or "confusion_sparse" in extra`},
		{map[string]any{"confusion": "x"}, "want a list of rows"},
		{map[string]any{"confusion": []any{[]any{1.0, 2.0}}}, "row 0: want 1 counts"},
		{map[string]any{"confusion": []any{[]any{-1.0}}}, "is not a count"},
		{map[string]any{"confusion": []any{[]any{1.0}}, "classes": []any{"a", "b"}}, "2 class names for a 1x1 confusion matrix"},
		{map[string]any{"confusion": make([]any, MaxDrawClasses+1)}, "2049 classes, more than the 2048 a confusion matrix plot draws"},
	}
	for _, c := range bad {
		r := &reports.Record{Task: reports.TaskZeroShot, Model: "m", Dataset: "d", Extra: c.extra}
		if _, _, err := ConfusionMatrix(r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
}

func nan() float64 { var z float64; return z / z }

// TestEveryPlotRenders: any legal suite's records draw (or are left out
// with a note), never a panic: one shot count, one point, one model, one
// class, full data only, all-NaN metrics.
func TestEveryPlotRenders(t *testing.T) {
	nan := math.NaN()
	rec := func(task, model, dataset string, k, seed int, acc float64) reports.Record {
		return reports.Record{Task: task, Model: model, Dataset: dataset, Split: "test", K: k, Seed: seed, NSamples: 2,
			Metrics:    reports.Metrics{reports.MetricAcc1: acc, reports.MetricMeanPerClassRecall: acc},
			Throughput: reports.Metrics{reports.ThroughputTowerImagesPerS: 100},
			Extra:      map[string]any{reports.ExtraClasses: []any{"a"}, reports.ExtraConfusion: []any{[]any{2.0}}}}
	}
	for name, recs := range map[string][]reports.Record{
		"one shot count, two seeds": {rec(reports.TaskLinearProbe, "m", "pets", 1, 0, 0.5), rec(reports.TaskLinearProbe, "m", "pets", 1, 1, 0.6)},
		"full data only":            {rec(reports.TaskLinearProbe, "m", "pets", 0, 0, 0.9), rec(reports.TaskZeroShot, "m", "pets", 0, 0, 0.8)},
		"one zero-shot point":       {rec(reports.TaskZeroShot, "m", "mnist", 0, 0, 1)},
		"all NaN":                   {rec(reports.TaskZeroShot, "m", "pets", 0, 0, nan), rec(reports.TaskLinearProbe, "m", "pets", 2, 0, nan)},
		"perfect and zero":          {rec(reports.TaskLinearProbe, "m", "d", 4, 0, 1), rec(reports.TaskLinearProbe, "m", "d", 8, 0, 0)},
	} {
		figs, _ := Build(recs, Options{Width: WidthColumn})
		for _, f := range figs {
			for _, format := range Formats {
				if _, err := f.Render(format); err != nil {
					t.Errorf("%s: %s.%s: %v", name, f.Name, format, err)
				}
			}
		}
	}
}
