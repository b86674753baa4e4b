package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
)

// RepoFile is one file of a commit as the API lists it.
type RepoFile struct {
	Path string
	// Size is the file's size in bytes (the LFS object's, for LFS files).
	Size int64
	// BlobID is the git blob sha1 (of the pointer file, for LFS files).
	BlobID string
	// LFS is set for files stored in LFS (or Xet): their sha256.
	LFS *LFSInfo
}

// LFSInfo describes the large-file object behind an LFS pointer.
type LFSInfo struct {
	SHA256 string
	Size   int64
}

// ETag is the name the file's bytes get under blobs/: the sha256 of an
// LFS file, the git blob sha1 of a small one.
func (f RepoFile) ETag() string {
	if f.LFS != nil && f.LFS.SHA256 != "" {
		return f.LFS.SHA256
	}
	return f.BlobID
}

// RepoInfo is a revision of a repository: its commit and files.
type RepoInfo struct {
	Repo   Repo
	Commit string
	Files  []RepoFile
}

// File returns the listed file with path p.
func (ri *RepoInfo) File(p string) (RepoFile, bool) {
	for _, f := range ri.Files {
		if f.Path == p {
			return f, true
		}
	}
	return RepoFile{}, false
}

// maxListing bounds an API answer (a listing of some 10^5 files).
const maxListing = 256 << 20

// getJSON fetches an API URL into v and returns the response headers.
func (c *Client) getJSON(ctx context.Context, repo Repo, rawURL string, v any) (http.Header, error) {
	resp, cancel, err := c.do(ctx, request{method: http.MethodGet, url: rawURL, repo: repo,
		followRelative: true, timeout: c.MetadataTimeout,
		header: http.Header{"Accept": {"application/json"}}})
	if err != nil {
		return nil, err
	}
	defer cancel()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: GET %s: HTTP %d, want 200", ErrProtocol, rawURL, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxListing+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", rawURL, err)
	}
	if len(data) > maxListing {
		return nil, fmt.Errorf("%w: GET %s: answer over %d bytes", ErrProtocol, rawURL, maxListing)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("%w: GET %s: %v", ErrProtocol, rawURL, err)
	}
	return resp.Header, nil
}

// RepoInfo asks which commit revision is and which files it holds
// (GET /api/{type}s/{repo}/revision/{revision}?blobs=true). A listing the
// Hub leaves empty is completed from the tree endpoint.
func (c *Client) RepoInfo(ctx context.Context, repo Repo, revision string) (*RepoInfo, error) {
	if err := checkRevision(revision); err != nil {
		return nil, err
	}
	var raw struct {
		ID       string `json:"id"`
		SHA      string `json:"sha"`
		Siblings []struct {
			RFilename string `json:"rfilename"`
			Size      *int64 `json:"size"`
			BlobID    string `json:"blobId"`
			LFS       *struct {
				SHA256 string `json:"sha256"`
				Size   int64  `json:"size"`
			} `json:"lfs"`
		} `json:"siblings"`
	}
	u := c.Endpoint + repo.apiPath() + "/revision/" + url.PathEscape(revision) + "?blobs=true"
	if _, err := c.getJSON(ctx, repo, u, &raw); err != nil {
		return nil, err
	}
	if !IsCommit(raw.SHA) {
		return nil, fmt.Errorf("%w: GET %s: sha %q is not a commit hash", ErrProtocol, u, raw.SHA)
	}
	info := &RepoInfo{Repo: repo, Commit: raw.SHA}
	complete := len(raw.Siblings) > 0
	for _, s := range raw.Siblings {
		f := RepoFile{Path: s.RFilename, BlobID: s.BlobID}
		if s.Size == nil {
			complete = false
		} else {
			f.Size = *s.Size
		}
		if s.LFS != nil {
			f.LFS = &LFSInfo{SHA256: s.LFS.SHA256, Size: s.LFS.Size}
		}
		info.Files = append(info.Files, f)
	}
	if !complete {
		files, err := c.ListTree(ctx, repo, raw.SHA, "")
		if err != nil {
			return nil, err
		}
		info.Files = files
	}
	for _, f := range info.Files {
		if err := checkFilePath(f.Path); err != nil {
			return nil, fmt.Errorf("%w: %s lists %v", ErrProtocol, repo, err)
		}
	}
	sort.Slice(info.Files, func(a, b int) bool { return info.Files[a].Path < info.Files[b].Path })
	return info, nil
}

// linkNext finds the next page in a Link header, GitHub style.
var linkNext = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="?next"?`)

// ListTree lists the files under dir ("" = all) of a revision, recursively,
// following the pages of GET /api/{type}s/{repo}/tree/{revision}.
func (c *Client) ListTree(ctx context.Context, repo Repo, revision, dir string) ([]RepoFile, error) {
	u := c.Endpoint + repo.apiPath() + "/tree/" + url.PathEscape(revision)
	if dir != "" {
		u += "/" + url.PathEscape(dir)
	}
	u += "?recursive=true&expand=false"
	var out []RepoFile
	for pages := 0; u != ""; pages++ {
		if pages >= 10000 {
			return nil, fmt.Errorf("%w: %s: more than 10000 pages of listing", ErrProtocol, repo)
		}
		var entries []struct {
			Type string `json:"type"`
			OID  string `json:"oid"`
			Size int64  `json:"size"`
			Path string `json:"path"`
			LFS  *struct {
				OID  string `json:"oid"`
				Size int64  `json:"size"`
			} `json:"lfs"`
		}
		h, err := c.getJSON(ctx, repo, u, &entries)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Type != "file" {
				continue
			}
			f := RepoFile{Path: e.Path, Size: e.Size, BlobID: e.OID}
			if e.LFS != nil {
				f.LFS = &LFSInfo{SHA256: e.LFS.OID, Size: e.LFS.Size}
				f.Size = e.LFS.Size
			}
			out = append(out, f)
		}
		u = ""
		if m := linkNext.FindStringSubmatch(h.Get("Link")); m != nil {
			next, err := url.Parse(m[1])
			if err != nil {
				return nil, fmt.Errorf("%w: %s: Link %q", ErrProtocol, repo, m[1])
			}
			base, _ := url.Parse(c.Endpoint)
			next = base.ResolveReference(next)
			if !c.sameOrigin(next) {
				return nil, fmt.Errorf("%w: %s: next page %s is off the endpoint", ErrProtocol, repo, next)
			}
			u = next.String()
		}
	}
	return out, nil
}
