package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/evalclip/evalclip/internal/buildinfo"
)

// Client talks to one Hub endpoint and keeps files in one cache.
type Client struct {
	Config
	// HTTP sends the requests; nil means a client built from Config. Its
	// redirect policy is replaced: the client follows redirects itself.
	HTTP *http.Client
	// Progress receives download progress: a bar on a terminal, a line
	// every ProgressEvery elsewhere (CI logs); nil is silent.
	Progress io.Writer
	// ProgressEvery is the interval of progress lines (default 10 s).
	ProgressEvery time.Duration
	// Retries is how many times a request is tried again after a network
	// error or a 429/5xx answer, and how many times a download resumes
	// without receiving a byte (default 5).
	Retries int
	// RetryWait is the first wait between tries, doubled each time up to
	// 8 s (default 1 s).
	RetryWait time.Duration
	// Workers is how many files a pull downloads at once (default 8).
	Workers int

	// freeSpace reports the free bytes of a folder's file system; tests
	// replace it.
	freeSpace func(dir string) (int64, error)
}

// New returns a client for cfg with the default settings.
func New(cfg Config) *Client {
	return &Client{Config: cfg}
}

// Cache is the client's cache.
func (c *Client) Cache() Cache { return Cache{Dir: c.CacheDir} }

func (c *Client) httpClient() *http.Client {
	base := c.HTTP
	if base == nil {
		base = &http.Client{Transport: http.DefaultTransport}
	}
	cp := *base
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

func (c *Client) retries() int {
	if c.Retries > 0 {
		return c.Retries
	}
	return 5
}

func (c *Client) retryWait(try int) time.Duration {
	w := c.RetryWait
	if w <= 0 {
		w = time.Second
	}
	for i := 0; i < try && w < 8*time.Second; i++ {
		w *= 2
	}
	return min(w, 8*time.Second)
}

// sameOrigin reports whether u is on the endpoint's scheme and host: only
// there is the token sent.
func (c *Client) sameOrigin(u *url.URL) bool {
	e, err := url.Parse(c.Endpoint)
	return err == nil && strings.EqualFold(e.Scheme, u.Scheme) && strings.EqualFold(e.Host, u.Host)
}

// request is one logical request: retried, and with relative redirects
// followed when followRelative is set.
type request struct {
	method         string
	url            string
	header         http.Header
	followRelative bool
	// followAll also follows absolute redirects (a download's CDN hops);
	// the token still goes only to the endpoint's origin.
	followAll bool
	repo      Repo
	// timeout bounds the wait for the response headers (0: none).
	timeout time.Duration
}

// retryable statuses, as huggingface_hub retries them (plus 429).
func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// do sends r, retrying network errors and 429/5xx answers, and returns a
// response whose status is below 400 (3xx only when not followed), or an
// error. The caller closes the body. cancel releases the request's
// context and must be called once the body is read.
func (c *Client) do(ctx context.Context, r request) (resp *http.Response, cancel context.CancelFunc, err error) {
	if c.Offline {
		return nil, nil, fmt.Errorf("%w: %s %s not sent (offline)", ErrOffline, r.method, r.url)
	}
	hc := c.httpClient()
	target := r.url
	for redirects := 0; ; redirects++ {
		resp, cancel, err = c.send(ctx, hc, r, target)
		if err != nil {
			return nil, nil, err
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 && (r.followRelative || r.followAll) {
			loc := resp.Header.Get("Location")
			lu, perr := url.Parse(loc)
			if loc != "" && perr == nil && (r.followAll || (lu.Host == "" && lu.Scheme == "")) {
				if redirects >= 10 {
					resp.Body.Close()
					cancel()
					return nil, nil, fmt.Errorf("%w: %s %s: more than 10 redirects", ErrProtocol, r.method, r.url)
				}
				base, _ := url.Parse(target)
				next := base.ResolveReference(lu)
				io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
				resp.Body.Close()
				cancel()
				target = next.String()
				continue
			}
		}
		if resp.StatusCode >= 400 {
			e := classify(resp, r.method, target, r.repo, c.TokenSource)
			resp.Body.Close()
			cancel()
			return nil, nil, e
		}
		return resp, cancel, nil
	}
}

// send makes one request with retries.
func (c *Client) send(ctx context.Context, hc *http.Client, r request, target string) (*http.Response, context.CancelFunc, error) {
	var last error
	for try := 0; ; try++ {
		if try > 0 {
			wait := c.retryWait(try - 1)
			if err := sleepCtx(ctx, wait); err != nil {
				return nil, nil, err
			}
		}
		resp, cancel, err := c.sendOnce(ctx, hc, r, target)
		if err == nil && !retryable(resp.StatusCode) {
			return resp, cancel, nil
		}
		if ctx.Err() != nil {
			if cancel != nil {
				cancel()
			}
			return nil, nil, ctx.Err()
		}
		if err != nil {
			last = err
		} else {
			last = fmt.Errorf("HTTP %d", resp.StatusCode)
			if try >= c.retries() {
				return resp, cancel, nil // classified by the caller
			}
			if ra, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && ra > 0 && ra <= 60 {
				sleepCtx(ctx, time.Duration(ra)*time.Second)
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
			cancel()
		}
		if try >= c.retries() {
			return nil, nil, fmt.Errorf("%w: %s %s: %v (after %d tries)", ErrUnreachable, r.method, target, last, try+1)
		}
	}
}

func (c *Client) sendOnce(ctx context.Context, hc *http.Client, r request, target string) (*http.Response, context.CancelFunc, error) {
	rctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(rctx, r.method, target, nil)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("%s %s: %w", r.method, target, err)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "evalclip/"+buildinfo.Version()+"; hf_hub-compatible")
	if c.Token != "" && c.sameOrigin(req.URL) {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	var dog *watchdog
	if r.timeout > 0 {
		dog = newWatchdog(r.timeout, cancel)
	}
	resp, err := hc.Do(req)
	if err != nil {
		cancel()
		if dog != nil && dog.fired() {
			return nil, nil, fmt.Errorf("%s %s: no answer within %s", r.method, target, r.timeout)
		}
		return nil, nil, fmt.Errorf("%s %s: %w", r.method, target, err)
	}
	if dog != nil {
		dog.kick()
		resp.Body = &watchedBody{ReadCloser: resp.Body, dog: dog}
		return resp, func() { dog.stop(); cancel() }, nil
	}
	return resp, cancel, nil
}

// watchdog cancels a request when no progress is made for a while: no
// response headers, or no body bytes.
type watchdog struct {
	d     time.Duration
	t     *time.Timer
	fire  atomic.Bool
	alarm context.CancelFunc
}

func newWatchdog(d time.Duration, cancel context.CancelFunc) *watchdog {
	w := &watchdog{d: d, alarm: cancel}
	w.t = time.AfterFunc(d, func() { w.fire.Store(true); cancel() })
	return w
}

func (w *watchdog) kick()       { w.t.Reset(w.d) }
func (w *watchdog) stop()       { w.t.Stop() }
func (w *watchdog) fired() bool { return w.fire.Load() }

// errStalled marks a body read that the watchdog cut.
var errStalled = errors.New("stalled")

// watchedBody kicks the watchdog on every read and reports its firing as
// a stall.
type watchedBody struct {
	io.ReadCloser
	dog *watchdog
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.dog.kick()
	}
	if err != nil && err != io.EOF && b.dog.fired() {
		return n, fmt.Errorf("%w: no bytes for %s", errStalled, b.dog.d)
	}
	return n, err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
