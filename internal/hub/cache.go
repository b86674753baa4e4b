package hub

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/evalclip/evalclip/internal/atomicfile"
)

// Cache is a hub cache folder in huggingface_hub's layout:
//
//	<Dir>/models--ORG--NAME/
//	    blobs/<etag>                      the bytes, named by sha256 (LFS) or git blob sha1
//	    snapshots/<commit>/<path>         relative symbolic links into blobs/
//	    refs/<revision>                   the commit a branch or tag was last seen at
//	<Dir>/.locks/models--ORG--NAME/<etag>.lock
type Cache struct {
	Dir string
}

// RepoDir is the repository's folder.
func (c Cache) RepoDir(r Repo) string { return filepath.Join(c.Dir, r.FolderName()) }

// SnapshotDir is the folder of one commit's files.
func (c Cache) SnapshotDir(r Repo, commit string) string {
	return filepath.Join(c.RepoDir(r), "snapshots", commit)
}

// PointerPath is where a file of a commit lies in its snapshot.
func (c Cache) PointerPath(r Repo, commit, file string) string {
	return filepath.Join(c.SnapshotDir(r, commit), filepath.FromSlash(file))
}

// BlobPath is where the bytes with an ETag lie.
func (c Cache) BlobPath(r Repo, etag string) string {
	return filepath.Join(c.RepoDir(r), "blobs", etag)
}

func (c Cache) lockPath(r Repo, etag string) string {
	return filepath.Join(c.Dir, ".locks", r.FolderName(), etag+".lock")
}

// etagPattern is what may name a blob file.
var etagPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

// normalizeETag drops a weak marker and the quotes, as huggingface_hub
// does, and checks that the result can name a file.
func normalizeETag(v string) (string, error) {
	e := strings.Trim(strings.TrimPrefix(strings.TrimSpace(v), "W/"), `"`)
	if !etagPattern.MatchString(e) {
		return "", fmt.Errorf("%w: ETag %q cannot name a cache file", ErrProtocol, v)
	}
	return e, nil
}

// ResolveRevision returns the commit the cache knows for revision: the
// revision itself when it is a commit hash, else the content of
// refs/<revision>; "" when the cache has no such ref.
func (c Cache) ResolveRevision(r Repo, revision string) (string, error) {
	if IsCommit(revision) {
		return revision, nil
	}
	if err := checkRevision(revision); err != nil {
		return "", err
	}
	data, err := os.ReadFile(filepath.Join(c.RepoDir(r), "refs", filepath.FromSlash(revision)))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("hub cache: %w", err)
	}
	commit := strings.TrimSpace(string(data))
	if !IsCommit(commit) {
		return "", fmt.Errorf("hub cache: %s: %q is not a commit hash", filepath.Join(c.RepoDir(r), "refs", revision), commit)
	}
	return commit, nil
}

// WriteRef records that revision is at commit (nothing for a commit
// revision). The file holds the bare hash, as huggingface_hub writes it.
func (c Cache) WriteRef(r Repo, revision, commit string) error {
	if revision == commit {
		return nil
	}
	if err := checkRevision(revision); err != nil {
		return err
	}
	path := filepath.Join(c.RepoDir(r), "refs", filepath.FromSlash(revision))
	if old, err := os.ReadFile(path); err == nil && string(old) == commit {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	if err := atomicfile.WriteFile(path, []byte(commit), 0o644); err != nil {
		return fmt.Errorf("hub cache: %w", err)
	}
	return nil
}

// Cached returns the snapshot path of a file of a commit when the cache
// holds it (the link resolves to a regular file).
func (c Cache) Cached(r Repo, commit, file string) (string, bool) {
	if checkFilePath(file) != nil || !IsCommit(commit) {
		return "", false
	}
	p := c.PointerPath(r, commit, file)
	fi, err := os.Stat(p)
	return p, err == nil && fi.Mode().IsRegular()
}

// link makes the snapshot entry of file a relative link to the blob,
// replacing whatever was there in one rename.
func (c Cache) link(r Repo, commit, file, etag string) (string, error) {
	pointer := c.PointerPath(r, commit, file)
	blob := c.BlobPath(r, etag)
	if err := os.MkdirAll(filepath.Dir(pointer), 0o755); err != nil {
		return "", fmt.Errorf("hub cache: %w", err)
	}
	rel, err := filepath.Rel(filepath.Dir(pointer), blob)
	if err != nil {
		rel = blob
	}
	if cur, err := os.Readlink(pointer); err == nil && cur == rel {
		return pointer, nil
	}
	var b [6]byte
	rand.Read(b[:])
	tmp := pointer + ".tmp-" + hex.EncodeToString(b[:])
	if err := os.Symlink(rel, tmp); err != nil {
		return "", fmt.Errorf("hub cache: %w", err)
	}
	if err := os.Rename(tmp, pointer); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("hub cache: %w", err)
	}
	return pointer, nil
}
