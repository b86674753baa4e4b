package tasks

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/evalclip/evalclip/encoders/fake"
	_ "github.com/evalclip/evalclip/encoders/onnx"
	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/internal/npy"
	"github.com/evalclip/evalclip/prompts"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

var repo = filepath.Join("..", "..")

// writeSuite writes a suite using the shipped tiny model and digits, with a
// cache folder inside the test's temporary folder.
func writeSuite(t *testing.T, model, datasetExtra string) *suites.Suite {
	t.Helper()
	dir := t.TempDir()
	abs := func(p string) string { a, _ := filepath.Abs(filepath.Join(repo, p)); return a }
	body := `name = "t"
[runtime]
threads = 2
batch_size = 50
cache_dir = "cache"
` + model + `
[[datasets]]
name = "digits"
format = "mnist"
path = "` + abs("testdata/datasets/digits") + `"
prompts = "mnist"
` + datasetExtra + `
[[tasks]]
type = "zeroshot"
`
	p := filepath.Join(dir, "t.toml")
	os.WriteFile(p, []byte(body), 0o644)
	s, err := suites.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tinyModel() string {
	a, _ := filepath.Abs(filepath.Join(repo, "testdata", "models", "tinyclip-digits"))
	return "[[models]]\nname = \"tiny\"\npath = \"" + a + "\"\n"
}

func requireORT(t *testing.T) {
	t.Helper()
	if _, err := onnxrt.Ensure("", ""); err != nil {
		if os.Getenv("EVALCLIP_REQUIRE_ORT") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

type nopProgress struct{}

func (nopProgress) SetTotal(string, int) {}
func (nopProgress) Add(int)              {}

func newEnv(s *suites.Suite, log io.Writer) *suites.Env {
	return &suites.Env{Suite: s, Log: log, Progress: nopProgress{}}
}

// TestZeroShotGolden checks the whole zero-shot path on the shipped model
// against tools/tinyclip/train.py's PyTorch reference: image features within
// 1e-4, predictions identical, metrics equal.
func TestZeroShotGolden(t *testing.T) {
	requireORT(t)
	s := writeSuite(t, tinyModel(), "")
	env := newEnv(s, io.Discard)
	env.NoCache = true
	job := &suites.Plan(s)[0]
	golden := filepath.Join(repo, "testdata", "golden", "tinyclip-digits")

	feats, err := ImageFeatures(context.Background(), env, job.Model, job.Dataset, "test")
	if err != nil {
		t.Fatal(err)
	}
	want, shape, err := npy.ReadFloat32(filepath.Join(golden, "image_features.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if feats.N != shape[0] || feats.D != shape[1] {
		t.Fatalf("features %dx%d, golden %v", feats.N, feats.D, shape)
	}
	var maxDiff float64
	for i := range want {
		maxDiff = math.Max(maxDiff, math.Abs(float64(feats.X[i]-want[i])))
	}
	if maxDiff > 1e-4 {
		t.Errorf("image features differ from PyTorch by %g", maxDiff)
	}

	recs, err := (&ZeroShot{}).Run(context.Background(), env, job)
	if err != nil {
		t.Fatal(err)
	}
	rec := recs[0]
	pred, _, _ := npy.ReadInt64(filepath.Join(golden, "predictions.npy"))
	correct := rec.Extra[reports.ExtraCorrect].(string)
	for i, p := range pred {
		wantC := byte('0')
		if int32(p) == feats.Labels[i] {
			wantC = '1'
		}
		if correct[i] != wantC {
			t.Fatalf("sample %d: correctness %c, PyTorch predicted %d for label %d", i, correct[i], p, feats.Labels[i])
		}
	}
	var sum struct {
		A1   float64 `json:"acc1"`
		A5   float64 `json:"acc5"`
		MPCR float64 `json:"mean_per_class_recall"`
	}
	raw, _ := os.ReadFile(filepath.Join(golden, "summary.json"))
	json.Unmarshal(raw, &sum)
	for k, w := range map[string]float64{reports.MetricAcc1: sum.A1, reports.MetricAcc5: sum.A5, reports.MetricMeanPerClassRecall: sum.MPCR} {
		if math.Abs(rec.Metrics[k]-w) > 1e-12 {
			t.Errorf("%s = %v, PyTorch %v", k, rec.Metrics[k], w)
		}
	}
	if rec.Metrics[reports.MetricAcc1] < 0.80 {
		t.Errorf("the shipped model must reach 0.80 zero-shot acc1, got %v", rec.Metrics[reports.MetricAcc1])
	}
	if rec.Throughput[reports.ThroughputImagesPerS] <= 0 || rec.Throughput[reports.ThroughputTowerImagesPerS] <= 0 {
		t.Errorf("throughput %v", rec.Throughput)
	}
	if rec.Params["prompts"] != "mnist" || rec.NSamples != 602 {
		t.Errorf("params %v n %d", rec.Params, rec.NSamples)
	}
	// Probabilities: PyTorch's softmax at the model's learned scale (its
	// config.json) over the same features (tools/fixtures/calibration_ref.py).
	var cal struct {
		Softmax struct {
			Mean float64 `json:"mean_top1_prob"`
			ECE  float64 `json:"ece"`
		} `json:"softmax"`
	}
	raw, _ = os.ReadFile(filepath.Join(golden, "calibration.json"))
	if err := json.Unmarshal(raw, &cal); err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(rec.Metrics[reports.MetricMeanTop1Prob] - cal.Softmax.Mean); d > 1e-4 {
		t.Errorf("mean top-1 probability %v, PyTorch %v", rec.Metrics[reports.MetricMeanTop1Prob], cal.Softmax.Mean)
	}
	if d := math.Abs(rec.Metrics[reports.MetricECE] - cal.Softmax.ECE); d > 1e-4 {
		t.Errorf("ECE %v, PyTorch %v", rec.Metrics[reports.MetricECE], cal.Softmax.ECE)
	}
	if rec.Params["scoring"] != "softmax" || rec.Params["logit_scale"] != 16.42106819152832 || rec.Params["language"] != "en" {
		t.Errorf("scoring params %v", rec.Params)
	}
}

// TestZeroShotSigmoid: a model with a logit bias (SigLIP) reports
// sigmoid probabilities; rankings, and so accuracies, are unchanged.
func TestZeroShotSigmoid(t *testing.T) {
	requireORT(t)
	s := writeSuite(t, tinyModel()+"logit_scale = 10.0\nlogit_bias = -5.0\n", "")
	env := newEnv(s, io.Discard)
	env.NoCache = true
	recs, err := (&ZeroShot{}).Run(context.Background(), env, &suites.Plan(s)[0])
	if err != nil {
		t.Fatal(err)
	}
	rec := recs[0]
	var cal struct {
		Acc1    float64 `json:"acc1"`
		Sigmoid struct {
			Mean float64 `json:"mean_top1_prob"`
			ECE  float64 `json:"ece"`
		} `json:"sigmoid"`
	}
	raw, _ := os.ReadFile(filepath.Join(repo, "testdata", "golden", "tinyclip-digits", "calibration.json"))
	if err := json.Unmarshal(raw, &cal); err != nil {
		t.Fatal(err)
	}
	if rec.Metrics[reports.MetricAcc1] != cal.Acc1 {
		t.Errorf("acc1 %v, want %v (scoring must not change rankings)", rec.Metrics[reports.MetricAcc1], cal.Acc1)
	}
	for m, w := range map[string]float64{reports.MetricMeanTop1Prob: cal.Sigmoid.Mean, reports.MetricECE: cal.Sigmoid.ECE} {
		if math.Abs(rec.Metrics[m]-w) > 1e-4 {
			t.Errorf("%s = %v, PyTorch %v", m, rec.Metrics[m], w)
		}
	}
	if rec.Params["scoring"] != "sigmoid" || rec.Params["logit_bias"] != -5.0 || rec.Params["scoring_source"] != "suite" {
		t.Errorf("params %v", rec.Params)
	}
}

func TestFeatureCache(t *testing.T) {
	requireORT(t)
	s := writeSuite(t, tinyModel(), "limit = 40")
	job := &suites.Plan(s)[0]
	var log strings.Builder
	f1, err := ImageFeatures(context.Background(), newEnv(s, &log), job.Model, job.Dataset, "test")
	if err != nil {
		t.Fatal(err)
	}
	if f1.Cached || f1.N != 40 {
		t.Fatalf("first extraction: cached %v n %d", f1.Cached, f1.N)
	}
	f2, err := ImageFeatures(context.Background(), newEnv(s, &log), job.Model, job.Dataset, "test")
	if err != nil {
		t.Fatal(err)
	}
	if !f2.Cached || f2.Key != f1.Key || f2.N != 40 {
		t.Fatalf("second extraction: cached %v key %s/%s", f2.Cached, f2.Key, f1.Key)
	}
	for i := range f1.X {
		if f1.X[i] != f2.X[i] {
			t.Fatal("cached features differ")
		}
	}
	// A different limit is a different key.
	job.Dataset.Limit = 30
	f3, _ := ImageFeatures(context.Background(), newEnv(s, &log), job.Model, job.Dataset, "test")
	if f3.Cached || f3.Key == f1.Key {
		t.Fatal("limit change reused the cache")
	}
	// A damaged entry is recomputed, with a note.
	job.Dataset.Limit = 40
	_, _, meta := cachePaths(s.Runtime.CacheDir, f1.Key)
	os.WriteFile(meta, []byte("{broken"), 0o644)
	f4, err := ImageFeatures(context.Background(), newEnv(s, &log), job.Model, job.Dataset, "test")
	if err != nil || f4.Cached {
		t.Fatalf("damaged cache: %v cached %v", err, f4.Cached)
	}
	if !strings.Contains(log.String(), "recomputing") {
		t.Errorf("log: %s", log.String())
	}
	// --no-cache neither reads nor writes.
	env := newEnv(s, &log)
	env.NoCache = true
	os.RemoveAll(s.Runtime.CacheDir)
	f5, err := ImageFeatures(context.Background(), env, job.Model, job.Dataset, "test")
	if err != nil || f5.Cached {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Runtime.CacheDir); !os.IsNotExist(err) {
		t.Error("--no-cache wrote the cache folder")
	}
}

func TestZeroShotFakeBackendAndBadPrompts(t *testing.T) {
	dir := t.TempDir()
	names := filepath.Join(dir, "names.txt")
	os.WriteFile(names, []byte("zero\none\ntwo\n"), 0o644)
	s := writeSuite(t, "[[models]]\nname = \"fake\"\nbackend = \"fake\"\n", "limit = 30")
	env := newEnv(s, io.Discard)
	job := &suites.Plan(s)[0]
	recs, err := (&ZeroShot{}).Run(context.Background(), env, job)
	if err != nil {
		t.Fatal(err)
	}
	if recs[0].NSamples != 30 || recs[0].Metrics[reports.MetricAcc1] < 0 || recs[0].Metrics[reports.MetricAcc1] > 1 {
		t.Errorf("fake run: %+v", recs[0])
	}
	job.Dataset.Classnames = names
	_, err = (&ZeroShot{}).Run(context.Background(), env, job)
	if err == nil || !strings.Contains(err.Error(), "3 class names but the dataset has 10 classes") {
		t.Errorf("class count mismatch: %v", err)
	}
}

func TestClassify(t *testing.T) {
	// 3 classes, k=3; class 2 absent from the labels.
	topk := []int32{0, 1, 2, 1, 0, 2, 1, 2, 0}
	labels := []int32{0, 0, 1}
	c, err := Classify(topk, 3, labels, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Metrics[reports.MetricAcc1] != 2.0/3 || c.Metrics[reports.MetricMeanPerClassRecall] != 0.75 {
		t.Errorf("metrics %v", c.Metrics)
	}
	if v, ok := c.Metrics[reports.MetricAcc5]; !ok || !math.IsNaN(v) {
		t.Errorf("acc5 with 3 classes: %v %v, want NaN (null, as the README says)", v, ok)
	}
	rec := reports.Record{Task: reports.TaskZeroShot, Metrics: c.Metrics, Extra: c.Extra, NSamples: 3}
	if notes := reports.Check([]reports.Record{rec}); len(notes) != 0 {
		t.Errorf("an undefined acc5 reported as a problem: %v", notes)
	}
	if c.Extra[reports.ExtraCorrect] != "101" {
		t.Errorf("correct %v", c.Extra[reports.ExtraCorrect])
	}
	pc := c.Extra[reports.ExtraPerClassAcc].([]any)
	if pc[0] != 0.5 || pc[1] != 1.0 || pc[2] != nil {
		t.Errorf("per class %v", pc)
	}
	if _, err := Classify(topk, 3, []int32{0, 5, 1}, []string{"a", "b", "c"}); err == nil {
		t.Error("label out of range accepted")
	}
}

// TestDamagedCacheRecomputed: a cache entry whose arrays are damaged (a
// header declaring a huge shape, garbage, labels outside the classes) is
// recomputed with a note, never fatal.
func TestDamagedCacheRecomputed(t *testing.T) {
	s := writeSuite(t, "[[models]]\nname = \"fake\"\nbackend = \"fake\"\n", "limit = 20")
	job := &suites.Plan(s)[0]
	var log strings.Builder
	f1, err := ImageFeatures(context.Background(), newEnv(s, &log), job.Model, job.Dataset, "test")
	if err != nil {
		t.Fatal(err)
	}
	xp, lp, _ := cachePaths(s.Runtime.CacheDir, f1.Key)
	huge := "\x93NUMPY\x01\x00\x46\x00{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, 4000000000), }\n"
	for name, damage := range map[string]func(){
		"huge shape": func() { os.WriteFile(xp, []byte(huge), 0o644) },
		"garbage":    func() { os.WriteFile(xp, []byte("not an array"), 0o644) },
		"bad label":  func() { npy.WriteInt64(lp, append(make([]int64, 19), 99)) },
	} {
		damage()
		log.Reset()
		f, err := ImageFeatures(context.Background(), newEnv(s, &log), job.Model, job.Dataset, "test")
		if err != nil || f.Cached || f.N != 20 || !strings.Contains(log.String(), "recomputing") {
			t.Errorf("%s: err %v, cached %v, log %q", name, err, f != nil && f.Cached, log.String())
		}
	}
}

// TestWeightsLanguage: a webdataset's own templates (English) serve
// English runs; language = "it" takes CLIP_benchmark's Italian templates
// instead, with the dataset's class names.
func TestWeightsLanguage(t *testing.T) {
	wds, _ := filepath.Abs(filepath.Join(repo, "testdata", "datasets", "wds"))
	for _, c := range []struct {
		extra, want string
	}{
		{"", "a photo of a circle."},
		{`language = "it"`, "una brutta foto di circle"},
	} {
		dir := t.TempDir()
		body := "name = \"t\"\n[[models]]\nname = \"fake\"\nbackend = \"fake\"\n[[datasets]]\nname = \"shapes\"\nformat = \"wds\"\npath = \"" + wds + "\"\n" +
			c.extra + "\n[[tasks]]\ntype = \"zeroshot\"\n"
		p := filepath.Join(dir, "t.toml")
		os.WriteFile(p, []byte(body), 0o644)
		s, err := suites.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		env := newEnv(s, io.Discard)
		cw, err := Weights(context.Background(), env, &s.Models[0], &s.Datasets[0], []string{"circle", "square", "triangle"})
		if err != nil {
			t.Fatal(err)
		}
		if got := prompts.Render(cw.Set.Templates[0], cw.Set.Classnames[0]); got != c.want {
			t.Errorf("%q: first prompt %q, want %q (set %s)", c.extra, got, c.want, cw.Set.Name)
		}
	}
}
