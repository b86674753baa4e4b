package hub_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evalclip/evalclip/internal/hub"
	"github.com/evalclip/evalclip/internal/hub/hubtest"
)

// big is an LFS-sized payload with a recognisable pattern.
func big(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

var modelFiles = map[string][]byte{
	"config.json":                []byte(`{"embed_dim": 512}`),
	"visual/model.onnx":          big(300_000),
	"visual/preprocess_cfg.json": []byte(`{"size": 224}`),
	"textual/model.onnx":         big(200_000),
	"textual/tokenizer.json":     []byte(`{"model": {"type": "BPE"}}`),
	"README.md":                  []byte("# a model\n"),
}

func newClient(t *testing.T, s *hubtest.Server) *hub.Client {
	t.Helper()
	c := hub.New(hub.Config{Endpoint: s.URL, CacheDir: t.TempDir(),
		MetadataTimeout: 5 * time.Second, DownloadTimeout: 5 * time.Second})
	c.RetryWait = 5 * time.Millisecond
	return c
}

var modelRepo = hub.Repo{Type: hub.Model, ID: "immich-app/ViT-B-32__openai"}

func setup(t *testing.T) (*hubtest.Server, *hub.Client, string) {
	t.Helper()
	s := hubtest.New(t)
	commit := s.AddRepo(hubtest.Model, modelRepo.ID, modelFiles, hubtest.Access{})
	return s, newClient(t, s), commit
}

func count(reqs []hubtest.Request, host, method string) int {
	n := 0
	for _, r := range reqs {
		if r.Host == host && r.Method == method {
			n++
		}
	}
	return n
}

// cdnRanges lists the Range headers of the CDN requests so far.
func cdnRanges(s *hubtest.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		if r.Host == "cdn" {
			out = append(out, r.Range)
		}
	}
	return out
}

func TestDownloadLayout(t *testing.T) {
	s, c, commit := setup(t)
	ctx := context.Background()
	for _, f := range []string{"visual/model.onnx", "config.json"} {
		p, err := c.Download(ctx, modelRepo, "main", f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, modelFiles[f]) {
			t.Fatalf("%s: content differs (%v)", f, err)
		}
		want := filepath.Join(c.CacheDir, "models--immich-app--ViT-B-32__openai", "snapshots", commit, filepath.FromSlash(f))
		if p != want {
			t.Errorf("%s: path %s, want %s", f, p, want)
		}
		link, err := os.Readlink(p)
		if err != nil {
			t.Fatalf("%s: not a link: %v", f, err)
		}
		etag := hubtest.GitBlobSHA1(modelFiles[f])
		if strings.HasSuffix(f, ".onnx") {
			etag = hubtest.SHA256(modelFiles[f])
		}
		depth := strings.Repeat("../", strings.Count(f, "/")+2)
		if link != depth+"blobs/"+etag {
			t.Errorf("%s: link %q, want %q", f, link, depth+"blobs/"+etag)
		}
	}
	ref, err := os.ReadFile(filepath.Join(c.CacheDir, "models--immich-app--ViT-B-32__openai", "refs", "main"))
	if err != nil || string(ref) != commit {
		t.Errorf("refs/main = %q (%v), want the bare commit %s", ref, err, commit)
	}
	for _, r := range s.Requests() {
		if r.Host == "cdn" && r.Authorization != "" {
			t.Errorf("token sent to the CDN: %+v", r)
		}
		if r.Host == "cdn" && r.Method == http.MethodHead {
			t.Errorf("HEAD followed the LFS redirect to the CDN: %+v", r)
		}
	}
	if n := count(s.Requests(), "cdn", http.MethodGet); n != 1 {
		t.Errorf("%d CDN GETs, want 1", n)
	}
	// A commit revision already cached costs no request at all.
	s.ResetRequests()
	if _, err := c.Download(ctx, modelRepo, commit, "visual/model.onnx"); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests for a cached commit file, want 0", n)
	}
	// A branch revision asks once (HEAD) but downloads nothing.
	if _, err := c.Download(ctx, modelRepo, "main", "visual/model.onnx"); err != nil {
		t.Fatal(err)
	}
	if n := count(s.Requests(), "cdn", http.MethodGet) + count(s.Requests(), "hub", http.MethodGet); n != 0 {
		t.Errorf("%d GETs for a cached file, want 0", n)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(c.CacheDir, "*", "blobs", "*.incomplete")); len(leftovers) != 0 {
		t.Errorf("incomplete files left: %v", leftovers)
	}
}

