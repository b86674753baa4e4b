package pull

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/encoders/onnx"
	"github.com/evalclip/evalclip/encoders/zoo"
	"github.com/evalclip/evalclip/internal/hub"
	"github.com/evalclip/evalclip/reports"
)

// Result is a pulled repository.
type Result struct {
	// Dir is the commit's snapshot folder in the cache.
	Dir string
	// Source identifies the repository and commit.
	Source reports.Source
	// Files are the pulled repository paths; Bytes their total size.
	Files []string
	Bytes int64
}

func listing(info *hub.RepoInfo) []string {
	out := make([]string, len(info.Files))
	for i, f := range info.Files {
		out[i] = f.Path
	}
	return out
}

func source(info *hub.RepoInfo, revision string) reports.Source {
	s := reports.Source{Hub: info.Repo.ID, Revision: revision, Commit: info.Commit}
	if info.Repo.Type == hub.Model {
		if m, p, ok := zoo.FromRepo(info.Repo.ID); ok {
			s.OpenCLIP, s.Pretrained = m, p
		}
	}
	return s
}

func result(c *hub.Client, info *hub.RepoInfo, revision string, files []string) *Result {
	r := &Result{Dir: c.Cache().SnapshotDir(info.Repo, info.Commit), Source: source(info, revision), Files: files}
	for _, p := range files {
		if fi, err := os.Stat(c.Cache().PointerPath(info.Repo, info.Commit, p)); err == nil {
			r.Bytes += fi.Size()
		}
	}
	return r
}

// Model pulls the files a model folder of repo needs at revision.
func Model(ctx context.Context, c *hub.Client, repoID, revision string, spec onnx.HubSpec) (*Result, error) {
	info, revision, cached, err := start(ctx, c, hub.Model, repoID, revision, func(off *hub.Client, rev string) (*Result, error) {
		return Model(ctx, off, repoID, rev, spec)
	})
	if err != nil || cached != nil {
		return cached, err
	}
	repo := info.Repo
	files, err := onnx.HubFiles(listing(info), spec)
	if err != nil {
		if c.Offline {
			return nil, fmt.Errorf("%w: %s@%s in %s: %v", hub.ErrOffline, repo, revision, c.CacheDir, err)
		}
		return nil, fmt.Errorf("%w: %s@%s: %v", hub.ErrEntryNotFound, repo, revision, err)
	}
	paths, err := c.Fetch(ctx, info, files)
	if err != nil {
		return nil, err
	}
	// The towers name the files their weights are in.
	have := map[string]bool{}
	for _, f := range files {
		have[f] = true
	}
	var extra []string
	for i, f := range files {
		if !strings.HasSuffix(f, ".onnx") {
			continue
		}
		locs, err := onnx.ExternalData(paths[i])
		if err != nil {
			return nil, fmt.Errorf("%s@%s: %s: %w", repo, revision, f, err)
		}
		for _, l := range locs {
			p := path.Join(path.Dir(f), l)
			if !have[p] {
				have[p] = true
				extra = append(extra, p)
			}
		}
	}
	if len(extra) > 0 {
		if _, err := c.Fetch(ctx, info, extra); err != nil {
			if errors.Is(err, hub.ErrEntryNotFound) {
				return nil, fmt.Errorf("%w (a tower names it as its external data)", err)
			}
			return nil, err
		}
		files = append(files, extra...)
	}
	return result(c, info, revision, files), nil
}

// start parses the repository id, defaults the revision to main, and
// resolves it. A commit revision whose files are all in the cache is
// answered from the cache alone (cached, by running again offline): a
// commit never changes, so no request is needed to know its files.
func start(ctx context.Context, c *hub.Client, t hub.RepoType, repoID, revision string,
	again func(off *hub.Client, revision string) (*Result, error)) (info *hub.RepoInfo, rev string, cached *Result, err error) {
	repo, err := hub.ParseRepo(t, repoID)
	if err != nil {
		return nil, "", nil, err
	}
	if revision == "" {
		revision = hub.DefaultRevision
	}
	if !c.Offline && hub.IsCommit(revision) {
		off := *c
		off.Offline, off.Progress = true, nil
		if r, err := again(&off, revision); err == nil {
			return nil, revision, r, nil
		}
	}
	info, err = c.Resolve(ctx, repo, revision)
	return info, revision, nil, err
}

