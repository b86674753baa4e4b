package reports

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var cbDir = filepath.Join("..", "testdata", "clip_benchmark")

// TestCLIPBenchmarkFiles reads CLIP_benchmark result files into records
// and writes each back byte for byte as CLIP_benchmark's json.dump did.
func TestCLIPBenchmarkFiles(t *testing.T) {
	for _, c := range []struct {
		file, task, model, dataset, lang string
		k                                int
		metrics                          Metrics
	}{
		{"files/vtab_pets_laion2b_s34b_b79k_ViT-B-32_en_zeroshot_classification.json", TaskZeroShot, "ViT-B-32__laion2b_s34b_b79k", "vtab/pets", "en", 0,
			Metrics{MetricAcc1: 0.9054238212046879, MetricAcc5: 0.9986372308530935, MetricMeanPerClassRecall: 0.9047826409065406}},
		{"files/mnist_openai_ViT-B-32_en_linear_probe.json", TaskLinearProbe, "ViT-B-32__openai", "mnist", "en", 0,
			Metrics{MetricAcc1: 0.9869, MetricAcc5: 0.9999, MetricMeanPerClassRecall: 0.986863785803473}},
		{"files/binary_toy_epoch_32.pt_ViT-B-32_it_zeroshot_classification.json", TaskZeroShot, "ViT-B-32__epoch_32", "binary_toy", "it", 0,
			Metrics{MetricAcc1: 0.75, MetricAcc5: math.NaN(), MetricMeanPerClassRecall: 0.7}},
		{"files/flickr30k_openai_ViT-B-32_en_zeroshot_retrieval.json", TaskRetrieval, "ViT-B-32__openai", "flickr30k", "en", 0,
			Metrics{"image_retrieval_recall@5": 0.8338, "text_retrieval_recall@5": 0.949}},
		{"ci-nightly/digits_tinyclip-digits_tinyclip-digits_en_linear_probe_k4.json", TaskLinearProbe, "tinyclip-digits", "digits", "en", 4,
			Metrics{MetricAcc1: 0.9933554817275747, MetricAcc5: 1, MetricMeanPerClassRecall: 0.9933305068777086}},
	} {
		path := filepath.Join(cbDir, c.file)
		recs, err := ReadResults(path)
		if err != nil {
			t.Fatal(err)
		}
		r := recs[0]
		if len(recs) != 1 || r.Task != c.task || r.Model != c.model || r.Dataset != c.dataset || r.Run.Language != c.lang || r.K != c.k || r.Split != "test" || r.Run.Imported != FormatCLIPBenchmark {
			t.Errorf("%s: %+v", c.file, r)
		}
		if len(r.Metrics) != len(c.metrics) {
			t.Errorf("%s: metrics %v, want %v", c.file, r.Metrics, c.metrics)
		}
		for m, v := range c.metrics {
			if got, ok := r.Metrics[m]; !ok || !(got == v || math.IsNaN(got) && math.IsNaN(v)) {
				t.Errorf("%s: %s = %v, want %v", c.file, m, got, v)
			}
		}
		if c.task == TaskLinearProbe && r.Params[ParamNormalize] != true {
			t.Errorf("%s: params %v", c.file, r.Params)
		}
		want, _ := os.ReadFile(path)
		got, err := CLIPBenchmarkResult(&r)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: written back as\n%s\nwant\n%s (%v)", c.file, got, want, err)
		}
		names, _ := CLIPBenchmarkNames(&r)
		name, err := names.OutputName(CBDefaultOutput, r.K, r.Seed)
		if err != nil || (!strings.HasSuffix(c.file, "_k4.json") && name != filepath.Base(c.file)) {
			t.Errorf("%s: default output name %q (%v)", c.file, name, err)
		}
	}
	f, err := ReadFiles([]string{filepath.Join(cbDir, "files")})
	if err != nil || len(f) != 1 || len(f[0].Records) != 4 {
		t.Fatalf("folder of CLIP_benchmark files: %v %v", f, err)
	}
}