func TestTokenStaysOnTheHub(t *testing.T) {
	s := hubtest.New(t)
	s.AddToken("hf_good")
	s.AddRepo(hubtest.Model, "org/private", modelFiles, hubtest.Access{Private: true, Tokens: []string{"hf_good"}})
	c := newClient(t, s)
	c.Token, c.TokenSource = "hf_good", "HF_TOKEN"
	repo := hub.Repo{Type: hub.Model, ID: "org/private"}
	for _, f := range []string{"config.json", "visual/model.onnx"} {
		if _, err := c.Download(context.Background(), repo, "main", f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	sawCache := false
	for _, r := range s.Requests() {
		switch {
		case r.Host == "cdn" && r.Authorization != "":
			t.Errorf("token sent to the CDN: %+v", r)
		case r.Host == "hub" && r.Authorization != "Bearer hf_good":
			t.Errorf("hub request without the token: %+v", r)
		}
		if strings.HasPrefix(r.Path, "/api/resolve-cache/") {
			sawCache = true
		}
	}
	if !sawCache {
		t.Error("the small file's relative redirect to resolve-cache was not followed")
	}
}

func TestErrorsByCode(t *testing.T) {
	s := hubtest.New(t)
	s.AddToken("hf_good", "hf_other")
	s.AddRepo(hubtest.Model, "org/private", modelFiles, hubtest.Access{Private: true, Tokens: []string{"hf_good"}})
	s.AddRepo(hubtest.Model, "org/gated", modelFiles, hubtest.Access{Gated: true, Tokens: []string{"hf_good"}})
	s.AddRepo(hubtest.Model, "org/public", modelFiles, hubtest.Access{})
	ctx := context.Background()
	for _, tc := range []struct {
		name, repo, token, rev, file string
		kind                         error
		hint                         string
	}{
		{"missing anonymous", "org/nothing", "", "main", "config.json", hub.ErrRepoNotFound, "if it is private, set HF_TOKEN"},
		{"missing with token", "org/nothing", "hf_other", "main", "config.json", hub.ErrRepoNotFound, "cannot read it"},
		{"private anonymous", "org/private", "", "main", "config.json", hub.ErrRepoNotFound, "set HF_TOKEN"},
		{"gated anonymous", "org/gated", "", "main", "config.json", hub.ErrGated, "accept the conditions"},
		{"gated not approved", "org/gated", "hf_other", "main", "config.json", hub.ErrGated, "no access yet"},
		{"invalid token", "org/public", "hf_bogus", "main", "config.json", hub.ErrUnauthorized, "invalid or expired"},
		{"revision", "org/public", "", "v9", "config.json", hub.ErrRevisionNotFound, ""},
		{"entry", "org/public", "", "main", "nope.json", hub.ErrEntryNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, s)
			if tc.token != "" {
				c.Token, c.TokenSource = tc.token, "HF_TOKEN"
			}
			_, err := c.Download(ctx, hub.Repo{Type: hub.Model, ID: tc.repo}, tc.rev, tc.file)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("error %v, want %v", err, tc.kind)
			}
			if !strings.Contains(err.Error(), tc.hint) {
				t.Errorf("error %q lacks %q", err, tc.hint)
			}
			if tc.kind == hub.ErrRepoNotFound && errors.Is(err, hub.ErrUnauthorized) {
				t.Errorf("a missing repository reads as a token problem: %v", err)
			}
			// The API answers the same way.
			_, err = c.RepoInfo(ctx, hub.Repo{Type: hub.Model, ID: tc.repo}, tc.rev)
			if tc.kind != hub.ErrEntryNotFound && !errors.Is(err, tc.kind) {
				t.Errorf("RepoInfo: %v, want %v", err, tc.kind)
			}
		})
	}
}

func TestResumeAfterDroppedConnection(t *testing.T) {
	s, c, _ := setup(t)
	drop := s.AddFault(hubtest.Fault{Host: "cdn", Method: http.MethodGet, File: "visual/model.onnx", Times: 2, DropAfter: 100_000})
	p, err := c.Download(context.Background(), modelRepo, "main", "visual/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, modelFiles["visual/model.onnx"]) {
		t.Fatal("resumed file differs")
	}
	if s.Hits(drop) != 2 {
		t.Errorf("fault hit %d times, want 2", s.Hits(drop))
	}
	ranges := cdnRanges(s)
	if want := []string{"", "bytes=100000-", "bytes=200000-"}; fmt.Sprint(ranges) != fmt.Sprint(want) {
		t.Errorf("ranges %q, want %q", ranges, want)
	}
}

