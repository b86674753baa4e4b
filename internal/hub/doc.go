// Package hub is a Hugging Face Hub client that shares its cache with
// huggingface_hub (the Python library), so that a file either one
// downloaded is found by the other.
//
// Data flow:
//
//  1. [ConfigFromEnv] reads what huggingface_hub reads: HF_ENDPOINT (the
//     base URL), HF_HUB_CACHE / HF_HOME (the cache root), HF_TOKEN (or the
//     token file under HF_HOME), HF_HUB_OFFLINE, HF_HUB_ETAG_TIMEOUT and
//     HF_HUB_DOWNLOAD_TIMEOUT.
//  2. [Client.RepoInfo] asks the API which commit a revision (branch, tag
//     or commit) is and which files that commit holds:
//     GET /api/{models|datasets}/{repo}/revision/{rev}?blobs=true, with
//     the paginated tree endpoint (/api/.../tree/{rev}?recursive=true) as
//     the fallback for a listing the Hub leaves out.
//  3. [Client.Download] fetches one file of a commit into the cache:
//     a HEAD on the resolve URL, not following the redirect of a large
//     (LFS) file, whose sha256 and size travel on the 302 itself
//     (X-Linked-Etag, X-Linked-Size), while relative redirects (a small
//     file's resolve-cache path) are followed with the token; then a GET of
//     the signed CDN URL exactly as given (no token, query untouched) into
//     blobs/<etag>.incomplete, resumed with a Range request after a dropped
//     connection, checked against the sha256 (LFS) or git blob sha1 (small
//     files) before it is renamed into place under a lock shared with
//     huggingface_hub (.locks/<repo folder>/<etag>.lock).
//  4. The cache layout is huggingface_hub's: <cache>/models--ORG--NAME/
//     (datasets--ORG--NAME/ for datasets) with blobs/<etag>,
//     snapshots/<commit>/<path> as relative symbolic links into blobs/,
//     and refs/<revision> holding the bare commit hash.
//
// Errors are classified by the Hub's X-Error-Code header (RepoNotFound,
// RevisionNotFound, EntryNotFound, GatedRepo), not by status alone: the
// Hub answers 401 to an anonymous caller for a repository that does not
// exist. Offline (HF_HUB_OFFLINE=1 or [Config.Offline]) no request is made
// at all; what is not in the cache is an error naming it.
//
// The subpackage hubtest is a loopback server that speaks the same
// protocol, with faults to inject, for the tests.
package hub
