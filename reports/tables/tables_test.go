package tables

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/internal/golden"
	"github.com/evalclip/evalclip/reports"
)

// The fixture records come from tools/fixtures/make_report_records.py; the
// golden outputs were produced by this package (go test -update) and
// checked by hand against the fixture's numbers and the CLIP paper.
func fixture(t *testing.T) []reports.Record {
	t.Helper()
	recs, err := reports.ReadResults(filepath.Join("..", "testdata", "results_a.json"))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got, nil)
}

func TestGoldenTables(t *testing.T) {
	tbls := Build(fixture(t))
	var names []string
	for _, tb := range tbls {
		names = append(names, tb.Name)
	}
	if got := strings.Join(names, ","); got != "zeroshot,zeroshot_detail,fewshot,zeroshot_vs_supervised,throughput,kernels" {
		t.Fatalf("tables %s", got)
	}
	var md, tex, js bytes.Buffer
	if err := WriteMarkdown(&md, tbls); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "report.md", md.Bytes())
	if err := WriteLaTeX(&tex, tbls); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "report.tex", tex.Bytes())
	if err := WriteJSON(&js, tbls); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "tables.json", js.Bytes())
	for _, tb := range tbls {
		var b bytes.Buffer
		if err := WriteCSV(&b, tb); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, tb.Name+".csv", b.Bytes())
	}
}

func TestTableContents(t *testing.T) {
	var md bytes.Buffer
	WriteMarkdown(&md, Build(fixture(t)))
	s := md.String()
	for _, want := range []string{
		"| ViT-B-32 | 86.8 | 55.3 |", // zero-shot matrix, paper metric
		// the fixture's splits are subsets and its models bare names: no paper row, and why
		"- ViT-B-32 on pets: not compared with CLIP paper ViT-B/32: unknown model identity (a name alone; set open_clip and pretrained on the model, or pull it from the Hub); 370 samples, the official test split has 3669",
		"| ViT-B-32 | mnist | test | 300 | top-1 | 55.3 | 55.3 | 84.7 | 55.3 | not comparable | – | not comparable | – |",
		"| tinyclip | mnist | test | 300 | top-1 | 29.3 | 29.3 | 74.7 | NaN | no baseline | – | no baseline | – |", // NaN and no baseline
		"| ViT-B-32 | CLIP | pets | all | 3 | mean per class | 90.6 ± 1.6 |",                                       // mean ± std over seeds
		"| resnet50-sup | supervised | pets | 1 | 3 |",                                                             // supervised backbone as a baseline
		"| ViT-B-32 | pets | mean per class | 86.8 | linear probe resnet50-sup (supervised) | 89.5 ± 2.8 | -2.8 |", // Figure 5 table
		"| ViT-B-32 | pets | cuda | 86.8 | 310.0 | 455.5 | 2.195 | 64 | 140.5 |",                                   // throughput
		"| cuda-tiled | fp16 | 50000x1000x512 | 5 | NVIDIA H100 80GB HBM3 | 0.346 |",                               // kernels
	} {
		if !strings.Contains(s, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(s, "tinyclip | mnist | 4") {
		t.Error("a failed job made it into a table")
	}
}

func TestEscaping(t *testing.T) {
	tb := &Table{Name: "x", Title: "50% a_b & c", Columns: []Column{{Key: "k", Title: "a|b"}}, Rows: [][]Cell{{Txt("x_y|z")}}}
	var md, tex, h bytes.Buffer
	WriteMarkdown(&md, []*Table{tb})
	WriteLaTeX(&tex, []*Table{tb})
	WriteHTML(&h, tb)
	if !strings.Contains(md.String(), `x_y\|z`) || !strings.Contains(tex.String(), `50\% a\_b \& c`) || !strings.Contains(h.String(), "50% a_b &amp; c") {
		t.Errorf("escaping:\n%s\n%s\n%s", md.String(), tex.String(), h.String())
	}
	if len(Build(nil)) != 0 {
		t.Error("tables from no records")
	}
}

func TestSupervisedImageNetRow(t *testing.T) {
	// a model named anything, known to be open_clip's ViT-B-32 with OpenAI's
	// weights, on the full validation set: beside the paper's number
	recs := []reports.Record{{Task: reports.TaskZeroShot, Model: "my-b32", Dataset: "imagenet", NSamples: 50000, Metrics: reports.Metrics{reports.MetricAcc1: 0.63},
		Run: reports.RunInfo{OpenCLIP: "ViT-B-32", Pretrained: "openai"}}}
	var md bytes.Buffer
	WriteMarkdown(&md, []*Table{ZeroShot(reports.GroupSeeds(recs))})
	for _, want := range []string{"| my-b32 | 63.0 |", "| CLIP paper ViT-B/32 | 63.2 |", "| ResNet-50 (supervised, ImageNet), trained on labels | 76.1 |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("lacks %q:\n%s", want, md.String())
		}
	}
}

// TestNotComparable: published numbers stand beside a measurement only when
// it is the one they report (the case: a fake model named like the
// paper's, a limit, a subset of the split), and the table says why not.
func TestNotComparable(t *testing.T) {
	fake := reports.Record{Task: reports.TaskZeroShot, Model: "ViT-B-32", Dataset: "mnist", Split: "test", NSamples: 50,
		Metrics: reports.Metrics{reports.MetricAcc1: 0.12}, Params: map[string]any{reports.ParamBackend: "fake", reports.ParamLimit: 50}}
	other := reports.Record{Task: reports.TaskZeroShot, Model: "ViT-B-32", Dataset: "pets", Split: "test", NSamples: 3669,
		Metrics: reports.Metrics{reports.MetricMeanPerClassRecall: 0.9}, Run: reports.RunInfo{OpenCLIP: "ViT-B-32", Pretrained: "laion2b_s34b_b79k"}}
	var md bytes.Buffer
	WriteMarkdown(&md, []*Table{ZeroShotDetail(reports.GroupSeeds([]reports.Record{fake, other}))})
	got := md.String()
	for _, want := range []string{
		"| ViT-B-32 | mnist | test | 50 | top-1 | 12.0 | 12.0 | – | – | not comparable | – | not comparable | – |",
		"- ViT-B-32 on mnist: not compared with CLIP paper ViT-B/32: unknown model identity (a name alone; set open_clip and pretrained on the model, or pull it from the Hub); fake backend; limit = 50; 50 samples, the official test split has 10000",
		// identity known: LAION weights are not the paper's, but are open_clip's row
		"| ViT-B-32 | pets | test | 3669 | mean per class | 90.0 | – | – | 90.0 | no baseline | – | 90.8 | -0.8 |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "-39.9") || strings.Contains(got, "Δ paper | -") {
		t.Errorf("a delta against a number that does not apply:\n%s", got)
	}
}