func TestRangeIgnoredStartsOver(t *testing.T) {
	s, c, _ := setup(t)
	s.AddFault(hubtest.Fault{Host: "cdn", Method: http.MethodGet, Times: 1, DropAfter: 50_000})
	s.AddFault(hubtest.Fault{Host: "cdn", Method: http.MethodGet, Times: 1, IgnoreRange: true})
	p, err := c.Download(context.Background(), modelRepo, "main", "visual/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, modelFiles["visual/model.onnx"]) {
		t.Fatal("file differs after the server ignored Range")
	}
}

func TestResumeEarlierIncomplete(t *testing.T) {
	s, c, _ := setup(t)
	data := modelFiles["visual/model.onnx"]
	blobs := filepath.Join(c.CacheDir, modelRepo.FolderName(), "blobs")
	os.MkdirAll(blobs, 0o755)
	os.WriteFile(filepath.Join(blobs, hubtest.SHA256(data)+".incomplete"), data[:123_456], 0o644)
	if _, err := c.Download(context.Background(), modelRepo, "main", "visual/model.onnx"); err != nil {
		t.Fatal(err)
	}
	got := cdnRanges(s)
	if len(got) != 1 || got[0] != "bytes=123456-" {
		t.Errorf("CDN ranges %q, want one bytes=123456-", got)
	}
}

func TestWrongBytesRefused(t *testing.T) {
	for _, tc := range []struct{ host, file, kind string }{
		{"cdn", "visual/model.onnx", "sha256"},
		{"hub", "config.json", "git blob sha1"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			s, c, commit := setup(t)
			s.AddFault(hubtest.Fault{Host: tc.host, Method: http.MethodGet, File: tc.file, Corrupt: true})
			_, err := c.Download(context.Background(), modelRepo, "main", tc.file)
			if !errors.Is(err, hub.ErrChecksum) || !strings.Contains(err.Error(), tc.kind) {
				t.Fatalf("error %v, want a %s checksum error", err, tc.kind)
			}
			left, _ := filepath.Glob(filepath.Join(c.CacheDir, modelRepo.FolderName(), "blobs", "*"))
			if len(left) != 0 {
				t.Errorf("blobs left after a bad download: %v", left)
			}
			if _, ok := c.Cache().Cached(modelRepo, commit, tc.file); ok {
				t.Error("snapshot link made for a bad download")
			}
		})
	}
}

func TestSlowServer(t *testing.T) {
	s, c, _ := setup(t)
	c.MetadataTimeout = 100 * time.Millisecond
	c.DownloadTimeout = 100 * time.Millisecond
	s.AddFault(hubtest.Fault{Host: "hub", Method: http.MethodHead, Times: 1, Delay: time.Second})
	s.AddFault(hubtest.Fault{Host: "cdn", Method: http.MethodGet, Times: 1, StallAfter: 1000, Stall: 2 * time.Second})
	start := time.Now()
	p, err := c.Download(context.Background(), modelRepo, "main", "visual/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, modelFiles["visual/model.onnx"]) {
		t.Fatal("file differs after a stall")
	}
	if d := time.Since(start); d > 1900*time.Millisecond {
		t.Errorf("took %s: the stall was waited out instead of cut", d)
	}
	ranges := cdnRanges(s)
	if len(ranges) != 2 || ranges[1] != "bytes=1000-" {
		t.Errorf("CDN ranges %q, want a resume at byte 1000", ranges)
	}
}

func TestServerErrorsRetried(t *testing.T) {
	s, c, _ := setup(t)
	s.AddFault(hubtest.Fault{Host: "hub", Times: 2, Status: http.StatusServiceUnavailable})
	if _, err := c.Download(context.Background(), modelRepo, "main", "config.json"); err != nil {
		t.Fatalf("two 503s then success: %v", err)
	}
	s.AddFault(hubtest.Fault{Host: "hub", Status: http.StatusBadGateway})
	_, err := c.Download(context.Background(), modelRepo, "main", "textual/tokenizer.json")
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("endless 502: %v", err)
	}
}

