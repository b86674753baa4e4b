package hubtest

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Repository types, as in URLs.
const (
	Model   = "model"
	Dataset = "dataset"
)

// Access controls who may read a repository.
type Access struct {
	// Private repositories are readable with one of Tokens only.
	Private bool
	// Gated repositories are readable with one of Tokens; other known
	// tokens get 403 GatedRepo, anonymous callers 401 GatedRepo.
	Gated bool
	// Tokens may read the repository.
	Tokens []string
}

// Request is one request the servers received.
type Request struct {
	Host          string // "hub" or "cdn"
	Method        string
	Path          string // escaped
	RawQuery      string
	Range         string
	Authorization string
	// File is the repository path the request was about, when known.
	File string
}

// Fault changes the answers to matching requests.
type Fault struct {
	Host   string // "hub", "cdn" or "" (both)
	Method string // "" for any
	File   string // repository path ("" for any)
	// Times is how many matching requests the fault affects (0: all).
	Times int

	// Status answers with this status (and Code as X-Error-Code).
	Status int
	Code   string
	// Delay waits before answering (a slow server).
	Delay time.Duration
	// DropAfter sends this many bytes of the body, then cuts the
	// connection (with the full Content-Length announced). 0 = off; use
	// DropAt0 to cut before the first byte.
	DropAfter int64
	DropAt0   bool
	// StallAfter sends this many bytes, then sends nothing for Stall.
	StallAfter int64
	Stall      time.Duration
	// Corrupt flips one byte of the body.
	Corrupt bool
	// IgnoreRange answers a Range request with the whole file (200).
	IgnoreRange bool

	hits int
}

type file struct {
	data   []byte
	lfs    bool
	md5    string // the CDN's ETag
	sha256 string
	sha1   string // git blob sha1 of the data (small) or of the pointer (LFS)
}

type commit struct {
	sha   string
	files map[string]*file
}

type repo struct {
	typ, id string
	access  Access
	refs    map[string]string // branch or tag -> commit sha
	commits map[string]*commit
}

// Server is the loopback Hub.
type Server struct {
	// URL is the Hub endpoint (HF_ENDPOINT); CDNURL the storage host LFS
	// files redirect to.
	URL, CDNURL string
	// PageSize is the tree listing's page length (default 50).
	PageSize int
	// WeakETags sends ETags as W/"...".
	WeakETags bool
	// OmitBlobs answers the revision endpoint without sizes even when
	// asked (so that clients fall back to the tree).
	OmitBlobs bool
	// LFS decides which files are stored in LFS (default: .onnx, .onnx_data,
	// .data, .tar, .gz, .bin, .npy, .safetensors, and files over 10 MB).
	LFS func(path string, size int) bool

	hub, cdn *httptest.Server
	secret   []byte

	mu      sync.Mutex
	repos   map[string]*repo
	objects map[string]*file  // sha256 -> LFS object
	names   map[string]string // sha256 -> a repository path, for faults
	tokens  map[string]bool
	faults  []*Fault
	log     []Request
	seq     int
}

// New starts the Hub and CDN servers; they stop when the test ends.
func New(t testing.TB) *Server {
	s := &Server{secret: []byte("hubtest-signing-key"), repos: map[string]*repo{},
		objects: map[string]*file{}, names: map[string]string{}, tokens: map[string]bool{}}
	s.hub = httptest.NewServer(http.HandlerFunc(s.serveHub))
	s.cdn = httptest.NewServer(http.HandlerFunc(s.serveCDN))
	s.URL = s.hub.URL
	// Another host name for the same loopback address: the CDN is another
	// origin, as in production.
	s.CDNURL = strings.Replace(s.cdn.URL, "127.0.0.1", "localhost", 1)
	if t != nil {
		t.Cleanup(s.Close)
	}
	return s
}

// Close stops the servers.
func (s *Server) Close() {
	s.hub.CloseClientConnections()
	s.cdn.CloseClientConnections()
	s.hub.Close()
	s.cdn.Close()
}

