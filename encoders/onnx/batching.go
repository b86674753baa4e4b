package onnx

import (
	"context"
	"fmt"
	"sync"

	"github.com/evalclip/evalclip/internal/panics"
)

// batchSize is the number of inputs per request: 1 for a static batch-1
// tower, else the suite's batch size (64 when unset).
func batchSize(batch1 bool, configured int) int {
	switch {
	case batch1:
		return 1
	case configured <= 0:
		return 64
	}
	return configured
}

// chunkSize splits n items over workers requests of at most batch items.
func chunkSize(n, batch, workers int) int {
	if workers < 1 {
		workers = 1
	}
	size := (n + workers - 1) / workers
	return max(1, min(size, batch))
}

// parallelChunks calls fn on [lo,hi) chunks of at most size items, with up
// to workers calls at once, stopping at the first error or when ctx ends.
func parallelChunks(ctx context.Context, n, size, workers int, fn func(lo, hi int) error) error {
	call := func(lo, hi int) (err error) {
		defer panics.Recover(&err) // a panic in a request is its error
		return fn(lo, hi)
	}
	if size < 1 {
		size = 1
	}
	if workers < 1 {
		workers = 1
	}
	if workers == 1 {
		for lo := 0; lo < n; lo += size {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := call(lo, min(lo+size, n)); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				if err := call(lo, min(lo+size, n)); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for lo := 0; lo < n; lo += size {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		next <- lo
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// encodeRows embeds n inputs in requests of at most batch inputs, up to
// workers at once: run(lo, hi) returns the embeddings of inputs lo..hi-1,
// which must be (hi-lo)*dim values. tower ("image tower x.onnx") and unit
// ("images") name them in errors.
func encodeRows(ctx context.Context, n, dim, batch, workers int, tower, unit string, run func(lo, hi int) ([]float32, error)) ([]float32, error) {
	out := make([]float32, n*dim)
	return out, parallelChunks(ctx, n, chunkSize(n, batch, workers), workers, func(lo, hi int) error {
		emb, err := run(lo, hi)
		if err != nil {
			return err
		}
		if len(emb) != (hi-lo)*dim {
			return fmt.Errorf("%s returned %d values for %d %s of width %d", tower, len(emb), hi-lo, unit, dim)
		}
		copy(out[lo*dim:], emb)
		return nil
	})
}
