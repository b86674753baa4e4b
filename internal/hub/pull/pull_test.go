package pull

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/encoders/onnx"
	"github.com/evalclip/evalclip/internal/hub"
	"github.com/evalclip/evalclip/internal/hub/hubtest"
)

const root = "../../.."

// tree reads a folder into repository files (slash paths).
func tree(t *testing.T, dir, prefix string, into map[string][]byte) map[string][]byte {
	t.Helper()
	if into == nil {
		into = map[string][]byte{}
	}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		into[prefix+filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return into
}

func client(t *testing.T, s *hubtest.Server) *hub.Client {
	c := hub.New(hub.Config{Endpoint: s.URL, CacheDir: t.TempDir(), MetadataTimeout: 5 * time.Second, DownloadTimeout: 5 * time.Second})
	c.RetryWait = time.Millisecond
	return c
}

func requested(s *hubtest.Server) map[string]bool {
	out := map[string]bool{}
	for _, r := range s.Requests() {
		if r.File != "" {
			out[r.File] = true
		}
	}
	return out
}

func TestModelPullsTheLayoutOnly(t *testing.T) {
	s := hubtest.New(t)
	files := tree(t, filepath.Join(root, "testdata", "models", "tinyclip-digits"), "", nil)
	decoys := []string{"README.md", "visual/fp16/model.armnn", "textual/rknpu/rk3588/model.rknn", "visual/model_quantized.onnx"}
	for _, d := range decoys {
		files[d] = []byte("not needed")
	}
	commit := s.AddRepo(hubtest.Model, "immich-app/ViT-B-32__openai", files, hubtest.Access{})
	c := client(t, s)
	res, err := Model(context.Background(), c, "immich-app/ViT-B-32__openai", "", onnx.HubSpec{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"config.json", "textual/model.onnx", "textual/tokenizer.json", "visual/model.onnx", "visual/preprocess_cfg.json"}
	got := append([]string(nil), res.Files...)
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	for _, d := range decoys {
		if requested(s)[d] {
			t.Errorf("%s was requested", d)
		}
	}
	if res.Dir != c.Cache().SnapshotDir(hub.Repo{Type: hub.Model, ID: "immich-app/ViT-B-32__openai"}, commit) {
		t.Errorf("dir %s", res.Dir)
	}
	if res.Source.Commit != commit || res.Source.Revision != "main" || res.Source.OpenCLIP != "ViT-B-32" || res.Source.Pretrained != "openai" {
		t.Errorf("source %+v", res.Source)
	}
	det, err := onnx.Detect(specAt(res.Dir))
	if err != nil || det.Layout != onnx.LayoutOpenCLIP {
		t.Errorf("pulled folder: %+v, %v", det, err)
	}
	// Offline, the same call finds it all without a request.
	s.ResetRequests()
	off := hub.New(c.Config)
	off.Offline = true
	res2, err := Model(context.Background(), off, "immich-app/ViT-B-32__openai", "main", onnx.HubSpec{})
	if err != nil || res2.Dir != res.Dir {
		t.Fatalf("offline: %+v, %v", res2, err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("offline pull made %d requests", n)
	}
	_, err = Model(context.Background(), off, "immich-app/never", "main", onnx.HubSpec{})
	if !errors.Is(err, hub.ErrOffline) {
		t.Errorf("offline, never pulled: %v", err)
	}
	// Online, a commit revision whose files are cached costs no request.
	if _, err := Model(context.Background(), c, "immich-app/ViT-B-32__openai", commit, onnx.HubSpec{}); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("a cached commit made %d requests", n)
	}
}

// externalRepo is a model whose towers keep their weights in other files.
func externalRepo(t *testing.T) map[string][]byte {
	ext := filepath.Join(root, "testdata", "onnx", "external")
	read := func(n string) []byte {
		b, err := os.ReadFile(filepath.Join(ext, n))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return map[string][]byte{
		"visual/model.onnx":      read("affine.onnx"),
		"visual/affine.weights":  read("affine.weights"),
		"visual/unrelated.bin":   []byte("decoy"),
		"textual/model.onnx":     read("nested.onnx"),
		"textual/main.bin":       read("main.bin"),
		"textual/const.bin":      read("const.bin"),
		"textual/sub/then.bin":   read("sub/then.bin"),
		"textual/tokenizer.json": []byte(`{}`),
	}
}

func TestModelExternalData(t *testing.T) {
	s := hubtest.New(t)
	s.AddRepo(hubtest.Model, "org/external", externalRepo(t), hubtest.Access{})
	c := client(t, s)
	res, err := Model(context.Background(), c, "org/external", "main", onnx.HubSpec{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"visual/affine.weights", "textual/main.bin", "textual/const.bin", "textual/sub/then.bin"} {
		if _, err := os.Stat(filepath.Join(res.Dir, filepath.FromSlash(f))); err != nil {
			t.Errorf("external data %s not pulled: %v", f, err)
		}
	}
	if requested(s)["visual/unrelated.bin"] {
		t.Error("a file no tower names was pulled")
	}
	// Offline with an external file's blob gone: named as missing.
	os.Remove(filepath.Join(res.Dir, "textual", "sub", "then.bin"))
	off := hub.New(c.Config)
	off.Offline = true
	_, err = Model(context.Background(), off, "org/external", "main", onnx.HubSpec{})
	if !errors.Is(err, hub.ErrOffline) || !strings.Contains(err.Error(), "textual/sub/then.bin") {
		t.Errorf("offline, external data missing: %v", err)
	}
}

func TestModelExternalDataNotInRepo(t *testing.T) {
	s := hubtest.New(t)
	files := externalRepo(t)
	delete(files, "visual/affine.weights")
	s.AddRepo(hubtest.Model, "org/broken", files, hubtest.Access{})
	_, err := Model(context.Background(), client(t, s), "org/broken", "main", onnx.HubSpec{})
	if !errors.Is(err, hub.ErrEntryNotFound) || !strings.Contains(err.Error(), "visual/affine.weights") || !strings.Contains(err.Error(), "external data") {
		t.Fatalf("error %v", err)
	}
}

func wdsRepo(t *testing.T) map[string][]byte {
	return tree(t, filepath.Join(root, "testdata", "datasets", "wds"), "", nil)
}

func TestWDS(t *testing.T) {
	s := hubtest.New(t)
	files := wdsRepo(t)
	files["README.md"] = []byte("# a dataset")
	s.AddRepo(hubtest.Dataset, "clip-benchmark/wds_shapes", files, hubtest.Access{})
	c := client(t, s)
	res, err := WDS(context.Background(), c, "clip-benchmark/wds_shapes", "main", []string{"test"})
	if err != nil {
		t.Fatal(err)
	}
	req := requested(s)
	for f := range files {
		if want := !strings.HasPrefix(f, "train/") && f != "README.md"; req[f] != want {
			t.Errorf("%s requested: %v, want %v", f, req[f], want)
		}
	}
	got, err := datasets.Open("wds", res.Dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := datasets.Open("wds", filepath.Join(root, "testdata", "datasets", "wds"), "test")
	if !reflect.DeepEqual(datasets.Labels(got), datasets.Labels(want)) || !reflect.DeepEqual(got.Classes(), want.Classes()) {
		t.Errorf("pulled dataset differs: %v %v", datasets.Labels(got), got.Classes())
	}
	if strings.Contains(res.Dir, "models--") || !strings.Contains(res.Dir, "datasets--clip-benchmark--wds_shapes") {
		t.Errorf("dataset cached at %s", res.Dir)
	}
	if _, err := WDS(context.Background(), c, "clip-benchmark/wds_shapes", "main", []string{"val"}); !errors.Is(err, hub.ErrEntryNotFound) ||
		!strings.Contains(err.Error(), "splits: test, train") {
		t.Errorf("missing split: %v", err)
	}
	// Offline: the split pulled is there; the other is named missing.
	off := hub.New(c.Config)
	off.Offline = true
	if _, err := WDS(context.Background(), off, "clip-benchmark/wds_shapes", "main", []string{"test"}); err != nil {
		t.Errorf("offline, pulled split: %v", err)
	}
	if _, err := WDS(context.Background(), off, "clip-benchmark/wds_shapes", "main", []string{"train"}); !errors.Is(err, hub.ErrOffline) ||
		!strings.Contains(err.Error(), "train") {
		t.Errorf("offline, split never pulled: %v", err)
	}
}

func TestWDSBadShardCount(t *testing.T) {
	s := hubtest.New(t)
	files := wdsRepo(t)
	files["test/nshards.txt"] = []byte("-3\n")
	s.AddRepo(hubtest.Dataset, "org/bad", files, hubtest.Access{})
	_, err := WDS(context.Background(), client(t, s), "org/bad", "main", []string{"test"})
	if err == nil || !strings.Contains(err.Error(), "want a shard count") {
		t.Fatalf("error %v", err)
	}
	files["test/nshards.txt"] = []byte("5\n") // more than the repository holds
	s.Commit(hubtest.Dataset, "org/bad", "main", files)
	_, err = WDS(context.Background(), client(t, s), "org/bad", "main", []string{"test"})
	if !errors.Is(err, hub.ErrEntryNotFound) || !strings.Contains(err.Error(), "test/2.tar") {
		t.Fatalf("error %v", err)
	}
}

// TestWDSCaptions: a CLIP_benchmark retrieval repository has no class
// names; dataset_type.txt says what it is, and the caption reader opens
// the pulled split.
func TestWDSCaptions(t *testing.T) {
	s := hubtest.New(t)
	s.AddRepo(hubtest.Dataset, "clip-benchmark/wds_flickr", tree(t, filepath.Join(root, "testdata", "datasets", "captions", "wds"), "", nil), hubtest.Access{})
	res, err := WDS(context.Background(), client(t, s), "clip-benchmark/wds_flickr", "main", []string{"test"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := datasets.OpenCaptions("wds", res.Dir, "test", datasets.CaptionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 12 {
		t.Errorf("%d images", d.Len())
	}
	s.AddRepo(hubtest.Dataset, "org/none", map[string][]byte{"test/0.tar": []byte("x"), "test/nshards.txt": []byte("1\n")}, hubtest.Access{})
	if _, err := WDS(context.Background(), client(t, s), "org/none", "main", []string{"test"}); err == nil || !strings.Contains(err.Error(), "dataset_type.txt") {
		t.Errorf("neither class names nor a type: %v", err)
	}
}