// TestCLIPBenchmarkExport writes evalclip's own records in CLIP_benchmark's
// form: open_clip names and the Hub dataset's wds/ name when known, k = 0
// as fewshot_k -1, and records it has no form for refused.
func TestCLIPBenchmarkExport(t *testing.T) {
	zs := Record{Task: TaskZeroShot, Model: "vitb32", Dataset: "pets", Split: "test", Metrics: Metrics{MetricAcc1: 0.5, MetricAcc5: 1, MetricMeanPerClassRecall: 0.25, MetricECE: 0.1},
		Run: RunInfo{ModelSource: &Source{Hub: "immich-app/ViT-B-32__openai", OpenCLIP: "ViT-B-32", Pretrained: "openai"},
			DatasetSource: &Source{Hub: "clip-benchmark/wds_vtab-pets"}, Language: "it"}}
	got, err := CLIPBenchmarkResult(&zs)
	want := `{"dataset": "wds/vtab/pets", "model": "ViT-B-32", "pretrained": "openai", "task": "zeroshot_classification", "metrics": {"acc1": 0.5, "acc5": 1.0, "mean_per_class_recall": 0.25}, "language": "it"}`
	if err != nil || string(got) != want {
		t.Errorf("zero-shot:\n%s\nwant\n%s (%v)", got, want, err)
	}
	back, err := ReadCLIPBenchmark("x.json", got)
	if err != nil || back.MatchKey() != zs.MatchKey() {
		t.Errorf("round trip: match key %+v, want %+v (%v)", back.MatchKey(), zs.MatchKey(), err)
	}
	lp := Record{Task: TaskLinearProbe, Model: "tiny", Dataset: "digits", K: 0, Seed: 2, Metrics: Metrics{MetricAcc1: 1e-5}, Params: map[string]any{ParamNormalize: false}}
	got, _ = CLIPBenchmarkResult(&lp)
	want = `{"dataset": "digits", "model": "tiny", "pretrained": "tiny", "task": "linear_probe", "metrics": {"lp_acc1": 1e-05, "lp_acc5": NaN, "seed": 2, "fewshot_k": -1, "normalized": false}, "language": "en"}`
	if string(got) != want {
		t.Errorf("linear probe:\n%s\nwant\n%s", got, want)
	}
	for _, r := range []Record{{Task: TaskKernel, Metrics: Metrics{MetricMsMedian: 1}}, {Task: TaskZeroShot, Model: "m", Error: "boom"}} {
		if _, err := CLIPBenchmarkResult(&r); err == nil {
			t.Errorf("%s record exported", r.Task)
		}
	}
	n := CBNames{Model: "ViT-B/32", Pretrained: "openai", Dataset: "wds/vtab/pets", Task: CBZeroShot, Language: "en"}
	for pat, want := range map[string]string{
		CBDefaultOutput:               "vtab_pets_openai_ViT-B_32_en_zeroshot_classification.json",
		"out/{model}/{{x}}_k{k}.json": "out/ViT-B_32/{x}_k3.json",
	} {
		if got, err := n.OutputName(pat, 3, 0); err != nil || got != want {
			t.Errorf("%s: %q (%v), want %q", pat, got, err, want)
		}
	}
	for _, pat := range []string{"{nope}.json", "{model", "a}b", ""} {
		if _, err := n.OutputName(pat, 0, 0); err == nil {
			t.Errorf("%q accepted", pat)
		}
	}
}

// TestPyFloat matches Python's repr(float), which json.dump writes.
func TestPyFloat(t *testing.T) {
	// python3 -c 'import json; print(json.dumps([1.0, 0.5, 1e-05, 0.0001, 1e16, 1e15, 123.456, 5e-324, 0.1+0.2, -0.0, float("nan"), float("inf"), -float("inf")]))'
	want := "[1.0, 0.5, 1e-05, 0.0001, 1e+16, 1000000000000000.0, 123.456, 5e-324, 0.30000000000000004, -0.0, NaN, Infinity, -Infinity]"
	tenth, fifth := 0.1, 0.2
	vals := []float64{1, 0.5, 1e-5, 1e-4, 1e16, 1e15, 123.456, 5e-324, tenth + fifth, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1)}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = PyFloat(v)
	}
	if got := "[" + strings.Join(parts, ", ") + "]"; got != want {
		t.Errorf("\n got %s\nwant %s", got, want)
	}
}

// TestCLIPBenchmarkBadFiles: every malformed result names the file and
// what is wrong.
func TestCLIPBenchmarkBadFiles(t *testing.T) {
	dir := t.TempDir()
	ok := `"dataset": "d", "model": "m", "pretrained": "p", "task": "zeroshot_classification", "language": "en"`
	for body, want := range map[string]string{
		`{"dataset": "d"}`:                          `no "model", "pretrained", "task", "metrics", "language"`,
		`{` + ok + `, "metrics": {"acc1": 1.5}}`:    "metrics.acc1 = 1.5 is outside [0, 1]",
		`{` + ok + `, "metrics": {"acc5": 0.5}}`:    "metrics has no acc1",
		`{` + ok + `, "metrics": [1]}`:              `"metrics" is [1], want an object`,
		`{` + ok + `, "metrics": {"acc1": "high"}}`: "metrics.acc1: ",
		strings.Replace(`{`+ok+`, "metrics": {}}`, "zeroshot_classification", "captioning", 1): `task "captioning" has no evalclip counterpart`,
		strings.Replace(`{`+ok+`, "metrics": {}}`, `"model": "m"`, `"model": 3`, 1):            `"model" is 3, want a string`,
		`{"dataset": "d", NaN}`: "not a CLIP_benchmark result",
	} {
		p := filepath.Join(dir, "r.json")
		os.WriteFile(p, []byte(body), 0o644)
		_, err := ReadResults(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming %s with %q", body, err, p, want)
		}
	}
	// pretrained null (clip_benchmark build fails on it) reads as unknown;
	// "NaN" inside a string stays a string.
	p := filepath.Join(dir, "null.json")
	os.WriteFile(p, []byte(`{"dataset": "NaN set", "model": "m", "pretrained": null, "task": "zeroshot_classification", "metrics": {"acc1": 0.5, "acc5": NaN}, "language": "en"}`), 0o644)
	recs, err := ReadResults(p)
	if err != nil || recs[0].Model != "m" || recs[0].Dataset != "NaN set" || !math.IsNaN(recs[0].Metrics[MetricAcc5]) {
		t.Errorf("null pretrained: %+v %v", recs, err)
	}
}
