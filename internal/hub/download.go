package hub

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// FileMeta is what a HEAD on a file's resolve URL tells.
type FileMeta struct {
	// Commit is the commit the revision resolved to (X-Repo-Commit).
	Commit string
	// ETag names the bytes: the sha256 of an LFS file (X-Linked-Etag),
	// the git blob sha1 of a small one (ETag), normalized.
	ETag string
	// Size is the file's size (X-Linked-Size, else Content-Length).
	Size int64
	// Location is where the bytes are fetched: the signed CDN URL of an
	// LFS file exactly as the Hub gave it, else the resolve URL after the
	// Hub's relative redirects.
	Location string
}

// FileMetadata sends a HEAD for one file of a revision. Relative redirects
// are followed with the token; the redirect of an LFS file to its CDN is
// not followed, since the file's sha256 and size are on the 302 itself.
func (c *Client) FileMetadata(ctx context.Context, repo Repo, revision, file string) (*FileMeta, error) {
	if err := checkRevision(revision); err != nil {
		return nil, err
	}
	if err := checkFilePath(file); err != nil {
		return nil, err
	}
	u := c.Endpoint + repo.resolvePath(revision, file)
	resp, cancel, err := c.do(ctx, request{method: http.MethodHead, url: u, followRelative: true, repo: repo,
		timeout: c.MetadataTimeout, header: http.Header{"Accept-Encoding": {"identity"}}})
	if err != nil {
		return nil, err
	}
	defer cancel()
	resp.Body.Close()
	m := &FileMeta{Commit: resp.Header.Get("X-Repo-Commit")}
	if !IsCommit(m.Commit) {
		return nil, fmt.Errorf("%w: HEAD %s: X-Repo-Commit %q is not a commit hash (is %s a Hugging Face Hub?)", ErrProtocol, u, m.Commit, c.Endpoint)
	}
	etag := resp.Header.Get("X-Linked-Etag")
	if etag == "" {
		etag = resp.Header.Get("ETag")
	}
	if etag == "" {
		return nil, fmt.Errorf("%w: HEAD %s: no ETag", ErrProtocol, u)
	}
	if m.ETag, err = normalizeETag(etag); err != nil {
		return nil, fmt.Errorf("HEAD %s: %w", u, err)
	}
	size := resp.Header.Get("X-Linked-Size")
	if size == "" {
		size = resp.Header.Get("Content-Length")
	}
	if m.Size, err = strconv.ParseInt(size, 10, 64); err != nil || m.Size < 0 {
		return nil, fmt.Errorf("%w: HEAD %s: size %q", ErrProtocol, u, size)
	}
	m.Location = resp.Request.URL.String()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil || resp.Header.Get("Location") == "" {
			return nil, fmt.Errorf("%w: HEAD %s: redirect without a usable Location", ErrProtocol, u)
		}
		m.Location = loc.String()
	}
	return m, nil
}

// Download returns the cached path (in its snapshot) of one file of a
// revision, downloading it when the cache lacks it. A file of a commit
// revision already in the cache costs no request; offline, no request is
// made and a file not in the cache is an ErrOffline error.
func (c *Client) Download(ctx context.Context, repo Repo, revision, file string) (string, error) {
	if err := checkFilePath(file); err != nil {
		return "", err
	}
	cache := c.Cache()
	if IsCommit(revision) {
		if p, ok := cache.Cached(repo, revision, file); ok {
			return p, nil
		}
	}
	if c.Offline {
		return c.cachedOffline(repo, revision, file)
	}
	meta, err := c.FileMetadata(ctx, repo, revision, file)
	if err != nil {
		return "", err
	}
	if err := cache.WriteRef(repo, revision, meta.Commit); err != nil {
		return "", err
	}
	return c.fetch(ctx, repo, meta, file, nil, nil)
}

