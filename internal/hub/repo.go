package hub

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// RepoType is the kind of a Hub repository.
type RepoType string

// Repository types.
const (
	Model   RepoType = "model"
	Dataset RepoType = "dataset"
)

// Repo names one Hub repository.
type Repo struct {
	Type RepoType
	// ID is "namespace/name" (or a bare "name" for the few canonical
	// repositories without a namespace).
	ID string
}

// repoIDPattern is huggingface_hub's rule for repository ids.
var repoIDPattern = regexp.MustCompile(`^(\b[\w\-.]+\b/)?\b[\w\-.]{1,96}\b$`)

// ParseRepo checks id as huggingface_hub does and returns the repository.
func ParseRepo(t RepoType, id string) (Repo, error) {
	switch {
	case t != Model && t != Dataset:
		return Repo{}, fmt.Errorf("repository type %q: want %q or %q", t, Model, Dataset)
	case id == "":
		return Repo{}, fmt.Errorf("empty repository id (want namespace/name)")
	case strings.Count(id, "/") > 1:
		return Repo{}, fmt.Errorf("repository id %q: want namespace/name (one slash)", id)
	case !repoIDPattern.MatchString(id):
		return Repo{}, fmt.Errorf("repository id %q: only letters, digits, '-', '_' and '.', not starting or ending with '-' or '.', at most 96 characters a part", id)
	case strings.Contains(id, "--") || strings.Contains(id, ".."):
		return Repo{}, fmt.Errorf("repository id %q: cannot hold -- or ..", id)
	case strings.HasSuffix(id, ".git"):
		return Repo{}, fmt.Errorf("repository id %q: cannot end in .git", id)
	}
	return Repo{Type: t, ID: id}, nil
}

// String is the repository as the Hub's web pages name it:
// "immich-app/ViT-B-32__openai", "datasets/clip-benchmark/wds_mnist".
func (r Repo) String() string {
	if r.Type == Dataset {
		return "datasets/" + r.ID
	}
	return r.ID
}

// FolderName is the repository's folder in the cache:
// "models--immich-app--ViT-B-32__openai".
func (r Repo) FolderName() string {
	return string(r.Type) + "s--" + strings.ReplaceAll(r.ID, "/", "--")
}

// resolvePath is the path of a file's resolve URL, each part escaped as
// huggingface_hub escapes it (the revision entirely, the file name but
// for its slashes).
func (r Repo) resolvePath(revision, file string) string {
	prefix := ""
	if r.Type == Dataset {
		prefix = "/datasets"
	}
	return prefix + "/" + r.ID + "/resolve/" + url.PathEscape(revision) + "/" + escapeFile(file)
}

// apiPath is the API path of the repository: "/api/models/ORG/NAME".
func (r Repo) apiPath() string { return "/api/" + string(r.Type) + "s/" + r.ID }

// escapeFile escapes each part of a slash-separated path.
func escapeFile(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// commitPattern is a full commit hash.
var commitPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// IsCommit reports whether revision is a full commit hash.
func IsCommit(revision string) bool { return commitPattern.MatchString(revision) }

// DefaultRevision is the revision used when none is given.
const DefaultRevision = "main"

// ValidRevision reports whether rev can name a branch, tag or commit.
func ValidRevision(rev string) bool { return checkRevision(rev) == nil }

// checkRevision refuses revisions that cannot name a ref file inside the
// cache.
func checkRevision(rev string) error {
	if rev == "" {
		return fmt.Errorf("empty revision")
	}
	for _, part := range strings.Split(rev, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("revision %q: not a branch, tag or commit name", rev)
		}
	}
	if strings.ContainsAny(rev, "\\\x00\n") {
		return fmt.Errorf("revision %q: not a branch, tag or commit name", rev)
	}
	return nil
}

// checkFilePath refuses repository paths that would leave the snapshot
// folder: absolute, empty parts, "." or "..", backslashes.
func checkFilePath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return fmt.Errorf("repository path %q is not a relative file path", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("repository path %q is not a relative file path", p)
		}
	}
	return nil
}