// AddToken makes a token known (valid) to the server.
func (s *Server) AddToken(tokens ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range tokens {
		s.tokens[t] = true
	}
}

func defaultLFS(p string, size int) bool {
	switch path.Ext(p) {
	case ".onnx", ".onnx_data", ".data", ".tar", ".gz", ".bin", ".npy", ".safetensors", ".pb":
		return true
	}
	return size > 10<<20
}

// GitBlobSHA1 is the git blob id of data: sha1("blob <len>\x00" + data).
func GitBlobSHA1(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// SHA256 is the hex sha256 of data.
func SHA256(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

func lfsPointer(sha string, size int) []byte {
	return []byte(fmt.Sprintf("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n", sha, size))
}

func key(typ, id string) string { return typ + "/" + id }

// AddRepo creates a repository whose branch main holds files, and returns
// the commit.
func (s *Server) AddRepo(typ, id string, files map[string][]byte, access Access) string {
	s.mu.Lock()
	s.repos[key(typ, id)] = &repo{typ: typ, id: id, access: access, refs: map[string]string{}, commits: map[string]*commit{}}
	s.mu.Unlock()
	return s.Commit(typ, id, "main", files)
}

// Commit makes a new commit holding files (the whole tree) and points
// branch at it.
func (s *Server) Commit(typ, id, branch string, files map[string][]byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[key(typ, id)]
	if r == nil {
		panic("hubtest: no repository " + key(typ, id))
	}
	s.seq++
	h := sha1.New()
	fmt.Fprintf(h, "%s %s %d", typ, id, s.seq)
	c := &commit{files: map[string]*file{}}
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	isLFS := s.LFS
	if isLFS == nil {
		isLFS = defaultLFS
	}
	for _, p := range names {
		data := files[p]
		f := &file{data: data, lfs: isLFS(p, len(data)), sha256: SHA256(data)}
		if f.lfs {
			sum := md5.Sum(data)
			f.md5 = hex.EncodeToString(sum[:])
			f.sha1 = GitBlobSHA1(lfsPointer(f.sha256, len(data)))
			s.objects[f.sha256] = f
			s.names[f.sha256] = p
		} else {
			f.sha1 = GitBlobSHA1(data)
		}
		fmt.Fprintf(h, "\n%s %s", p, f.sha1)
		c.files[p] = f
	}
	c.sha = hex.EncodeToString(h.Sum(nil))
	r.commits[c.sha] = c
	r.refs[branch] = c.sha
	return c.sha
}

// Tag points a tag (or branch) at a commit.
func (s *Server) Tag(typ, id, name, commit string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repos[key(typ, id)].refs[name] = commit
}

// AddFault adds a fault; faults are matched in the order added.
func (s *Server) AddFault(f Fault) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	fp := &f
	s.faults = append(s.faults, fp)
	return fp
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.log = nil
	s.mu.Unlock()
}

// Hits is how many matching requests a fault has changed.
func (s *Server) Hits(f *Fault) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f.hits
}

func (s *Server) record(host string, r *http.Request, file string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, Request{Host: host, Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Range: r.Header.Get("Range"), Authorization: r.Header.Get("Authorization"), File: file})
	for _, f := range s.faults {
		if (f.Host == "" || f.Host == host) && (f.Method == "" || f.Method == r.Method) && (f.File == "" || f.File == file) &&
			(f.Times == 0 || f.hits < f.Times) {
			f.hits++
			return f
		}
	}
	return nil
}

func (s *Server) etag(v string) string {
	if s.WeakETags {
		return `W/"` + v + `"`
	}
	return `"` + v + `"`
}

