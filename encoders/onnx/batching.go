package onnx

import (
	"context"
	"sync"
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
			if err := fn(lo, min(lo+size, n)); err != nil {
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
				if err := fn(lo, min(lo+size, n)); err != nil {
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
