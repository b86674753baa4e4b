package imageproc

import (
	"context"
	"errors"
	"fmt"
	"image"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/evalclip/evalclip/internal/limits"
	"github.com/evalclip/evalclip/internal/panics"
)

// Source is an indexed collection of images (a dataset).
type Source interface {
	Len() int
	Image(i int) (image.Image, error)
}

// Batch is a run of preprocessed images in source order.
type Batch struct {
	// Indices are the source indices of the images, ascending.
	Indices []int
	// Pixels holds len(Indices) images of Config.PixelsPerImage() float32
	// values each, NCHW. The slice is reused after fn returns.
	Pixels []float32
}

// StreamOptions tunes Stream.
type StreamOptions struct {
	// BatchSize is the number of source samples per batch (0 = 64).
	BatchSize int
	// Workers is the number of decoding goroutines (0 = GOMAXPROCS).
	Workers int
	// SkipBad leaves out samples that fail to decode or preprocess and
	// lists them in Stream's result instead of stopping.
	SkipBad bool
	// Progress, when set, is called after each batch with the number of
	// source samples finished so far (skipped ones included), from the
	// goroutine that called Stream.
	Progress func(done int)
	// Stats, when set, receives where the time went.
	Stats *StreamStats
}

// StreamStats says where a Stream's time went: DecodeSeconds is the time
// the workers spent decoding and preprocessing (summed over workers: the
// decode stage's busy time), WaitSeconds the time the consumer (fn, the
// image tower) waited for its next batch. A tower that never waits is the
// bottleneck; one that waits is fed too slowly.
type StreamStats struct {
	DecodeSeconds, WaitSeconds float64
}

// Skipped is a sample left out by StreamOptions.SkipBad.
type Skipped struct {
	Index int
	Err   error
}

// Stream decodes and preprocesses every image of src with opts.Workers
// goroutines and calls fn with the batches in source order, one call at a
// time, from the calling goroutine. Batch b covers source samples
// [b*BatchSize, (b+1)*BatchSize); it holds fewer images when samples were
// skipped, and fn is not called for a batch that ends up empty.
//
// Memory is bounded: at most 2+Workers/BatchSize batches are in flight,
// whatever src.Len() is. The pixel slice passed to fn is reused after fn
// returns.
//
// Without SkipBad, the first failing sample stops the stream with an error
// naming its index; with it, failures are returned as []Skipped (in index
// order) and the stream goes on. An error from fn or the context stops the
// stream and is returned.
func Stream(ctx context.Context, src Source, c Config, opts StreamOptions, fn func(Batch) error) ([]Skipped, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	n := src.Len()
	bs := opts.BatchSize
	if bs <= 0 {
		bs = 64
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	bs = max(1, min(bs, n))
	workers = max(1, min(workers, n))
	nb := (n + bs - 1) / bs
	if nb == 0 {
		return nil, nil
	}
	inFlight := min(2+workers/bs, nb)
	ppi := c.PixelsPerImage()
	if err := limits.Alloc(fmt.Sprintf("image batches (%d in flight of %d images of 3x%dx%d)", inFlight, bs, c.Size, c.Size), int64(inFlight)*int64(bs)*int64(ppi), 4); err != nil {
		return nil, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// A slot holds one batch being filled. Slot s serves batches s,
	// s+inFlight, ...; it is handed back (free) once fn has consumed it.
	type slot struct {
		pixels  []float32
		errs    []error
		pending sync.WaitGroup
		ready   chan struct{}
	}
	slots := make([]*slot, inFlight)
	free := make(chan int, inFlight)
	for i := range slots {
		slots[i] = &slot{pixels: make([]float32, bs*ppi), errs: make([]error, bs), ready: make(chan struct{}, 1)}
		free <- i
	}
	type job struct {
		s     *slot
		index int // source index
		pos   int // position in the batch
	}
	jobs := make(chan job, workers)
	var decodeNanos atomic.Int64
	var waited time.Duration
	if opts.Stats != nil {
		defer func() {
			opts.Stats.DecodeSeconds = time.Duration(decodeNanos.Load()).Seconds()
			opts.Stats.WaitSeconds = waited.Seconds()
		}()
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				var err error
				if ctx.Err() == nil {
					t0 := time.Now()
					err = loadOne(src, c, j.index, j.s.pixels[j.pos*ppi:(j.pos+1)*ppi])
					decodeNanos.Add(int64(time.Since(t0)))
				}
				j.s.errs[j.pos] = err
				j.s.pending.Done()
			}
		}()
	}
	// The dispatcher fills batch b into slot b%inFlight when it is free.
	dispatchDone := make(chan struct{})
	go func() {
		defer close(dispatchDone)
		defer close(jobs)
		for b := 0; b < nb; b++ {
			select {
			case <-ctx.Done():
				return
			case <-free:
			}
			s := slots[b%inFlight]
			lo, hi := b*bs, min((b+1)*bs, n)
			s.pending.Add(hi - lo)
			go func() { s.pending.Wait(); s.ready <- struct{}{} }()
			for i := lo; i < hi; i++ {
				select {
				case <-ctx.Done():
					// Account for the jobs never sent.
					for ; i < hi; i++ {
						s.errs[i-lo] = ctx.Err()
						s.pending.Done()
					}
					return
				case jobs <- job{s: s, index: i, pos: i - lo}:
				}
			}
		}
	}()
	finish := func(err error) ([]Skipped, error) {
		cancel()
		<-dispatchDone
		wg.Wait()
		return nil, err
	}

	var skipped []Skipped
	indices := make([]int, 0, bs)
	for b := 0; b < nb; b++ {
		s := slots[b%inFlight]
		t0 := time.Now()
		select {
		case <-ctx.Done():
			return finish(ctx.Err())
		case <-s.ready:
		}
		waited += time.Since(t0)
		if err := ctx.Err(); err != nil {
			return finish(err)
		}
		lo, hi := b*bs, min((b+1)*bs, n)
		indices = indices[:0]
		kept := 0
		for pos := 0; pos < hi-lo; pos++ {
			if err := s.errs[pos]; err != nil {
				if !opts.SkipBad {
					return finish(fmt.Errorf("sample %d: %w", lo+pos, err))
				}
				skipped = append(skipped, Skipped{Index: lo + pos, Err: err})
				continue
			}
			if kept != pos {
				copy(s.pixels[kept*ppi:(kept+1)*ppi], s.pixels[pos*ppi:(pos+1)*ppi])
			}
			indices = append(indices, lo+pos)
			kept++
		}
		if kept > 0 {
			if err := fn(Batch{Indices: indices, Pixels: s.pixels[:kept*ppi]}); err != nil {
				_, err2 := finish(err)
				return skipped, err2
			}
		}
		if opts.Progress != nil {
			opts.Progress(hi)
		}
		clear(s.errs)
		free <- b % inFlight
	}
	<-dispatchDone
	wg.Wait()
	return skipped, nil
}

// loadOne decodes and preprocesses source sample i into dst. A panic in
// the decoder or the resampler becomes the sample's error.
func loadOne(src Source, c Config, i int, dst []float32) (err error) {
	defer panics.Recover(&err)
	img, err := src.Image(i)
	if err != nil {
		return err
	}
	if img == nil {
		return errors.New("source returned no image")
	}
	return c.Preprocess(img, dst)
}