// hubError answers as the Hub does: status, X-Error-Code, X-Error-Message
// and a JSON body.
func hubError(w http.ResponseWriter, status int, code, msg string) {
	if code != "" {
		w.Header().Set("X-Error-Code", code)
	}
	w.Header().Set("X-Error-Message", msg)
	w.Header().Set("X-Request-Id", "Root=1-hubtest")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// token returns the bearer token of r ("" if none) and whether it is
// known; an unknown token has already been answered with 401.
func (s *Server) token(w http.ResponseWriter, r *http.Request) (string, bool) {
	a := r.Header.Get("Authorization")
	if a == "" {
		return "", true
	}
	t := strings.TrimPrefix(a, "Bearer ")
	s.mu.Lock()
	ok := s.tokens[t]
	s.mu.Unlock()
	if !ok {
		hubError(w, http.StatusUnauthorized, "", "Invalid credentials in Authorization header")
		return "", false
	}
	return t, true
}

// lookup finds a repository the caller may read, or answers the error.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, typ, id string) *repo {
	tok, ok := s.token(w, r)
	if !ok {
		return nil
	}
	s.mu.Lock()
	rp := s.repos[key(typ, id)]
	s.mu.Unlock()
	allowed := func() bool {
		for _, t := range rp.access.Tokens {
			if t == tok {
				return true
			}
		}
		return false
	}
	notFound := func() {
		status := http.StatusNotFound
		if tok == "" {
			status = http.StatusUnauthorized // anonymous callers cannot tell missing from private
		}
		hubError(w, status, "RepoNotFound", "Repository not found")
	}
	switch {
	case rp == nil, rp.access.Private && !allowed():
		notFound()
		return nil
	case rp.access.Gated && tok == "":
		hubError(w, http.StatusUnauthorized, "GatedRepo", fmt.Sprintf("Access to %s %s is restricted. You must have access to it and be authenticated to access it. Please log in.", typ, id))
		return nil
	case rp.access.Gated && !allowed():
		hubError(w, http.StatusForbidden, "GatedRepo", fmt.Sprintf("Access to %s %s is restricted and you are not in the authorized list. Visit the repository page to ask for access.", typ, id))
		return nil
	}
	return rp
}

func (rp *repo) resolve(rev string) *commit {
	if c, ok := rp.commits[rev]; ok {
		return c
	}
	if sha, ok := rp.refs[rev]; ok {
		return rp.commits[sha]
	}
	return nil
}

// segments splits an escaped path into unescaped parts.
func segments(escaped string) ([]string, bool) {
	parts := strings.Split(strings.Trim(escaped, "/"), "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

func (s *Server) serveHub(w http.ResponseWriter, r *http.Request) {
	parts, ok := segments(r.URL.EscapedPath())
	if !ok || len(parts) < 2 {
		s.record("hub", r, "")
		http.NotFound(w, r)
		return
	}
	switch {
	case parts[0] == "api" && parts[1] == "resolve-cache" && len(parts) >= 7:
		s.serveResolveCache(w, r, parts[2:])
	case parts[0] == "api" && (parts[1] == "models" || parts[1] == "datasets") && len(parts) == 4:
		// The repository's info at its default branch.
		s.serveAPI(w, r, strings.TrimSuffix(parts[1], "s"), parts[2]+"/"+parts[3], []string{"revision", "main"})
	case parts[0] == "api" && (parts[1] == "models" || parts[1] == "datasets") && len(parts) >= 5:
		s.serveAPI(w, r, strings.TrimSuffix(parts[1], "s"), parts[2]+"/"+parts[3], parts[4:])
	case parts[0] == "datasets" && len(parts) >= 6 && parts[3] == "resolve":
		s.serveResolve(w, r, Dataset, parts[1]+"/"+parts[2], parts[4], strings.Join(parts[5:], "/"))
	case len(parts) >= 5 && parts[2] == "resolve":
		s.serveResolve(w, r, Model, parts[0]+"/"+parts[1], parts[3], strings.Join(parts[4:], "/"))
	default:
		s.record("hub", r, "")
		hubError(w, http.StatusNotFound, "", "Sorry, we can't find the page you are looking for.")
	}
}

// faultStatus applies a fault's delay and status; it reports whether the
// request was answered.
func faultStatus(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f == nil {
		return false
	}
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return true
		}
	}
	if f.Status != 0 {
		hubError(w, f.Status, f.Code, http.StatusText(f.Status))
		return true
	}
	return false
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, typ, id string, rest []string) {
	f := s.record("hub", r, "")
	if faultStatus(w, r, f) {
		return
	}
	rp := s.lookup(w, r, typ, id)
	if rp == nil {
		return
	}
	if len(rest) < 2 || (rest[0] != "revision" && rest[0] != "tree") {
		hubError(w, http.StatusNotFound, "", "Not Found")
		return
	}
	s.mu.Lock()
	c := rp.resolve(rest[1])
	s.mu.Unlock()
	if c == nil {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rest[1])
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if rest[0] == "revision" {
		s.serveRevision(w, r, rp, c)
		return
	}
	s.serveTree(w, r, rp, c, strings.Join(rest[2:], "/"))
}