// cachedOffline finds a file in the cache without the network.
func (c *Client) cachedOffline(repo Repo, revision, file string) (string, error) {
	cache := c.Cache()
	commit, err := cache.ResolveRevision(repo, revision)
	if err != nil {
		return "", err
	}
	if commit == "" {
		return "", fmt.Errorf("%w: %s@%s was never downloaded into %s (offline: HF_HUB_OFFLINE=1 or --offline)", ErrOffline, repo, revision, cache.Dir)
	}
	p, ok := cache.Cached(repo, commit, file)
	if !ok {
		return "", fmt.Errorf("%w: %s of %s@%s (commit %s) is not in %s (offline: HF_HUB_OFFLINE=1 or --offline)", ErrOffline, file, repo, revision, commit, cache.Dir)
	}
	return p, nil
}

// fetch puts the bytes of meta into the cache (under the blob's lock,
// shared with huggingface_hub) and links file of meta.Commit to them.
// listed, when known, is the API's entry for the file: its size and ETag
// must agree with the HEAD's.
func (c *Client) fetch(ctx context.Context, repo Repo, meta *FileMeta, file string, listed *RepoFile, total *meter) (string, error) {
	cache := c.Cache()
	if listed != nil && (listed.ETag() != meta.ETag || listed.Size != meta.Size) {
		return "", fmt.Errorf("%w: %s: the listing says %s (%d bytes), the file's headers %s (%d bytes)",
			ErrProtocol, file, listed.ETag(), listed.Size, meta.ETag, meta.Size)
	}
	if p, ok := cache.Cached(repo, meta.Commit, file); ok {
		return p, nil
	}
	blob := cache.BlobPath(repo, meta.ETag)
	if err := os.MkdirAll(blobDir(blob), 0o755); err != nil {
		return "", fmt.Errorf("hub cache: %w", err)
	}
	unlock, err := lockFile(ctx, cache.lockPath(repo, meta.ETag), func() {
		c.note("waiting for another process downloading %s of %s", file, repo)
	})
	if err != nil {
		return "", err
	}
	defer unlock()
	if fi, err := os.Stat(blob); err != nil || !fi.Mode().IsRegular() || fi.Size() != meta.Size {
		if err == nil {
			os.Remove(blob) // a blob of the wrong size is not the blob
		}
		if err := c.downloadBlob(ctx, repo, meta, file, blob, total); err != nil {
			return "", err
		}
	}
	return cache.link(repo, meta.Commit, file, meta.ETag)
}

func blobDir(blob string) string {
	i := strings.LastIndexByte(blob, os.PathSeparator)
	if i < 0 {
		return "."
	}
	return blob[:i]
}

// digest hashes a download as the Hub's ETag names it: sha256 for LFS
// files, the git blob sha1 (of "blob <size>\x00" + bytes) for small ones.
type digest struct {
	h          hash.Hash
	kind, etag string
	size       int64
}

// newDigest returns the digest for etag, or nil when the ETag is neither
// hash (then only the size is checked).
func newDigest(etag string, size int64) *digest {
	d := &digest{etag: etag, size: size}
	switch {
	case hex64.MatchString(etag):
		d.kind = "sha256"
	case hex40.MatchString(etag):
		d.kind = "git blob sha1"
	default:
		return nil
	}
	d.reset()
	return d
}

func (d *digest) reset() {
	if d.kind == "sha256" {
		d.h = sha256.New()
		return
	}
	d.h = sha1.New()
	fmt.Fprintf(d.h, "blob %d\x00", d.size)
}

func (d *digest) Write(p []byte) (int, error) { return d.h.Write(p) }

func (d *digest) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }

var (
	hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)
	hex40 = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// downloadBlob fetches meta's bytes into blob: appended to
