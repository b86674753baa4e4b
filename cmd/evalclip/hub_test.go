package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/internal/hub/hubtest"
	"github.com/evalclip/evalclip/reports"
)

const (
	hubModel   = "evalclip-test/tinyclip-digits__digits"
	hubDataset = "evalclip-test/wds_digits"
)

// repoFiles reads a folder into repository files.
func repoFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// digitsWDS writes the shipped digits as a CLIP_benchmark webdataset
// repository: PNG + .cls samples, perShard to a shard, nshards.txt per
// split, classnames.txt and the templates file.
func digitsWDS(t *testing.T, perShard int) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	digits := filepath.Join("..", "..", "testdata", "datasets", "digits")
	for _, split := range []string{"test", "train"} {
		d, err := datasets.Open("mnist", digits, split)
		if err != nil {
			t.Fatal(err)
		}
		if split == "test" {
			out["classnames.txt"] = []byte(strings.Join(d.Classes(), "\n") + "\n")
			out["zeroshot_classification_templates.txt"] = []byte("a photo of the number: \"{c}\".\n")
		}
		n := 0
		for start := 0; start < d.Len(); start += perShard {
			var b bytes.Buffer
			tw := tar.NewWriter(&b)
			for i := start; i < min(start+perShard, d.Len()); i++ {
				img, err := d.Image(i)
				if err != nil {
					t.Fatal(err)
				}
				var pb bytes.Buffer
				png.Encode(&pb, img)
				key := fmt.Sprintf("s%07d", i)
				for _, m := range []struct {
					name string
					data []byte
				}{{key + ".png", pb.Bytes()}, {key + ".cls", []byte(fmt.Sprint(d.Label(i)))}} {
					tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg})
					tw.Write(m.data)
				}
			}
			tw.Close()
			out[fmt.Sprintf("%s/%d.tar", split, n)] = b.Bytes()
			n++
		}
		out[split+"/nshards.txt"] = []byte(fmt.Sprintf("%d\n", n))
	}
	return out
}

func requireORT(t *testing.T) {
	t.Helper()
	if _, err := onnxrt.Find(""); err != nil {
		if os.Getenv("EVALCLIP_REQUIRE_ORT") != "" {
			t.Fatalf("ONNX Runtime required: %v", err)
		}
		t.Skip(err)
	}
}

// hubEnv points the CLI at the loopback Hub with a fresh cache.
func hubEnv(t *testing.T, s *hubtest.Server) string {
	cache := t.TempDir()
	t.Setenv("HF_ENDPOINT", s.URL)
	t.Setenv("HF_HUB_CACHE", cache)
	t.Setenv("HF_HOME", t.TempDir())
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	return cache
}

func suiteFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "suite.toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const hubTasks = `
[[tasks]]
type = "zeroshot"
[[tasks]]
type = "linear_probe"
shots = [2]
seeds = [0]
`

// TestRunHubSuite runs the shipped tiny model and the digits, served as a
// Hub model and a Hub webdataset, named by hub in a suite; then again
// offline with the server gone. Predictions equal those of the same suite
// on the local files.
func TestRunHubSuite(t *testing.T) {
	requireORT(t)
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	s := hubtest.New(t)
	model := repoFiles(t, filepath.Join(root, "testdata", "models", "tinyclip-digits"))
	model["visual/fp16/model.armnn"] = []byte("an export evalclip does not use")
	modelCommit := s.AddRepo(hubtest.Model, hubModel, model, hubtest.Access{})
	dataCommit := s.AddRepo(hubtest.Dataset, hubDataset, digitsWDS(t, 80), hubtest.Access{})
	cache := hubEnv(t, s)

	local := suiteFile(t, fmt.Sprintf(`name = "local"
[[models]]
name = "tiny"
path = %q
[[datasets]]
name = "digits"
format = "mnist"
path = %q
prompts = "mnist"
`, filepath.Join(root, "testdata", "models", "tinyclip-digits"), filepath.Join(root, "testdata", "datasets", "digits"))+hubTasks)
	remote := suiteFile(t, fmt.Sprintf(`name = "remote"