func (s *Server) serveRevision(w http.ResponseWriter, r *http.Request, rp *repo, c *commit) {
	blobs := isTrueParam(r.URL.Query().Get("blobs")) && !s.OmitBlobs
	type lfs struct {
		SHA256      string `json:"sha256"`
		Size        int    `json:"size"`
		PointerSize int    `json:"pointerSize"`
	}
	type sibling struct {
		RFilename string `json:"rfilename"`
		Size      *int   `json:"size,omitempty"`
		BlobID    string `json:"blobId,omitempty"`
		LFS       *lfs   `json:"lfs,omitempty"`
	}
	var sib []sibling
	for _, p := range sortedPaths(c) {
		f := c.files[p]
		sb := sibling{RFilename: p}
		if blobs {
			n := len(f.data)
			sb.Size, sb.BlobID = &n, f.sha1
			if f.lfs {
				sb.LFS = &lfs{SHA256: f.sha256, Size: n, PointerSize: len(lfsPointer(f.sha256, n))}
			}
		}
		sib = append(sib, sb)
	}
	json.NewEncoder(w).Encode(map[string]any{
		"_id": "hubtest-" + rp.id, "id": rp.id, "sha": c.sha, "private": rp.access.Private,
		"gated": gatedValue(rp.access.Gated), "disabled": false,
		"lastModified": "2026-01-01T00:00:00.000Z", "siblings": sib, "tags": []string{},
	})
}

func isTrueParam(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "yes":
		return true
	}
	return false
}

func sortedPaths(c *commit) []string {
	out := make([]string, 0, len(c.files))
	for p := range c.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (s *Server) serveTree(w http.ResponseWriter, r *http.Request, rp *repo, c *commit, dir string) {
	recursive := isTrueParam(r.URL.Query().Get("recursive"))
	type lfs struct {
		OID         string `json:"oid"`
		Size        int    `json:"size"`
		PointerSize int    `json:"pointerSize"`
	}
	type entry struct {
		Type string `json:"type"`
		OID  string `json:"oid"`
		Size int    `json:"size"`
		Path string `json:"path"`
		LFS  *lfs   `json:"lfs,omitempty"`
	}
	var all []entry
	dirs := map[string]bool{}
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	for _, p := range sortedPaths(c) {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		rest := strings.TrimPrefix(p, prefix)
		if i := strings.Index(rest, "/"); i >= 0 {
			for j := 0; j < len(rest); j++ {
				if rest[j] == '/' {
					d := prefix + rest[:j]
					if !dirs[d] && (recursive || !strings.Contains(rest[:j], "/")) {
						dirs[d] = true
						all = append(all, entry{Type: "directory", OID: GitBlobSHA1([]byte(d)), Path: d})
					}
				}
			}
			if !recursive {
				continue
			}
		}
		f := c.files[p]
		e := entry{Type: "file", OID: f.sha1, Size: len(f.data), Path: p}
		if f.lfs {
			e.LFS = &lfs{OID: f.sha256, Size: len(f.data), PointerSize: len(lfsPointer(f.sha256, len(f.data)))}
			e.Size = len(f.data)
		}
		all = append(all, e)
	}
	if len(all) == 0 && dir != "" {
		hubError(w, http.StatusNotFound, "EntryNotFound", dir+" does not exist on "+c.sha)
		return
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].Path < all[b].Path })
	size := s.PageSize
	if size <= 0 {
		size = 50
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	if start < 0 || start > len(all) {
		start = len(all)
	}
	end := min(start+size, len(all))
	if end < len(all) {
		q := r.URL.Query()
		q.Set("cursor", strconv.Itoa(end))
		next := *r.URL
		next.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, s.URL, next.RequestURI()))
	}
	page := all[start:end]
	if page == nil {
		page = []entry{}
	}
	json.NewEncoder(w).Encode(page)
}