// blob.incomplete (resumed from where an earlier attempt or process left
// it, with a Range request), checked against the ETag's hash, then renamed
// into place.
// total, when set, is the meter of a pull of several files, which this
// download feeds instead of drawing its own.
func (c *Client) downloadBlob(ctx context.Context, repo Repo, meta *FileMeta, file, blob string, total *meter) error {
	inc := blob + ".incomplete"
	f, err := os.OpenFile(inc, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return fmt.Errorf("hub cache: %w", diskErr(err))
	}
	keep := true // keep the partial file for a later resume
	defer func() {
		f.Close()
		if !keep {
			os.Remove(inc)
		}
	}()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	if have > meta.Size {
		if err := truncate(f); err != nil {
			return err
		}
		have = 0
	}
	if err := c.checkSpace(blobDir(blob), meta.Size-have, file); err != nil {
		return err
	}
	d := newDigest(meta.ETag, meta.Size)
	if d != nil && have > 0 {
		if _, err := io.Copy(d, io.NewSectionReader(f, 0, have)); err != nil {
			return fmt.Errorf("hub cache: %s: %w", inc, err)
		}
	}
	var m *meter
	if total != nil {
		m = total.child(have)
	} else {
		m = c.meter(repo.String()+" "+file, meta.Size, have)
	}
	defer m.close()
	for fails := 0; have < meta.Size; {
		got, err := c.getFrom(ctx, repo, meta, f, have, d, m)
		if err == nil {
			have = got
			continue
		}
		var he *HTTPError
		var we *cacheWriteError
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, ErrDiskFull), errors.As(err, &he), errors.Is(err, ErrProtocol), errors.Is(err, ErrUnreachable), errors.As(err, &we):
			if we != nil {
				keep = false // the partial file no longer matches its hash state
			}
			return fmt.Errorf("download %s of %s: %w", file, repo, err)
		}
		if got > have {
			fails = 0 // some bytes came: the retries start over, as huggingface_hub's do
		} else if fails++; fails > c.retries() {
			return fmt.Errorf("%w: download %s of %s: %v (%d tries without a byte)", ErrUnreachable, file, repo, err, fails)
		}
		c.note("%s of %s: %v; resuming at byte %d", file, repo, err, got)
		have = got
		if err := sleepCtx(ctx, c.retryWait(0)/4); err != nil {
			return err
		}
	}
	if d != nil {
		if got := d.sum(); got != meta.ETag {
			keep = false
			return fmt.Errorf("%w: %s of %s: %s %s, the Hub says %s; the download was deleted, run again to retry", ErrChecksum, file, repo, d.kind, got, meta.ETag)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("hub cache: %s: %w", inc, diskErr(err))
	}
	if err := os.Rename(inc, blob); err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	return nil
}

func truncate(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	return nil
}

// contentRange parses "bytes START-END/TOTAL".
var contentRange = regexp.MustCompile(`^bytes (\d+)-(\d+)/(\d+|\*)$`)

// getFrom makes one GET of meta.Location from byte have on, appending to f
// (and h), and returns how many bytes f holds after it. A 200 answer to a
// Range request starts the file over; a short body is an error after which
// the caller resumes.
func (c *Client) getFrom(ctx context.Context, repo Repo, meta *FileMeta, f *os.File, have int64, d *digest, m *meter) (int64, error) {
	hdr := http.Header{"Accept-Encoding": {"identity"}}
	if have > 0 {
		hdr.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, cancel, err := c.do(ctx, request{method: http.MethodGet, url: meta.Location, followAll: true, repo: repo,
		timeout: c.DownloadTimeout, header: hdr})
	if err != nil {
		var he *HTTPError
		if errors.As(err, &he) && he.Status == http.StatusRequestedRangeNotSatisfiable && have > 0 {
			if err := truncate(f); err != nil {
				return 0, err
			}
			if d != nil {
				d.reset()
			}
			m.restart()
			return 0, fmt.Errorf("the server refused to resume at byte %d", have)
		}
		if errors.As(err, &he) {
			if u, perr := url.Parse(meta.Location); perr == nil && !c.sameOrigin(u) {
				he.Hint = "the file's storage refused the signed URL; run again for a fresh one"
			}
		}
		return have, err
	}
	defer cancel()
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		mm := contentRange.FindStringSubmatch(resp.Header.Get("Content-Range"))
		if mm == nil {
			return have, fmt.Errorf("%w: 206 without a usable Content-Range (%q)", ErrProtocol, resp.Header.Get("Content-Range"))
		}
		start, _ := strconv.ParseInt(mm[1], 10, 64)
		if start != have || (mm[3] != "*" && mm[3] != strconv.FormatInt(meta.Size, 10)) {
			return have, fmt.Errorf("%w: asked for bytes %d- of %d, got %q", ErrProtocol, have, meta.Size, resp.Header.Get("Content-Range"))
		}
	case http.StatusOK:
		if have > 0 { // the Range was ignored: start over
			if err := truncate(f); err != nil {
				return 0, err
			}
			have = 0
			if d != nil {
				d.reset()
			}
			m.restart()
		}
	default:
		return have, fmt.Errorf("%w: GET %s: HTTP %d", ErrProtocol, meta.Location, resp.StatusCode)
	}
	if _, err := f.Seek(have, io.SeekStart); err != nil {
		return have, fmt.Errorf("hub cache: %w", err)
	}
	want := meta.Size - have
	n, err := copyChunks(f, d, io.LimitReader(resp.Body, want+1), m)
	have += n
	var we *cacheWriteError
	switch {
	case err != nil && isDiskFull(err):
		return have, fmt.Errorf("%w: writing the cache: %v", ErrDiskFull, err)
	case errors.As(err, &we):
		return have, err
	case err != nil:
		return have, err
	case n > want:
		return have, fmt.Errorf("%w: GET %s: more than the %d bytes announced", ErrProtocol, meta.Location, meta.Size)
	case n < want:
		return have, fmt.Errorf("connection closed after %d of %d bytes", have, meta.Size)
	}
	return have, nil
}

