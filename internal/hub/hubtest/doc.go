// Package hubtest is a loopback Hugging Face Hub for tests: a Hub endpoint
// and a separate CDN host, both httptest servers, that answer as the Hub
// answers huggingface_hub, with faults to inject.
//
// What it speaks (checked against huggingface_hub's client):
//
//   - GET /api/{models|datasets}/{repo}/revision/{rev}[?blobs=true]: the
//     commit (sha) and the files (siblings, with size, blobId and lfs
//     when blobs is set).
//   - GET /api/{models|datasets}/{repo}/tree/{rev}[/{dir}]?recursive=true:
//     file and directory entries, PageSize at a time, the next page in a
//     Link header.
//   - HEAD and GET /{repo}/resolve/{rev}/{path} (/datasets/{repo}/... for
//     datasets): for an LFS file a 302 to a signed URL on the CDN host
//     carrying X-Repo-Commit, X-Linked-Etag (the sha256), X-Linked-Size and
//     the pointer file's ETag; for a small file a relative 307 to
//     /api/resolve-cache/..., which answers with the bytes, the git blob
//     sha1 as ETag and X-Repo-Commit.
//   - The CDN checks its signature over the raw query (a client that
//     re-encodes the URL is refused with 403), refuses an Authorization
//     header (400, as S3 does when a signed URL also carries a token),
//     serves Range requests with 206 and Content-Range, and sends an ETag
//     that is not the sha256 (an MD5, as S3 does).
//   - Errors carry X-Error-Code (RepoNotFound, RevisionNotFound,
//     EntryNotFound, GatedRepo) and X-Error-Message; an anonymous caller
//     gets 401 RepoNotFound for a repository that does not exist or is
//     private, 401 GatedRepo for a gated one; a token the server does not
//     know gets 401 "Invalid credentials in Authorization header".
//
// Faults ([Fault]) cut a body after some bytes, stall it, corrupt a byte,
// delay the headers, ignore Range, or answer with an error status, for
// the first Times matching requests.
package hubtest