// sign is the CDN's signature over a path and the raw query before it.
func (s *Server) sign(p, rawQuery string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(p + "?" + rawQuery))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Server) cdnURL(f *file, name string) string {
	p := fmt.Sprintf("/repos/%s/%s/%s", f.sha256[:2], f.sha256[2:4], f.sha256)
	base := path.Base(name)
	disp := url.QueryEscape(fmt.Sprintf("attachment; filename*=UTF-8''%s; filename=\"%s\";", url.PathEscape(base), base))
	disp = strings.ReplaceAll(disp, "%2A", "*") // left raw, as S3 leaves it: re-encoding it breaks the signature
	q := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&response-content-disposition=" + disp + "&x-id=GetObject"
	return s.CDNURL + p + "?" + q + "&X-Amz-Signature=" + s.sign(p, q)
}

func (s *Server) serveResolve(w http.ResponseWriter, r *http.Request, typ, id, rev, p string) {
	fault := s.record("hub", r, p)
	if faultStatus(w, r, fault) {
		return
	}
	rp := s.lookup(w, r, typ, id)
	if rp == nil {
		return
	}
	s.mu.Lock()
	c := rp.resolve(rev)
	s.mu.Unlock()
	if c == nil {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	f, ok := c.files[p]
	if !ok {
		w.Header().Set("X-Repo-Commit", c.sha)
		hubError(w, http.StatusNotFound, "EntryNotFound", "Entry not found")
		return
	}
	h := w.Header()
	h.Set("X-Repo-Commit", c.sha)
	h.Set("Access-Control-Expose-Headers", "X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,Content-Range,X-Linked-Size,X-Linked-ETag,X-Xet-Hash")
	if f.lfs {
		loc := s.cdnURL(f, p)
		h.Set("X-Linked-Etag", s.etag(f.sha256))
		h.Set("X-Linked-Size", strconv.Itoa(len(f.data)))
		h.Set("ETag", s.etag(f.sha1))
		redirect(w, r, http.StatusFound, loc)
		return
	}
	prefix := "models"
	if typ == Dataset {
		prefix = "datasets"
	}
	orig := url.QueryEscape(r.URL.EscapedPath())
	loc := fmt.Sprintf("/api/resolve-cache/%s/%s/%s/%s?%s=&etag=%s", prefix, id, c.sha, escapePath(p), orig, url.QueryEscape(`"`+f.sha1+`"`))
	h.Set("ETag", s.etag(f.sha1))
	redirect(w, r, http.StatusTemporaryRedirect, loc)
}

// redirect answers with status and Location, and the Hub's short body.
func redirect(w http.ResponseWriter, r *http.Request, status int, loc string) {
	body := http.StatusText(status) + ". Redirecting to " + loc
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write([]byte(body))
	}
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// serveResolveCache serves a small file by commit: rest is
// {models|datasets}/ns/name/commit/path...
func (s *Server) serveResolveCache(w http.ResponseWriter, r *http.Request, rest []string) {
	p := strings.Join(rest[4:], "/")
	fault := s.record("hub", r, p)
	if faultStatus(w, r, fault) {
		return
	}
	typ := strings.TrimSuffix(rest[0], "s")
	rp := s.lookup(w, r, typ, rest[1]+"/"+rest[2])
	if rp == nil {
		return
	}
	s.mu.Lock()
	c := rp.commits[rest[3]]
	s.mu.Unlock()
	if c == nil {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rest[3])
		return
	}
	f, ok := c.files[p]
	if !ok || f.lfs {
		w.Header().Set("X-Repo-Commit", c.sha)
		hubError(w, http.StatusNotFound, "EntryNotFound", "Entry not found")
		return
	}
	w.Header().Set("X-Repo-Commit", c.sha)
	w.Header().Set("ETag", s.etag(f.sha1))
	serveBytes(w, r, f.data, fault)
}

