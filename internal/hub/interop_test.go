package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/internal/hub"
	"github.com/evalclip/evalclip/internal/hub/hubtest"
)

// The interop test runs huggingface_hub itself (the Python client, a
// release built on requests, e.g. v0.36.2) against the loopback server
// and on the caches both clients write. It needs the library's source:
//
//	EVALCLIP_HF_HUB_SRC=/path/to/huggingface_hub/src go test -run Interop ./internal/hub
//
// (EVALCLIP_PYTHON picks the interpreter; default python3). Without the
// variable the test is skipped: huggingface_hub is not a dependency of
// evalclip.

const interopScript = `
import json, os, sys
from huggingface_hub import HfApi, hf_hub_download, snapshot_download, try_to_load_from_cache, scan_cache_dir
from huggingface_hub.file_download import get_hf_file_metadata, hf_hub_url
step = sys.argv[1]
out = {}
if step == "download":
    api = HfApi()
    info = api.model_info("org/model", files_metadata=True)
    out["sha"] = info.sha
    out["sizes"] = {s.rfilename: s.size for s in info.siblings}
    out["tree"] = sorted(f.path for f in api.list_repo_tree("org/model", recursive=True) if hasattr(f, "size") and f.__class__.__name__ == "RepoFile")
    for f in ["config.json", "visual/model.onnx"]:
        m = get_hf_file_metadata(hf_hub_url("org/model", f))
        out["meta:" + f] = {"etag": m.etag, "size": m.size, "commit": m.commit_hash, "cdn": m.location != hf_hub_url("org/model", f)}
    out["file"] = hf_hub_download("org/model", "visual/model.onnx")
    out["snapshot"] = snapshot_download("org/model", allow_patterns=["config.json", "textual/*"])
    out["private"] = hf_hub_download("org/private", "config.json", token="hf_good")
    out["dataset"] = snapshot_download("org/data", repo_type="dataset")
elif step == "resume":
    out["file"] = hf_hub_download("org/model", "visual/model.onnx")
elif step == "offline":
    # HF_HUB_OFFLINE=1 is set by the caller: no request may be made.
    out["file"] = hf_hub_download("org/model", "visual/model.onnx")
    out["dataset"] = hf_hub_download("org/data", "test/0.tar", repo_type="dataset")
    out["cached"] = try_to_load_from_cache("org/model", "config.json")
    out["snapshot"] = snapshot_download("org/model", local_files_only=True)
report = scan_cache_dir()
out["warnings"] = [str(w) for w in report.warnings]
out["repos"] = sorted((r.repo_type, r.repo_id, r.nb_files) for r in report.repos)
print(json.dumps(out))
`

func python(t *testing.T, s *hubtest.Server, cache string, env []string, step string) map[string]any {
	t.Helper()
	out, err := runPython(s, cache, env, step)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func pythonErr(t *testing.T, s *hubtest.Server, cache string, env []string, step string) error {
	t.Helper()
	_, err := runPython(s, cache, env, step)
	return err
}

func runPython(s *hubtest.Server, cache string, env []string, step string) (map[string]any, error) {
	py := os.Getenv("EVALCLIP_PYTHON")
	if py == "" {
		py = "python3"
	}
	cmd := exec.Command(py, "-c", interopScript, step)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+os.Getenv("EVALCLIP_HF_HUB_SRC"), "HF_ENDPOINT="+s.URL, "HF_HUB_CACHE="+cache,
		"HF_HOME="+filepath.Join(cache, "home"), "HF_HUB_DISABLE_TELEMETRY=1", "HF_HUB_DISABLE_PROGRESS_BARS=1", "HF_TOKEN=")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("huggingface_hub %s: %v\n%s", step, err, stderr.String())
	}
	var out map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("huggingface_hub %s: %v: %s", step, err, stdout.String())
	}
	return out, nil
}

var interopRepo = hub.Repo{Type: hub.Model, ID: "org/model"}

func interopServer(t *testing.T) (*hubtest.Server, string) {
	s := hubtest.New(t)
	s.PageSize = 2
	s.AddToken("hf_good")
	commit := s.AddRepo(hubtest.Model, "org/model", modelFiles, hubtest.Access{})
	s.AddRepo(hubtest.Model, "org/private", modelFiles, hubtest.Access{Private: true, Tokens: []string{"hf_good"}})
	s.AddRepo(hubtest.Dataset, "org/data", map[string][]byte{"classnames.txt": []byte("a\nb\n"),
		"test/nshards.txt": []byte("1\n"), "test/0.tar": big(20_000)}, hubtest.Access{})
	return s, commit
}

