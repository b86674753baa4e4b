package imageproc

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"
	"sync/atomic"
	"testing"
)

// solidSource serves n solid images whose colour encodes the index; the
// indices in bad fail.
type solidSource struct {
	n       int
	bad     map[int]bool
	loading atomic.Int32
	maxLoad atomic.Int32
	calls   atomic.Int32
}

func (s *solidSource) Len() int { return s.n }

func (s *solidSource) Image(i int) (image.Image, error) {
	s.calls.Add(1)
	cur := s.loading.Add(1)
	defer s.loading.Add(-1)
	for {
		m := s.maxLoad.Load()
		if cur <= m || s.maxLoad.CompareAndSwap(m, cur) {
			break
		}
	}
	if s.bad[i] {
		return nil, fmt.Errorf("img%03d.jpg: corrupt", i)
	}
	img := NewRGB(image.Rect(0, 0, 5, 3))
	for p := 0; p < len(img.Pix); p += 3 {
		img.Pix[p], img.Pix[p+1], img.Pix[p+2] = uint8(i), uint8(i>>8), 7
	}
	return img, nil
}

func streamConfig() Config {
	return Config{Size: 4, Resize: ResizeShortest, Interpolation: Bicubic, Mean: [3]float32{0, 0, 0}, Std: [3]float32{1, 1, 1}}
}

// indexOf recovers the source index from a preprocessed solid image.
func indexOf(px []float32) int {
	r := int(px[0]*255 + 0.5)
	g := int(px[16]*255 + 0.5)
	return r | g<<8
}

func TestStreamOrderAndSkip(t *testing.T) {
	for _, workers := range []int{1, 3, 8} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			src := &solidSource{n: 301, bad: map[int]bool{0: true, 7: true, 150: true, 300: true}}
			c := streamConfig()
			var got []int
			var progress []int
			skipped, err := Stream(context.Background(), src, c, StreamOptions{BatchSize: 16, Workers: workers, SkipBad: true,
				Progress: func(done int) { progress = append(progress, done) }}, func(b Batch) error {
				if len(b.Pixels) != len(b.Indices)*c.PixelsPerImage() {
					t.Fatalf("batch has %d values for %d images", len(b.Pixels), len(b.Indices))
				}
				if len(b.Indices) > 16 {
					t.Fatalf("batch of %d images, batch size 16", len(b.Indices))
				}
				for k, idx := range b.Indices {
					if px := b.Pixels[k*c.PixelsPerImage():]; indexOf(px) != idx {
						t.Fatalf("image at position %d holds sample %d, want %d", k, indexOf(px), idx)
					}
					got = append(got, idx)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 297 {
				t.Fatalf("got %d images, want 297", len(got))
			}
			for k := 1; k < len(got); k++ {
				if got[k] <= got[k-1] {
					t.Fatalf("out of order: %d after %d", got[k], got[k-1])
				}
			}
			var skippedIdx []int
			for _, s := range skipped {
				skippedIdx = append(skippedIdx, s.Index)
				if !strings.Contains(s.Err.Error(), fmt.Sprintf("img%03d.jpg", s.Index)) {
					t.Errorf("skipped %d: error %v does not name the file", s.Index, s.Err)
				}
			}
			if fmt.Sprint(skippedIdx) != "[0 7 150 300]" {
				t.Errorf("skipped %v, want [0 7 150 300]", skippedIdx)
			}
			if len(progress) != 19 || progress[len(progress)-1] != 301 {
				t.Errorf("progress calls %v", progress)
			}
			if m := src.maxLoad.Load(); int(m) > workers {
				t.Errorf("%d concurrent loads with %d workers", m, workers)
			}
		})
	}
}

