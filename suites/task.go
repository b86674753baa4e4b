package suites

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/evalclip/evalclip/reports"
)

// TaskRunner executes jobs of one task type (every [TaskConfig] is one; a
// Runner may replace them, in tests). Run returns the job's records (one
// per measurement); the Runner stamps them with run metadata and fills in
// task, model, dataset, split, k and seed from the job's key when left
// empty. Run should return promptly with ctx.Err() when ctx is cancelled.
type TaskRunner interface {
	Run(ctx context.Context, env *Env, job *Job) ([]reports.Record, error)
}

// TaskFunc adapts a function to TaskRunner.
type TaskFunc func(ctx context.Context, env *Env, job *Job) ([]reports.Record, error)

// Run calls f.
func (f TaskFunc) Run(ctx context.Context, env *Env, job *Job) ([]reports.Record, error) {
	return f(ctx, env, job)
}

// Progress receives a job's fine-grained progress (images encoded, kernel
// repetitions). Implementations are safe for concurrent use.
type Progress interface {
	// SetTotal announces how many items the job (or its current phase)
	// will process, with a short label such as "encode images".
	SetTotal(label string, n int)
	// Add reports n more items done.
	Add(n int)
}

// Env is what every job of one run shares.
type Env struct {
	Suite *Suite
	// OutDir is the run's output folder.
	OutDir string
	// Log receives human-readable messages (stderr).
	Log io.Writer
	// Progress reports the current job's progress.
	Progress Progress
	// NoCache asks tasks to neither read nor write cached features.
	NoCache bool

	mu        sync.Mutex
	resources map[string]*resource
	order     []string
}

// resource is one shared value; ready is closed once open has returned.
type resource struct {
	ready chan struct{}
	val   io.Closer
	err   error
}

// Opened returns the resource under key if it has been opened without
// error (nil otherwise); it never opens one.
func (e *Env) Opened(key string) io.Closer {
	e.mu.Lock()
	r, ok := e.resources[key]
	e.mu.Unlock()
	if !ok {
		return nil
	}
	select {
	case <-r.ready:
		if r.err == nil {
			return r.val
		}
	default:
	}
	return nil
}

// Resource returns the shared value stored under key, calling open to create
// it on first use. Jobs use it to share expensive state (ONNX sessions, class
// weights, cached features) across the run; the Runner closes every resource,
// newest first, when the run ends. open may itself call Resource for other
// keys; concurrent callers of the same key wait for one open. A failed open
// is not remembered, so a later call tries again.
func (e *Env) Resource(key string, open func() (io.Closer, error)) (io.Closer, error) {
	e.mu.Lock()
	if e.resources == nil {
		e.resources = map[string]*resource{}
	}
	if r, ok := e.resources[key]; ok {
		e.mu.Unlock()
		<-r.ready
		return r.val, r.err
	}
	r := &resource{ready: make(chan struct{})}
	e.resources[key] = r
	e.mu.Unlock()

	r.val, r.err = open()
	e.mu.Lock()
	if r.err != nil {
		delete(e.resources, key)
	} else {
		e.order = append(e.order, key)
	}
	e.mu.Unlock()
	close(r.ready)
	return r.val, r.err
}

// closeResources closes every resource, newest first.
func (e *Env) closeResources() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for i := len(e.order) - 1; i >= 0; i-- {
		if err := e.resources[e.order[i]].val.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", e.order[i], err))
		}
	}
	e.resources, e.order = nil, nil
	return errs
}