func TestInteropWithHuggingfaceHub(t *testing.T) {
	if os.Getenv("EVALCLIP_HF_HUB_SRC") == "" {
		t.Skip("set EVALCLIP_HF_HUB_SRC to huggingface_hub's src folder to run huggingface_hub against the loopback Hub")
	}
	ctx := context.Background()
	t.Run("huggingface_hub downloads, evalclip reads offline", func(t *testing.T) {
		s, commit := interopServer(t)
		cache := t.TempDir()
		out := python(t, s, cache, nil, "download")
		if out["sha"] != commit {
			t.Errorf("model_info sha %v, want %s", out["sha"], commit)
		}
		if len(out["tree"].([]any)) != len(modelFiles) {
			t.Errorf("paginated tree: %v", out["tree"])
		}
		lfs := out["meta:visual/model.onnx"].(map[string]any)
		if lfs["etag"] != hubtest.SHA256(modelFiles["visual/model.onnx"]) || lfs["size"].(float64) != 300_000 || lfs["cdn"] != true || lfs["commit"] != commit {
			t.Errorf("LFS metadata as huggingface_hub reads it: %v", lfs)
		}
		small := out["meta:config.json"].(map[string]any)
		if small["etag"] != hubtest.GitBlobSHA1(modelFiles["config.json"]) {
			t.Errorf("small-file metadata: %v", small)
		}
		if w := out["warnings"].([]any); len(w) != 0 {
			t.Errorf("scan_cache_dir warnings: %v", w)
		}
		s.ResetRequests()
		c := hub.New(hub.Config{Endpoint: s.URL, CacheDir: cache, Offline: true})
		info, err := c.Resolve(ctx, interopRepo, "main")
		if err != nil || info.Commit != commit {
			t.Fatalf("offline resolve of huggingface_hub's cache: %v %v", info, err)
		}
		paths, err := c.Fetch(ctx, info, []string{"visual/model.onnx", "config.json", "textual/model.onnx"})
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range []string{"visual/model.onnx", "config.json", "textual/model.onnx"} {
			if got, _ := os.ReadFile(paths[i]); !bytes.Equal(got, modelFiles[f]) {
				t.Errorf("%s differs", f)
			}
		}
		if n := len(s.Requests()); n != 0 {
			t.Errorf("%d requests reading huggingface_hub's cache offline", n)
		}
		// Online, evalclip downloads nothing huggingface_hub already has.
		on := hub.New(hub.Config{Endpoint: s.URL, CacheDir: cache})
		if _, err := on.Download(ctx, interopRepo, "main", "visual/model.onnx"); err != nil {
			t.Fatal(err)
		}
		for _, r := range s.Requests() {
			if r.Method == "GET" && r.File != "" {
				t.Errorf("re-downloaded %s", r.File)
			}
		}
	})
	// huggingface_hub does not resume within one call: a cut body fails
	// its size check and leaves blobs/<sha256>.incomplete, which the next
	// call resumes with a Range request. The two clients resume each
	// other's partial files.
	t.Run("partial downloads resume across clients", func(t *testing.T) {
		s, _ := interopServer(t)
		cache := t.TempDir()
		ranges := func() []string {
			defer s.ResetRequests()
			return cdnRanges(s)
		}
		s.AddFault(hubtest.Fault{Host: "cdn", Method: "GET", Times: 1, DropAfter: 100_000})
		if err := pythonErr(t, s, cache, nil, "resume"); err == nil || !strings.Contains(err.Error(), "Consistency check failed") {
			t.Fatalf("huggingface_hub on a cut body: %v", err)
		}
		ranges()
		c := hub.New(hub.Config{Endpoint: s.URL, CacheDir: cache})
		p, err := c.Download(ctx, interopRepo, "main", "visual/model.onnx")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(p); !bytes.Equal(got, modelFiles["visual/model.onnx"]) {
			t.Error("evalclip's resume of huggingface_hub's partial file differs")
		}
		if r := ranges(); len(r) != 1 || r[0] != "bytes=100000-" {
			t.Errorf("evalclip resumed huggingface_hub's partial file with %q", r)
		}

		cache = t.TempDir()
		s.AddFault(hubtest.Fault{Host: "cdn", Method: "GET", Times: 1, DropAfter: 140_000})
		s.AddFault(hubtest.Fault{Host: "cdn", Method: "GET", DropAt0: true})
		c = hub.New(hub.Config{Endpoint: s.URL, CacheDir: cache})
		c.Retries, c.RetryWait = 1, 1
		if _, err := c.Download(ctx, interopRepo, "main", "visual/model.onnx"); err == nil {
			t.Fatal("download with every attempt cut succeeded")
		}
		s.ClearFaults()
		ranges()
		out := python(t, s, cache, nil, "resume")
		if got, _ := os.ReadFile(out["file"].(string)); !bytes.Equal(got, modelFiles["visual/model.onnx"]) {
			t.Error("huggingface_hub's resume of evalclip's partial file differs")
		}
		if r := ranges(); len(r) != 1 || r[0] != "bytes=140000-" {
			t.Errorf("huggingface_hub resumed evalclip's partial file with %q", r)
		}
	})
	// The download lock is huggingface_hub's: while its filelock holds
	// .locks/<repo>/<etag>.lock, evalclip waits.
	t.Run("shared lock", func(t *testing.T) {
		s, _ := interopServer(t)
		cache := t.TempDir()
		lock := filepath.Join(cache, ".locks", interopRepo.FolderName(), hubtest.SHA256(modelFiles["visual/model.onnx"])+".lock")
		os.MkdirAll(filepath.Dir(lock), 0o755)
		py := os.Getenv("EVALCLIP_PYTHON")
		if py == "" {
			py = "python3"
		}
		cmd := exec.Command(py, "-c", "import sys, time\nfrom filelock import FileLock\nl = FileLock(sys.argv[1])\nl.acquire()\nprint('held', flush=True)\ntime.sleep(1.5)\nl.release()\n", lock)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Wait()
		buf := make([]byte, 5)
		if _, err := stdout.Read(buf); err != nil || string(buf[:4]) != "held" {
			t.Fatalf("filelock: %q %v", buf, err)
		}
		var progress bytes.Buffer
		c := hub.New(hub.Config{Endpoint: s.URL, CacheDir: cache})
		c.Progress = &progress
		if _, err := c.Download(ctx, interopRepo, "main", "visual/model.onnx"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(progress.String(), "waiting for another process") {
			t.Errorf("evalclip did not wait for huggingface_hub's lock:\n%s", progress.String())
		}
	})
	t.Run("evalclip downloads, huggingface_hub reads offline", func(t *testing.T) {
		s, commit := interopServer(t)
		cache := t.TempDir()
		c := hub.New(hub.Config{Endpoint: s.URL, CacheDir: cache})
		info, err := c.Resolve(ctx, interopRepo, "main")
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, f := range info.Files {
			all = append(all, f.Path)
		}
		if _, err := c.Fetch(ctx, info, all); err != nil {
			t.Fatal(err)
		}
		data := hub.Repo{Type: hub.Dataset, ID: "org/data"}
		dinfo, err := c.Resolve(ctx, data, "main")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Fetch(ctx, dinfo, []string{"classnames.txt", "test/nshards.txt", "test/0.tar"}); err != nil {
			t.Fatal(err)
		}
		s.ResetRequests()
		out := python(t, s, cache, []string{"HF_HUB_OFFLINE=1"}, "offline")
		for _, k := range []string{"file", "snapshot", "cached", "dataset"} {
			p, _ := out[k].(string)
			if !strings.Contains(p, commit) && !strings.Contains(p, dinfo.Commit) {
				t.Errorf("%s: %v", k, out[k])
			}
		}
		if got, _ := os.ReadFile(out["file"].(string)); !bytes.Equal(got, modelFiles["visual/model.onnx"]) {
			t.Error("huggingface_hub reads other bytes from evalclip's cache")
		}
		if w := out["warnings"].([]any); len(w) != 0 {
			t.Errorf("scan_cache_dir finds evalclip's cache damaged: %v", w)
		}
		if n := len(s.Requests()); n != 0 {
			t.Errorf("huggingface_hub made %d requests offline", n)
		}
	})
}