// Files of a CLIP_benchmark webdataset repository.
const (
	ClassnamesFile = "classnames.txt"
	TemplatesFile  = "zeroshot_classification_templates.txt"
	NShardsFile    = datasets.NShardsFile
	TypeFile       = datasets.WDSTypeFile
)

// WDS pulls the class names, templates and the shards of each split of a
// CLIP_benchmark webdataset repository.
func WDS(ctx context.Context, c *hub.Client, repoID, revision string, splits []string) (*Result, error) {
	info, revision, cached, err := start(ctx, c, hub.Dataset, repoID, revision, func(off *hub.Client, rev string) (*Result, error) {
		return WDS(ctx, off, repoID, rev, splits)
	})
	if err != nil || cached != nil {
		return cached, err
	}
	repo := info.Repo
	has := map[string]bool{}
	for _, p := range listing(info) {
		has[p] = true
	}
	// Labelled repositories have class names; caption (retrieval) ones say
	// so in dataset_type.txt.
	var files []string
	for _, f := range []string{ClassnamesFile, TemplatesFile, TypeFile} {
		if has[f] {
			files = append(files, f)
		}
	}
	seen := map[string]bool{}
	for _, split := range splits {
		if split == "" || seen[split] {
			continue
		}
		seen[split] = true
		if strings.ContainsAny(split, "/\\") || split == "." || split == ".." {
			return nil, fmt.Errorf("%s: split %q is not a folder name", repo, split)
		}
		shards, err := shardsOf(ctx, c, info, split, has)
		if err != nil {
			return nil, err
		}
		files = append(files, shards...)
	}
	if !has[ClassnamesFile] && !has[TypeFile] && !c.Offline {
		return nil, fmt.Errorf("%w: %s@%s has neither %s nor %s: not a CLIP_benchmark webdataset repository", hub.ErrEntryNotFound, repo, revision, ClassnamesFile, TypeFile)
	}
	if _, err := c.Fetch(ctx, info, files); err != nil {
		return nil, err
	}
	return result(c, info, revision, files), nil
}

// shardsOf returns nshards.txt and the shards it announces for split, or,
// without nshards.txt, the split's .tar files in numeric order.
func shardsOf(ctx context.Context, c *hub.Client, info *hub.RepoInfo, split string, has map[string]bool) ([]string, error) {
	ns := split + "/" + NShardsFile
	if !has[ns] {
		var tars []string
		for p := range has {
			if path.Dir(p) == split && strings.HasSuffix(p, ".tar") {
				tars = append(tars, p)
			}
		}
		if len(tars) == 0 {
			if c.Offline {
				return nil, fmt.Errorf("%w: %s (commit %s) has no split %q in %s", hub.ErrOffline, info.Repo, info.Commit, split, c.CacheDir)
			}
			return nil, fmt.Errorf("%w: %s has no split %q (no %s, no %s/*.tar); splits: %s", hub.ErrEntryNotFound, info.Repo, split, ns, split, splitsOf(has))
		}
		sortShards(tars)
		return tars, nil
	}
	p, err := c.Fetch(ctx, info, []string{ns})
	if err != nil {
		return nil, err
	}
	n, err := datasets.ReadNShards(p[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", info.Repo, err)
	}
	out := []string{ns}
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("%s/%d.tar", split, i))
	}
	return out, nil
}

func splitsOf(has map[string]bool) string {
	set := map[string]bool{}
	for p := range has {
		if d := path.Dir(p); d != "." && !strings.Contains(d, "/") {
			set[d] = true
		}
	}
	var out []string
	for d := range set {
		out = append(out, d)
	}
	sortShards(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// sortShards orders names numerically where they are numbers ("2.tar"
// before "10.tar").
func sortShards(s []string) {
	num := func(p string) (int, bool) {
		n, err := strconv.Atoi(strings.TrimSuffix(path.Base(p), ".tar"))
		return n, err == nil
	}
	sort.Slice(s, func(i, j int) bool {
		a, b := s[i], s[j]
		na, oka := num(a)
		nb, okb := num(b)
		if oka && okb && path.Dir(a) == path.Dir(b) {
			return na < nb
		}
		return a < b
	})
}