// cacheWriteError is a failed write into the cache: not something a
// resume mends.
type cacheWriteError struct{ err error }

func (e *cacheWriteError) Error() string { return "writing the cache: " + e.err.Error() }
func (e *cacheWriteError) Unwrap() error { return e.err }

// chunkSize is the unit a download is read, hashed and written in.
const chunkSize = 1 << 20

// copyChunks copies src to f, hashing each chunk into d while it is
// written and reading the next one meanwhile (with d's hash on one core
// and the copy on another, verifying costs little time). It returns the
// bytes written; every byte read before an error is written first, so
// that a resume starts after it. The end of src is not an error.
func copyChunks(f io.Writer, d *digest, src io.Reader, m *meter) (int64, error) {
	type chunk struct {
		b   []byte
		err error // the read error after b (nil: more may follow)
	}
	free := make(chan []byte, 2)
	free <- make([]byte, chunkSize)
	free <- make([]byte, chunkSize)
	full := make(chan chunk, 2)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(full)
		for {
			var b []byte
			select {
			case b = <-free:
			case <-stop:
				return
			}
			n, err := io.ReadFull(src, b)
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case full <- chunk{b: b[:n], err: err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var written int64
	for c := range full {
		if len(c.b) > 0 {
			hashed := make(chan struct{})
			if d != nil {
				go func() { d.Write(c.b); close(hashed) }()
			} else {
				close(hashed)
			}
			n, werr := f.Write(c.b)
			<-hashed
			written += int64(n)
			m.Write(c.b[:n])
			if werr != nil {
				return written, &cacheWriteError{werr}
			}
		}
		if c.err == io.EOF {
			return written, nil
		}
		if c.err != nil {
			return written, c.err
		}
		free <- c.b[:cap(c.b)]
	}
	return written, nil
}

func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

func diskErr(err error) error {
	if isDiskFull(err) {
		return fmt.Errorf("%w: %v", ErrDiskFull, err)
	}
	return err
}

// checkSpace fails early when the cache's file system has less room than
// the download needs.
func (c *Client) checkSpace(dir string, need int64, file string) error {
	free := c.freeSpace
	if free == nil {
		free = freeBytes
	}
	avail, err := free(dir)
	if err != nil || avail < 0 || need <= avail {
		return nil
	}
	return fmt.Errorf("%w: %s needs %s more, %s has %s free (set HF_HUB_CACHE to a larger disk)", ErrDiskFull, file, byteSize(need), dir, byteSize(avail))
}