func (s *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	parts, _ := segments(r.URL.EscapedPath())
	sha := ""
	if len(parts) == 4 && parts[0] == "repos" {
		sha = parts[3]
	}
	s.mu.Lock()
	name := s.names[sha]
	obj := s.objects[sha]
	s.mu.Unlock()
	fault := s.record("cdn", r, name)
	if faultStatus(w, r, fault) {
		return
	}
	if r.Header.Get("Authorization") != "" {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified</Message></Error>`)
		return
	}
	raw := r.URL.RawQuery
	i := strings.LastIndex(raw, "&X-Amz-Signature=")
	if i < 0 || obj == nil || !hmac.Equal([]byte(raw[i+len("&X-Amz-Signature="):]), []byte(s.sign(r.URL.EscapedPath(), raw[:i]))) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>`)
		return
	}
	w.Header().Set("ETag", `"`+obj.md5+`"`)
	w.Header().Set("Content-Type", "binary/octet-stream")
	serveBytes(w, r, obj.data, fault)
}

// serveBytes answers HEAD and GET (with a single "bytes=N-" or "bytes=N-M"
// range) for data, applying a fault's cut, stall or corruption.
func serveBytes(w http.ResponseWriter, r *http.Request, data []byte, f *Fault) {
	h := w.Header()
	h.Set("Accept-Ranges", "bytes")
	start, end := 0, len(data)
	status := http.StatusOK
	if rg := r.Header.Get("Range"); rg != "" && (f == nil || !f.IgnoreRange) {
		var a, b int
		n, _ := fmt.Sscanf(rg, "bytes=%d-%d", &a, &b)
		switch {
		case n >= 1 && a >= len(data) && len(data) > 0:
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", len(data)))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		case n == 2 && b >= a:
			start, end = a, min(b+1, len(data))
			status = http.StatusPartialContent
		case n >= 1:
			start = a
			status = http.StatusPartialContent
		}
		if status == http.StatusPartialContent {
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end-1, len(data)))
		}
	}
	body := data[start:end]
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	if f != nil && f.Corrupt && len(body) > 0 {
		body = append([]byte(nil), body...)
		body[len(body)/2] ^= 0xff
	}
	rc := http.NewResponseController(w)
	switch {
	case f != nil && (f.DropAfter > 0 || f.DropAt0):
		n := min(int(f.DropAfter), len(body))
		w.Write(body[:n])
		rc.Flush()
		panic(http.ErrAbortHandler) // cut the connection mid-body
	case f != nil && f.Stall > 0:
		n := min(int(f.StallAfter), len(body))
		w.Write(body[:n])
		rc.Flush()
		select {
		case <-time.After(f.Stall):
		case <-r.Context().Done():
		}
		panic(http.ErrAbortHandler)
	}
	w.Write(body)
}

// gatedValue is the API's "gated" field: false, or the approval mode.
func gatedValue(g bool) any {
	if g {
		return "auto"
	}
	return false
}