func TestStreamStopsOnBadSample(t *testing.T) {
	src := &solidSource{n: 200, bad: map[int]bool{77: true}}
	var seen int
	_, err := Stream(context.Background(), src, streamConfig(), StreamOptions{BatchSize: 10, Workers: 4}, func(b Batch) error {
		seen += len(b.Indices)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "sample 77") || !strings.Contains(err.Error(), "img077.jpg") {
		t.Fatalf("error %v, want one naming sample 77 and its file", err)
	}
	if seen != 70 {
		t.Errorf("fn saw %d images before the failure, want the 70 before batch 7", seen)
	}
	// Memory bound: the dispatcher never ran more than a few batches ahead.
	if c := src.calls.Load(); c > 200 {
		t.Errorf("%d loads", c)
	}
}

func TestStreamBoundedAndCancellable(t *testing.T) {
	src := &solidSource{n: 100000}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batches := 0
	_, err := Stream(ctx, src, streamConfig(), StreamOptions{BatchSize: 8, Workers: 2}, func(b Batch) error {
		batches++
		if batches == 5 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	// 2 + workers/batch = 3 batches in flight at most, beyond the 5 consumed.
	if c := src.calls.Load(); c > 8*(5+3) {
		t.Errorf("%d images loaded for 5 consumed batches: read-ahead is not bounded", c)
	}
}

func TestStreamFnError(t *testing.T) {
	src := &solidSource{n: 50}
	boom := errors.New("encoder failed")
	_, err := Stream(context.Background(), src, streamConfig(), StreamOptions{BatchSize: 10}, func(b Batch) error {
		if b.Indices[0] == 20 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want the callback's", err)
	}
}

func TestStreamEmptyAndAllBad(t *testing.T) {
	skipped, err := Stream(context.Background(), &solidSource{n: 0}, streamConfig(), StreamOptions{}, func(Batch) error {
		t.Fatal("fn called for an empty source")
		return nil
	})
	if err != nil || skipped != nil {
		t.Fatalf("empty source: %v %v", skipped, err)
	}
	bad := map[int]bool{0: true, 1: true, 2: true}
	skipped, err = Stream(context.Background(), &solidSource{n: 3, bad: bad}, streamConfig(), StreamOptions{SkipBad: true}, func(Batch) error {
		t.Fatal("fn called for a batch with no good image")
		return nil
	})
	if err != nil || len(skipped) != 3 {
		t.Fatalf("all bad: %v %v", skipped, err)
	}
}

// grayImage makes sure a non-RGB source image works in the pipeline.
func TestStreamGraySource(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 8, 8))
	g.Set(3, 3, color.Gray{200})
	c := streamConfig()
	dst := make([]float32, c.PixelsPerImage())
	if err := c.Preprocess(g, dst); err != nil {
		t.Fatal(err)
	}
	plane := c.Size * c.Size
	for i := 0; i < plane; i++ {
		if dst[i] != dst[plane+i] || dst[i] != dst[2*plane+i] {
			t.Fatalf("gray image: channels differ at %d", i)
		}
	}
}

// panicSource panics when asked for sample panicAt.
type panicSource struct {
	solidSource
	panicAt int
}

func (s *panicSource) Image(i int) (image.Image, error) {
	if i == s.panicAt {
		var m map[int]int
		m[i]++ // a decoder bug
	}
	return s.solidSource.Image(i)
}

// TestStreamWorkerPanic: a panic while loading one sample is that sample's
// error (skipped and counted, or the stream's error), never the process's
// end.
func TestStreamWorkerPanic(t *testing.T) {
	src := &panicSource{solidSource: solidSource{n: 20}, panicAt: 7}
	var got int
	skipped, err := Stream(context.Background(), src, streamConfig(), StreamOptions{Workers: 4, BatchSize: 3, SkipBad: true}, func(b Batch) error {
		got += len(b.Indices)
		return nil
	})
	if err != nil || got != 19 || len(skipped) != 1 || skipped[0].Index != 7 || !strings.Contains(skipped[0].Err.Error(), "internal error (please report): assignment to entry in nil map") {
		t.Fatalf("got %d, skipped %v, err %v", got, skipped, err)
	}
	_, err = Stream(context.Background(), src, streamConfig(), StreamOptions{Workers: 4, BatchSize: 3}, func(Batch) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "sample 7: internal error") {
		t.Fatalf("without skipping: %v", err)
	}
}

// TestStreamBatchSizeBounded: a batch size far above the sample count
// allocates for the samples there are, and a batch that cannot fit the
// allocation limit is an error, not an out-of-memory.
func TestStreamBatchSizeBounded(t *testing.T) {
	src := &solidSource{n: 5}
	n := 0
	if _, err := Stream(context.Background(), src, streamConfig(), StreamOptions{Workers: 2, BatchSize: 1 << 30}, func(b Batch) error {
		n += len(b.Indices)
		return nil
	}); err != nil || n != 5 {
		t.Fatalf("huge batch size: %d images, %v", n, err)
	}
	big := &solidSource{n: 1 << 30}
	c := streamConfig()
	c.Size = 4096
	_, err := Stream(context.Background(), big, c, StreamOptions{Workers: 2, BatchSize: 1 << 20}, func(Batch) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "limit on one array") {
		t.Fatalf("over the limit: %v", err)
	}
}

// TestStreamStats: the decode stage's busy time and the consumer's wait
// are reported (no wall-clock bounds asserted: only that they are
// measured).
func TestStreamStats(t *testing.T) {
	src := &solidSource{n: 64}
	c := streamConfig()
	var st StreamStats
	if _, err := Stream(context.Background(), src, c, StreamOptions{BatchSize: 8, Workers: 2, Stats: &st}, func(Batch) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if !(st.DecodeSeconds > 0) || st.WaitSeconds < 0 {
		t.Fatalf("%+v", st)
	}
}