func TestOffline(t *testing.T) {
	s, c, commit := setup(t)
	ctx := context.Background()
	if _, err := c.Download(ctx, modelRepo, "main", "config.json"); err != nil {
		t.Fatal(err)
	}
	s.ResetRequests()
	off := hub.New(c.Config)
	off.Offline = true
	p, err := off.Download(ctx, modelRepo, "main", "config.json")
	if err != nil || !strings.Contains(p, commit) {
		t.Fatalf("offline cached file: %q, %v", p, err)
	}
	_, err = off.Download(ctx, modelRepo, "main", "visual/model.onnx")
	if !errors.Is(err, hub.ErrOffline) || !strings.Contains(err.Error(), "visual/model.onnx") {
		t.Errorf("offline, not cached: %v", err)
	}
	_, err = off.Download(ctx, hub.Repo{Type: hub.Model, ID: "org/never"}, "main", "config.json")
	if !errors.Is(err, hub.ErrOffline) || !strings.Contains(err.Error(), "org/never@main") {
		t.Errorf("offline, repository never pulled: %v", err)
	}
	info, err := off.Resolve(ctx, modelRepo, "main")
	if err != nil || info.Commit != commit || len(info.Files) != 1 {
		t.Fatalf("offline resolve: %+v, %v", info, err)
	}
	if _, err := off.Fetch(ctx, info, []string{"config.json", "textual/model.onnx", "visual/model.onnx"}); !errors.Is(err, hub.ErrOffline) ||
		!strings.Contains(err.Error(), "textual/model.onnx, visual/model.onnx") {
		t.Errorf("offline fetch names every missing file: %v", err)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("offline made %d requests", n)
	}
}

func TestTwoPullersOneDownload(t *testing.T) {
	s, c, _ := setup(t)
	s.AddFault(hubtest.Fault{Host: "cdn", Method: http.MethodGet, Delay: 300 * time.Millisecond})
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			other := hub.New(c.Config) // another client on the same cache, as another process would be
			other.RetryWait = c.RetryWait
			_, errs[i] = other.Download(context.Background(), modelRepo, "main", "visual/model.onnx")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("puller %d: %v", i, err)
		}
	}
	if n := count(s.Requests(), "cdn", http.MethodGet); n != 1 {
		t.Errorf("%d CDN downloads of one file by three pullers, want 1", n)
	}
}

func TestDiskFull(t *testing.T) {
	t.Run("checked before", func(t *testing.T) {
		s, c, _ := setup(t)
		hub.SetFreeSpace(c, func(string) (int64, error) { return 1000, nil })
		_, err := c.Download(context.Background(), modelRepo, "main", "visual/model.onnx")
		if !errors.Is(err, hub.ErrDiskFull) || !strings.Contains(err.Error(), "HF_HUB_CACHE") {
			t.Fatalf("error %v, want disk full naming HF_HUB_CACHE", err)
		}
		if n := count(s.Requests(), "cdn", http.MethodGet); n != 0 {
			t.Errorf("%d downloads started with no room", n)
		}
	})
	t.Run("while writing", func(t *testing.T) {
		if _, err := os.Stat("/dev/full"); err != nil {
			t.Skip("no /dev/full")
		}
		_, c, _ := setup(t)
		blobs := filepath.Join(c.CacheDir, modelRepo.FolderName(), "blobs")
		os.MkdirAll(blobs, 0o755)
		// Writes to the partial file fail as on a full disk.
		if err := os.Symlink("/dev/full", filepath.Join(blobs, hubtest.SHA256(modelFiles["visual/model.onnx"])+".incomplete")); err != nil {
			t.Fatal(err)
		}
		_, err := c.Download(context.Background(), modelRepo, "main", "visual/model.onnx")
		if !errors.Is(err, hub.ErrDiskFull) {
			t.Fatalf("error %v, want disk full", err)
		}
	})
}

