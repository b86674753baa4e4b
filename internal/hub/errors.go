package hub

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Kinds of failure, matched with errors.Is.
var (
	// ErrRepoNotFound: the repository does not exist, or is private and the
	// token (if any) cannot read it.
	ErrRepoNotFound = errors.New("repository not found")
	// ErrRevisionNotFound: the repository has no such branch, tag or commit.
	ErrRevisionNotFound = errors.New("revision not found")
	// ErrEntryNotFound: the commit has no such file.
	ErrEntryNotFound = errors.New("file not found in the repository")
	// ErrGated: the repository is gated and the caller has no access yet.
	ErrGated = errors.New("gated repository")
	// ErrUnauthorized: the Hub refused the token.
	ErrUnauthorized = errors.New("token refused")
	// ErrOffline: offline, and what was asked for is not in the cache.
	ErrOffline = errors.New("offline and not in the cache")
	// ErrDiskFull: the cache's file system has no room for the download.
	ErrDiskFull = errors.New("disk full")
	// ErrChecksum: the downloaded bytes do not hash to what the Hub
	// announced; the file was deleted.
	ErrChecksum = errors.New("download does not match the Hub's checksum")
	// ErrProtocol: the server's answer lacks what the Hub always sends
	// (a commit, an ETag, a size) or contradicts itself.
	ErrProtocol = errors.New("unexpected answer from the Hub")
	// ErrUnreachable: the endpoint could not be reached, or kept failing,
	// after the retries.
	ErrUnreachable = errors.New("Hub unreachable")
)

// HTTPError is a failed request, classified by the Hub's X-Error-Code.
type HTTPError struct {
	Method, URL string
	Status      int
	// Code and Message are the X-Error-Code and X-Error-Message headers.
	Code, Message string
	// RequestID is the X-Request-Id header, for reports to the Hub.
	RequestID string
	// Kind is one of the Err* values, or nil for an unclassified status.
	Kind error
	// Hint says what the user can do about it.
	Hint string
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	what := "HTTP " + fmt.Sprint(e.Status)
	if e.Kind != nil {
		what = e.Kind.Error() + " (" + what + ")"
	}
	fmt.Fprintf(&b, "%s %s: %s", e.Method, e.URL, what)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request id %s]", e.RequestID)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "; %s", e.Hint)
	}
	return b.String()
}

// Unwrap returns the kind.
func (e *HTTPError) Unwrap() error { return e.Kind }

// Messages the Hub sends that decide the kind when no code does.
const invalidCredentials = "Invalid credentials in Authorization header"

// classify turns a failed response into an HTTPError. repo and revision
// are for the hint; tokenSource is where the token came from ("" = none).
func classify(resp *http.Response, method, rawURL string, repo Repo, tokenSource string) *HTTPError {
	e := &HTTPError{Method: method, URL: rawURL, Status: resp.StatusCode,
		Code: resp.Header.Get("X-Error-Code"), Message: resp.Header.Get("X-Error-Message"),
		RequestID: resp.Header.Get("X-Request-Id")}
	page := strings.TrimSuffix(webURL(rawURL, repo), "/")
	switch {
	case e.Code == "RevisionNotFound":
		e.Kind = ErrRevisionNotFound
	case e.Code == "EntryNotFound":
		e.Kind = ErrEntryNotFound
	case e.Code == "GatedRepo":
		e.Kind = ErrGated
		if tokenSource == "" {
			e.Hint = fmt.Sprintf("accept the conditions at %s, then set HF_TOKEN to a token of that account", page)
		} else {
			e.Hint = fmt.Sprintf("the token from %s has no access yet: accept the conditions at %s with its account", tokenSource, page)
		}
	case e.Status == http.StatusUnauthorized && e.Message == invalidCredentials:
		e.Kind = ErrUnauthorized
		e.Hint = fmt.Sprintf("the token from %s is invalid or expired: set HF_TOKEN to a valid token", orNone(tokenSource))
	case e.Code == "RepoNotFound" || e.Status == http.StatusUnauthorized:
		// The Hub answers 401 to anonymous callers for a repository that
		// does not exist as for one that is private: not a token problem.
		e.Kind = ErrRepoNotFound
		if tokenSource == "" {
			e.Hint = fmt.Sprintf("check the name (%s); if it is private, set HF_TOKEN", repo)
		} else {
			e.Hint = fmt.Sprintf("check the name (%s); if it is private, the token from %s cannot read it", repo, tokenSource)
		}
	case e.Status == http.StatusForbidden:
		e.Kind = ErrUnauthorized
		e.Hint = fmt.Sprintf("the token from %s may not read %s", orNone(tokenSource), repo)
	}
	return e
}

func orNone(s string) string {
	if s == "" {
		return "(none set)"
	}
	return s
}

// webURL is the repository's page on the endpoint of rawURL.
func webURL(rawURL string, repo Repo) string {
	base := rawURL
	if i := strings.Index(rawURL, "://"); i >= 0 {
		if j := strings.Index(rawURL[i+3:], "/"); j >= 0 {
			base = rawURL[:i+3+j]
		}
	}
	return base + "/" + repo.String()
}