[[models]]
name = "tiny"
hub = %q
revision = "main"
[[datasets]]
name = "digits"
format = "wds"
hub = %q
split = "test"
prompts = "mnist"
`, hubModel, hubDataset)+hubTasks)

	runRecords := func(suite string, args ...string) []reports.Record {
		t.Helper()
		out := filepath.Join(t.TempDir(), "run")
		args = append([]string{"run", "--no-cache", "--no-report", "--out", out}, append(args, suite)...)
		_, stderr, code := cli(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		recs, err := reports.ReadResults(filepath.Join(out, reports.ResultsFile))
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	want := runRecords(local, "-q")
	got := runRecords(remote)
	if len(got) != len(want) {
		t.Fatalf("%d records from the Hub suite, %d from the local one", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Error != "" {
			t.Fatalf("%s: %s", g.Job, g.Error)
		}
		if g.Extra[reports.ExtraCorrect] != w.Extra[reports.ExtraCorrect] || g.Metrics[reports.MetricAcc1] != w.Metrics[reports.MetricAcc1] {
			t.Errorf("%s: acc1 %v from the Hub, %v locally (predictions differ)", g.Job, g.Metrics[reports.MetricAcc1], w.Metrics[reports.MetricAcc1])
		}
		ms, ds := g.Run.ModelSource, g.Run.DatasetSource
		if ms == nil || ms.Hub != hubModel || ms.Commit != modelCommit || ms.Revision != "main" || ms.OpenCLIP != "tinyclip-digits" || ms.Pretrained != "digits" {
			t.Errorf("%s: model source %+v", g.Job, ms)
		}
		if ds == nil || ds.Hub != hubDataset || ds.Commit != dataCommit || ds.Revision != "main" {
			t.Errorf("%s: dataset source %+v", g.Job, ds)
		}
		if w.Run.ModelSource != nil || w.Run.DatasetSource != nil {
			t.Errorf("%s: a local run claims a Hub source", w.Job)
		}
	}
	for _, r := range s.Requests() {
		if r.File == "visual/fp16/model.armnn" {
			t.Error("an unused export was downloaded")
		}
	}
	if _, err := os.Stat(filepath.Join(cache, "datasets--evalclip-test--wds_digits", "snapshots", dataCommit, "train", "nshards.txt")); err != nil {
		t.Errorf("the linear probe's training split was not pulled: %v", err)
	}

	// Offline, with the Hub gone: the same results, from the cache alone.
	s.Close()
	again := runRecords(remote, "-q", "--offline")
	t.Setenv("HF_HUB_OFFLINE", "1")
	again2 := runRecords(remote, "-q")
	for i := range want {
		for _, r := range [][]reports.Record{again, again2} {
			if r[i].Error != "" || r[i].Extra[reports.ExtraCorrect] != want[i].Extra[reports.ExtraCorrect] {
				t.Errorf("offline %s: %q", r[i].Job, r[i].Error)
			}
		}
	}
}

func TestHubSuiteErrors(t *testing.T) {
	s := hubtest.New(t)
	s.AddRepo(hubtest.Model, "org/m", map[string][]byte{"README.md": []byte("no onnx here")}, hubtest.Access{})
	hubEnv(t, s)
	for _, tc := range []struct {
		name, model, dataset string
		code                 int
		want                 []string
	}{
		{"hub and path", "hub = \"org/m\"\npath = \"x\"", "format = \"wds\"\nhub = \"org/d\"", 2,
			[]string{":4: models[0].hub: models[0].hub and models[0].path are mutually exclusive"}},
		{"bad repo id", "hub = \"org/--x\"", "format = \"wds\"\nhub = \"org/d\"", 2, []string{"models[0].hub", "repository id"}},
		{"hub dataset not wds", "hub = \"org/m\"", "format = \"mnist\"\nhub = \"org/d\"", 2, []string{"datasets[0].format", "want format = \"wds\""}},
		{"revision without hub", "path = \".\"\nrevision = \"v1\"", "format = \"wds\"\nhub = \"org/d\"", 2, []string{"models[0].revision: only used with hub"}},
		{"repository missing", "hub = \"org/nothing\"", "format = \"wds\"\nhub = \"org/d\"", 2, []string{"models[0].hub", "org/nothing", "repository not found"}},
		{"no layout", "hub = \"org/m\"", "format = \"wds\"\nhub = \"org/d\"", 2, []string{"models[0].hub", "no known layout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			suite := suiteFile(t, fmt.Sprintf("name = \"x\"\n[[models]]\nname = \"m\"\n%s\n[[datasets]]\nname = \"d\"\n%s\n[[tasks]]\ntype = \"zeroshot\"\n", tc.model, tc.dataset))
			_, stderr, code := cli(t, "run", "-q", "--out", filepath.Join(t.TempDir(), "o"), suite)
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

func TestPullCommand(t *testing.T) {
	s := hubtest.New(t)
	root := filepath.Join("..", "..")
	commit := s.AddRepo(hubtest.Model, hubModel, repoFiles(t, filepath.Join(root, "testdata", "models", "tinyclip-digits")), hubtest.Access{})
	dcommit := s.AddRepo(hubtest.Dataset, hubDataset, repoFiles(t, filepath.Join(root, "testdata", "datasets", "wds")), hubtest.Access{})
	cache := hubEnv(t, s)

	stdout, stderr, code := cli(t, "pull", "--dry-run", hubModel)
	if code != 0 || !strings.Contains(stdout, "visual/model.onnx") || !strings.Contains(stdout, "5 files") || strings.Contains(stdout, "(cached)") {
		t.Fatalf("dry run: exit %d\n%s%s", code, stdout, stderr)
	}
	stdout, stderr, code = cli(t, "pull", hubModel)
	want := filepath.Join(cache, "models--evalclip-test--tinyclip-digits__digits", "snapshots", commit)
	if code != 0 || strings.TrimSpace(stdout) != want {
		t.Fatalf("pull: exit %d, stdout %q, want %q\n%s", code, stdout, want, stderr)
	}
	if !strings.Contains(stderr, "open_clip tinyclip-digits, digits") || !strings.Contains(stderr, "hub: downloading") {
		t.Errorf("pull stderr:\n%s", stderr)
	}
	stdout, _, _ = cli(t, "pull", "--dry-run", hubModel)
	if strings.Count(stdout, "(cached)") != 5 {
		t.Errorf("dry run after the pull:\n%s", stdout)
	}
	stdout, stderr, code = cli(t, "pull", "--dataset", hubDataset, "--split", "test")
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(stdout), dcommit) {
		t.Fatalf("pull --dataset: exit %d %q\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(strings.TrimSpace(stdout), "train")); err == nil {
		t.Error("pull --split test brought the train split")
	}
	s.Close()
	stdout, stderr, code = cli(t, "pull", "--offline", hubModel)
	if code != 0 || strings.TrimSpace(stdout) != want {
		t.Errorf("offline pull of a cached model: exit %d %q %s", code, stdout, stderr)
	}
	_, stderr, code = cli(t, "pull", "--offline", "--dataset", hubDataset, "--split", "train")
	if code != 2 || !strings.Contains(stderr, "offline") || !strings.Contains(stderr, "train") {
		t.Errorf("offline pull of a split never pulled: exit %d %s", code, stderr)
	}
	for _, bad := range [][]string{{"pull"}, {"pull", "a/b", "--dataset", "c/d"}, {"pull", "--split", "test", "a/b"}, {"pull", "not a repo"}} {
		if _, _, code := cli(t, bad...); code != 2 {
			t.Errorf("%q: exit %d, want 2", bad, code)
		}
	}
}

func TestModelsCommand(t *testing.T) {
	stdout, _, code := cli(t, "models", "--hub", "--grep", "ViT-B-32")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"immich-app/ViT-B-32__openai", "immich-app/ViT-B-32__laion2b-s34b-b79k", "laion2b_s34b_b79k"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("models lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "  -\n") {
		t.Errorf("--hub listed a pair without an export:\n%s", stdout)
	}
	stdout, _, code = cli(t, "models", "--json", "--grep", "ViT-L-14-336")
	if code != 0 || !strings.Contains(stdout, `"hub": "immich-app/ViT-L-14-336__openai"`) || !strings.Contains(stdout, `"average_38"`) {
		t.Errorf("json: %s", stdout)
	}
}
