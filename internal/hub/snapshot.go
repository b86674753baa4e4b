package hub

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Resolve finds the commit of revision and its files. Online it asks the
// API and records the revision in refs/; offline it reads refs/ and lists
// the files present in the commit's snapshot (Size from the blobs, no
// ETags).
func (c *Client) Resolve(ctx context.Context, repo Repo, revision string) (*RepoInfo, error) {
	if revision == "" {
		revision = DefaultRevision
	}
	if err := checkRevision(revision); err != nil {
		return nil, err
	}
	cache := c.Cache()
	if c.Offline {
		commit, err := cache.ResolveRevision(repo, revision)
		if err != nil {
			return nil, err
		}
		if commit == "" {
			return nil, fmt.Errorf("%w: %s@%s was never downloaded into %s (offline: HF_HUB_OFFLINE=1 or --offline)", ErrOffline, repo, revision, cache.Dir)
		}
		files, err := c.cachedFiles(repo, commit)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%w: %s@%s (commit %s) has no files in %s (offline: HF_HUB_OFFLINE=1 or --offline)", ErrOffline, repo, revision, commit, cache.Dir)
		}
		return &RepoInfo{Repo: repo, Commit: commit, Files: files}, nil
	}
	info, err := c.RepoInfo(ctx, repo, revision)
	if err != nil {
		return nil, err
	}
	if err := cache.WriteRef(repo, revision, info.Commit); err != nil {
		return nil, err
	}
	return info, nil
}

// cachedFiles lists the files of a commit's snapshot whose blobs are
// present.
func (c *Client) cachedFiles(repo Repo, commit string) ([]RepoFile, error) {
	root := c.Cache().SnapshotDir(repo, commit)
	var out []RepoFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		fi, err := os.Stat(p) // follows the link into blobs/
		if err != nil || !fi.Mode().IsRegular() {
			return nil // a dangling link: not cached
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, RepoFile{Path: filepath.ToSlash(rel), Size: fi.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hub cache: %w", err)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Path < out[b].Path })
	return out, nil
}

// Fetch makes sure the cache holds paths of info's commit and returns
// their snapshot paths, in order. Online it downloads what is missing;
// offline every missing file is named in one ErrOffline error.
func (c *Client) Fetch(ctx context.Context, info *RepoInfo, paths []string) ([]string, error) {
	cache := c.Cache()
	out := make([]string, len(paths))
	var missing []string
	var need int64
	for i, p := range paths {
		if err := checkFilePath(p); err != nil {
			return nil, err
		}
		if cp, ok := cache.Cached(info.Repo, info.Commit, p); ok {
			out[i] = cp
			continue
		}
		f, ok := info.File(p)
		if !ok && !c.Offline {
			return nil, fmt.Errorf("%w: %s has no %s at commit %s", ErrEntryNotFound, info.Repo, p, info.Commit)
		}
		missing = append(missing, p)
		need += f.Size
	}
	if len(missing) == 0 {
		return out, nil
	}
	if c.Offline {
		return nil, fmt.Errorf("%w: %s (commit %s) lacks %s in %s (offline: HF_HUB_OFFLINE=1 or --offline)",
			ErrOffline, info.Repo, info.Commit, strings.Join(missing, ", "), cache.Dir)
	}
	if err := os.MkdirAll(cache.RepoDir(info.Repo), 0o755); err != nil {
		return nil, fmt.Errorf("hub cache: %w", err)
	}
	if err := c.checkSpace(cache.RepoDir(info.Repo), need, fmt.Sprintf("%d files of %s", len(missing), info.Repo)); err != nil {
		return nil, err
	}
	c.note("%s (commit %.12s): %d of %d files to download, %s", info.Repo, info.Commit, len(missing), len(paths), byteSize(need))
	var total *meter
	if len(missing) > 1 {
		total = c.multi(info.Repo.String(), need, len(missing))
		defer total.close()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	todo := make(chan int)
	errs := make(chan error, len(paths))
	var wg sync.WaitGroup
	for w := 0; w < min(c.workers(), len(missing)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range todo {
				p, err := c.fetchOne(ctx, info, paths[i], total)
				if err != nil {
					errs <- err
					cancel()
					continue
				}
				out[i] = p
			}
		}()
	}
	for i := range paths {
		if out[i] != "" {
			continue
		}
		select {
		case todo <- i:
		case <-ctx.Done():
		}
	}
	close(todo)
	wg.Wait()
	close(errs)
	var first error
	for err := range errs {
		if first == nil || errors.Is(first, context.Canceled) {
			first = err
		}
	}
	if first != nil {
		return nil, first
	}
	return out, nil
}

// workers is how many files a pull downloads at once (default 8, as
// huggingface_hub's snapshot_download).
func (c *Client) workers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return 8
}

// fetchOne brings one listed file of info's commit into the cache.
func (c *Client) fetchOne(ctx context.Context, info *RepoInfo, p string, total *meter) (string, error) {
	cache := c.Cache()
	f, _ := info.File(p)
	if f.ETag() != "" {
		// Bytes another commit already brought need no request.
		if fi, err := os.Stat(cache.BlobPath(info.Repo, f.ETag())); err == nil && fi.Mode().IsRegular() && fi.Size() == f.Size {
			if _, err := normalizeETag(f.ETag()); err == nil {
				if total != nil {
					total.child(f.Size).close()
				}
				return cache.link(info.Repo, info.Commit, p, f.ETag())
			}
		}
	}
	meta, err := c.FileMetadata(ctx, info.Repo, info.Commit, p)
	if err != nil {
		return "", err
	}
	if meta.Commit != info.Commit {
		return "", fmt.Errorf("%w: %s: asked for commit %s, the Hub answered for %s", ErrProtocol, p, info.Commit, meta.Commit)
	}
	var listed *RepoFile
	if f.ETag() != "" {
		listed = &f
	}
	return c.fetch(ctx, info.Repo, meta, p, listed, total)
}