func TestTreeFallbackPaginated(t *testing.T) {
	s, c, commit := setup(t)
	s.OmitBlobs = true
	s.PageSize = 2
	info, err := c.RepoInfo(context.Background(), modelRepo, "main")
	if err != nil {
		t.Fatal(err)
	}
	if info.Commit != commit || len(info.Files) != len(modelFiles) {
		t.Fatalf("listing: commit %s, %d files, want %s and %d", info.Commit, len(info.Files), commit, len(modelFiles))
	}
	f, _ := info.File("visual/model.onnx")
	if f.LFS == nil || f.LFS.SHA256 != hubtest.SHA256(modelFiles["visual/model.onnx"]) || f.Size != 300_000 {
		t.Errorf("LFS entry from the tree: %+v", f)
	}
	pages := 0
	for _, r := range s.Requests() {
		if strings.Contains(r.Path, "/tree/") {
			pages++
		}
	}
	if pages < 4 {
		t.Errorf("%d tree pages, want the Link header followed", pages)
	}
}

func TestWeakETagsAndEscapedRevisions(t *testing.T) {
	s, c, _ := setup(t)
	s.WeakETags = true
	pr := s.Commit(hubtest.Model, modelRepo.ID, "refs/pr/1", map[string][]byte{"config.json": []byte(`{"pr": 1}`)})
	p, err := c.Download(context.Background(), modelRepo, "refs/pr/1", "config.json")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != `{"pr": 1}` || !strings.Contains(p, pr) {
		t.Errorf("refs/pr/1: %q at %s", got, p)
	}
	ref, _ := os.ReadFile(filepath.Join(c.CacheDir, modelRepo.FolderName(), "refs", "refs", "pr", "1"))
	if string(ref) != pr {
		t.Errorf("refs/refs/pr/1 = %q, want %s", ref, pr)
	}
}

func TestBranchMoves(t *testing.T) {
	s, c, first := setup(t)
	ctx := context.Background()
	if _, err := c.Download(ctx, modelRepo, "main", "config.json"); err != nil {
		t.Fatal(err)
	}
	second := s.Commit(hubtest.Model, modelRepo.ID, "main", map[string][]byte{"config.json": []byte(`{"v": 2}`)})
	info, err := c.Resolve(ctx, modelRepo, "main")
	if err != nil || info.Commit != second {
		t.Fatalf("resolve after a push: %v, %v", info, err)
	}
	paths, err := c.Fetch(ctx, info, []string{"config.json"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(paths[0]); string(got) != `{"v": 2}` {
		t.Errorf("new commit's file: %q", got)
	}
	if _, ok := c.Cache().Cached(modelRepo, first, "config.json"); !ok {
		t.Error("the earlier snapshot was lost")
	}
}

func TestHostileListing(t *testing.T) {
	s := hubtest.New(t)
	s.AddRepo(hubtest.Model, "org/evil", map[string][]byte{"../../escape": []byte("x")}, hubtest.Access{})
	c := newClient(t, s)
	_, err := c.RepoInfo(context.Background(), hub.Repo{Type: hub.Model, ID: "org/evil"}, "main")
	if !errors.Is(err, hub.ErrProtocol) {
		t.Fatalf("a listing with ../ : %v", err)
	}
	if _, err := c.Download(context.Background(), hub.Repo{Type: hub.Model, ID: "org/evil"}, "main", "../../escape"); err == nil {
		t.Fatal("downloaded a path outside the snapshot")
	}
}

func TestNotAHub(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"abc"`)
		w.Write([]byte("hello"))
	}))
	defer plain.Close()
	c := hub.New(hub.Config{Endpoint: plain.URL, CacheDir: t.TempDir(), MetadataTimeout: time.Second, DownloadTimeout: time.Second})
	_, err := c.Download(context.Background(), modelRepo, "main", "config.json")
	if !errors.Is(err, hub.ErrProtocol) || !strings.Contains(err.Error(), "X-Repo-Commit") {
		t.Fatalf("error %v, want a protocol error about X-Repo-Commit", err)
	}
}

func TestProgressLines(t *testing.T) {
	s, c, _ := setup(t)
	var buf bytes.Buffer
	c.Progress = &buf
	c.ProgressEvery = time.Millisecond
	s.AddFault(hubtest.Fault{Host: "cdn", Method: http.MethodGet, Times: 1, DropAfter: 150_000})
	if _, err := c.Download(context.Background(), modelRepo, "main", "visual/model.onnx"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"hub: downloading immich-app/ViT-B-32__openai visual/model.onnx (300.0 kB)",
		"resuming at byte 150000", "visual/model.onnx: done, 300.0 kB in"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress lacks %q:\n%s", want, out)
		}
	}
}
