package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/reports"
)

// retrievalGolden is CLIP_benchmark's scoring of the caption fixture with
// the tiny model (tools/fixtures/clip_benchmark_retrieval.py).
type retrievalGolden struct {
	NImages   int                `json:"n_images"`
	NCaptions int                `json:"n_captions"`
	Metrics   map[string]float64 `json:"metrics"`
	ImageHits string             `json:"image_retrieval_hits@1"`
	TextHits  string             `json:"text_retrieval_hits@1"`
}

// TestRetrievalMatchesCLIPBenchmark runs the retrieval task on the caption
// fixture in each of its three formats (Karpathy JSON, CSV, webdataset
// shards): every format gives CLIP_benchmark's recall@1/5/10 both ways
// and its per-query outcomes at k = 1.
func TestRetrievalMatchesCLIPBenchmark(t *testing.T) {
	requireORT(t)
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	raw, err := os.ReadFile(filepath.Join(root, "testdata", "golden", "retrieval", "clip_benchmark.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want retrievalGolden
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	fix := filepath.Join(root, "testdata", "datasets", "captions")
	suite := suiteFile(t, fmt.Sprintf(`name = "retrieval"
[[models]]
name = "tiny"
path = %q
[[datasets]]
name = "karpathy"
format = "karpathy"
path = %q
[[datasets]]
name = "csv"
format = "csv"
captions = true
path = %q
[[datasets]]
name = "wds"
format = "wds"
captions = true
path = %q
[[datasets]]
name = "digits"
format = "mnist"
path = %q
[[tasks]]
type = "retrieval"
[[tasks]]
type = "zeroshot"
`, filepath.Join(root, "testdata", "models", "tinyclip-digits"), fix, filepath.Join(fix, "csv"), filepath.Join(fix, "wds"),
		filepath.Join(root, "testdata", "datasets", "digits")))
	out := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := cli(t, "run", "-q", "--no-cache", "--out", out, suite); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs, err := reports.ReadResults(filepath.Join(out, reports.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, r := range recs {
		if r.Task != reports.TaskRetrieval {
			if r.Dataset != "digits" {
				t.Errorf("the default zero-shot plan took caption dataset %s", r.Dataset)
			}
			continue
		}
		n++
		if r.Error != "" {
			t.Fatalf("%s: %s", r.Job, r.Error)
		}
		for m, v := range want.Metrics {
			if math.Abs(r.Metrics[m]-v) > 1e-6 {
				t.Errorf("%s: %s = %v, CLIP_benchmark %v", r.Dataset, m, r.Metrics[m], v)
			}
		}
		if len(r.Metrics) != len(want.Metrics) {
			t.Errorf("%s: metrics %v", r.Dataset, r.Metrics)
		}
		if r.Extra[reports.ExtraImageRetrievalHits] != want.ImageHits || r.Extra[reports.ExtraTextRetrievalHits] != want.TextHits {
			t.Errorf("%s: per-query hits %v / %v, CLIP_benchmark %s / %s", r.Dataset, r.Extra[reports.ExtraImageRetrievalHits],
				r.Extra[reports.ExtraTextRetrievalHits], want.ImageHits, want.TextHits)
		}
		if r.NSamples != want.NImages || r.ParamInt(reports.ParamCaptions) != want.NCaptions {
			t.Errorf("%s: %d images, %v captions", r.Dataset, r.NSamples, r.Params[reports.ParamCaptions])
		}
		if bad := r.Inconsistencies(); len(bad) > 0 {
			t.Errorf("%s: inconsistent record: %v", r.Dataset, bad)
		}
	}
	if n != 3 {
		t.Errorf("%d retrieval records, want 3", n)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Retrieval", "text→image R@1", "91.7"} {
		if !strings.Contains(string(md), w) {
			t.Errorf("report.md lacks %q", w)
		}
	}
}

func TestRetrievalSuiteErrors(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	fix := filepath.Join(root, "testdata", "datasets", "captions")
	model := filepath.Join(root, "testdata", "models", "tinyclip-digits")
	for _, tc := range []struct {
		name, body string
		code       int
		want       []string
	}{
		{"retrieval on labels", fmt.Sprintf("[[datasets]]\nname = \"d\"\nformat = \"mnist\"\npath = %q\n[[tasks]]\ntype = \"retrieval\"\ndatasets = [\"d\"]\n",
			filepath.Join(root, "testdata", "datasets", "digits")), 2, []string{"tasks[0].datasets[0]", "holds labels, not captions"}},
		{"zeroshot on captions", fmt.Sprintf("[[datasets]]\nname = \"d\"\nformat = \"karpathy\"\npath = %q\n[[tasks]]\ntype = \"zeroshot\"\ndatasets = [\"d\"]\n", fix),
			2, []string{"tasks[0].datasets[0]", "holds captions"}},
		{"bad k", fmt.Sprintf("[[datasets]]\nname = \"d\"\nformat = \"karpathy\"\npath = %q\n[[tasks]]\ntype = \"retrieval\"\nrecall_at = [0, 5, 5]\n", fix),
			2, []string{"tasks[0].recall_at[0]", "from 1 to", "tasks[0].recall_at[2]", "listed twice"}},
		{"annotations elsewhere", fmt.Sprintf("[[datasets]]\nname = \"d\"\nformat = \"wds\"\ncaptions = true\npath = %q\nannotations = \"x.json\"\n[[tasks]]\ntype = \"retrieval\"\n", filepath.Join(fix, "wds")),
			2, []string{"datasets[0].annotations", "only used by karpathy"}},
		{"captions on a label format", fmt.Sprintf("[[datasets]]\nname = \"d\"\nformat = \"mnist\"\ncaptions = true\npath = %q\n[[tasks]]\ntype = \"retrieval\"\n",
			filepath.Join(root, "testdata", "datasets", "digits")), 2, []string{"datasets[0].captions", "has no captions"}},
		{"k over the images", fmt.Sprintf("[[datasets]]\nname = \"d\"\nformat = \"karpathy\"\npath = %q\nlimit = 4\n[[tasks]]\ntype = \"retrieval\"\nrecall_at = [1, 5]\n", fix),
			1, []string{"recall@5 needs at least 5 images, the split has 4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.code == 1 {
				requireORT(t)
			}
			suite := suiteFile(t, fmt.Sprintf("name = \"x\"\n[[models]]\nname = \"m\"\npath = %q\n", model)+tc.body)
			_, stderr, code := cli(t, "run", "-q", "--no-report", "--no-cache", "--out", filepath.Join(t.TempDir(), "o"), suite)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}
