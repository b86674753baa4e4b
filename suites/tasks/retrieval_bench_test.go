package tasks

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evalclip/evalclip/kernels"
	kblas "github.com/evalclip/evalclip/kernels/blas"
	gblas "gonum.org/v1/gonum/blas"
)

// peakHeap runs f and returns the largest heap in use seen meanwhile,
// sampled every millisecond, less the heap in use before.
func peakHeap(f func()) (bytes float64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	f()
	close(stop)
	wg.Wait()
	runtime.ReadMemStats(&ms)
	p := max(peak.Load(), ms.HeapInuse)
	if p < base {
		return 0
	}
	return float64(p - base)
}

// denseRetrieval is the naive twin: normalise, the full caption x image
// score matrix in one SGEMM, then each row (and each column, for image to
// text) sorted whole, or with sel its top k selected in one pass (as
// torch.topk over materialised scores does).
func denseRetrieval(imgs, temb []float32, owner []int, n, d, k int, sel bool) (imageRank, textRank []int) {
	norm := func(x []float32) []float32 {
		out := make([]float32, len(x))
		for r := 0; r < len(x)/d; r++ {
			var s float64
			for _, v := range x[r*d : (r+1)*d] {
				s += float64(v) * float64(v)
			}
			inv := float32(1 / math.Max(math.Sqrt(s), kernels.NormEpsilon))
			for j, v := range x[r*d : (r+1)*d] {
				out[r*d+j] = v * inv
			}
		}
		return out
	}
	qi, qt := norm(imgs), norm(temb)
	nt := len(owner)
	scores := make([]float32, nt*n)
	kblas.Implementation{}.Sgemm(gblas.NoTrans, gblas.Trans, nt, n, d, 1, qt, d, qi, d, 0, scores, n)
	rank := func(row []float32, match func(j int) bool) int {
		if sel {
			best := make([]int, 0, k+1)
			for j, v := range row {
				p := len(best)
				for p > 0 && v > row[best[p-1]] {
					p--
				}
				if p < k {
					best = append(best, 0)
					copy(best[p+1:], best[p:])
					best[p] = j
					if len(best) > k {
						best = best[:k]
					}
				}
			}
			for p, j := range best {
				if match(j) {
					return p
				}
			}
			return -1
		}
		idx := make([]int, len(row))
		for j := range idx {
			idx[j] = j
		}
		sort.SliceStable(idx, func(a, b int) bool { return row[idx[a]] > row[idx[b]] })
		for p := 0; p < k; p++ {
			if match(idx[p]) {
				return p
			}
		}
		return -1
	}
	imageRank = make([]int, nt)
	for q := 0; q < nt; q++ {
		imageRank[q] = rank(scores[q*n:(q+1)*n], func(j int) bool { return j == owner[q] })
	}
	textRank = make([]int, n)
	col := make([]float32, nt)
	for i := 0; i < n; i++ {
		for q := 0; q < nt; q++ {
			col[q] = scores[q*n+i]
		}
		textRank[i] = rank(col, func(j int) bool { return owner[j] == i })
	}
	return imageRank, textRank
}

// BenchmarkRetrievalScoring scores Flickr30k- and MSCOCO-sized problems
// (5 captions an image, 512-d) both ways at K = 10 with the kernels' top-k
// path and with the dense twins (materialised scores, then a one-pass
// top-k selection or a full sort), reporting peak heap growth:
//
//	go test -run '^$' -bench RetrievalScoring -benchtime 1x ./suites/tasks
func BenchmarkRetrievalScoring(b *testing.B) {
	const d, k = 512, 10
	for _, sz := range []struct {
		name string
		n    int
	}{{"flickr=1000x5000", 1000}, {"mscoco=5000x25000", 5000}} {
		imgs := kernels.RandomEmbeddings(sz.n, d, 1)
		temb := kernels.RandomEmbeddings(5*sz.n, d, 2)
		owner := make([]int, 5*sz.n)
		for i := range owner {
			owner[i] = i / 5
		}
		for _, impl := range []string{"impl=topk", "impl=dense-select", "impl=dense-sort"} {
			b.Run(sz.name+"/"+impl, func(b *testing.B) {
				var peak float64
				for b.Loop() {
					peak = math.Max(peak, peakHeap(func() {
						if impl == "impl=topk" {
							if _, _, err := ScoreRetrieval(context.Background(), kernels.CPU(), imgs, temb, owner, sz.n, d, k); err != nil {
								b.Fatal(err)
							}
						} else {
							denseRetrieval(imgs, temb, owner, sz.n, d, k, impl == "impl=dense-select")
						}
					}))
				}
				b.ReportMetric(peak/1e6, "peak-MB")
			})
		}
	}
}

// BenchmarkRetrievalGallery scores 1,000 images against a gallery of one
// million captions (image to text, K = 10; 512-d, 2 GB of caption
// embeddings): the dense score matrix would be 4 GB, the top-k path holds
// tiles. Set EVALCLIP_BENCH_GALLERY=1 to run it (it needs about 3 GB).
func BenchmarkRetrievalGallery(b *testing.B) {
	if os.Getenv("EVALCLIP_BENCH_GALLERY") == "" {
		b.Skip("set EVALCLIP_BENCH_GALLERY=1 (needs about 3 GB)")
	}
	const n, nt, d, k = 1000, 1_000_000, 512, 10
	imgs := kernels.RandomEmbeddings(n, d, 1)
	temb := kernels.RandomEmbeddings(nt, d, 2)
	var peak float64
	for b.Loop() {
		peak = math.Max(peak, peakHeap(func() {
			if _, err := kernels.CPU().Score(context.Background(), &kernels.Problem{Queries: imgs, N: n, Keys: temb, C: nt, D: d, K: k, Normalize: true}); err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(peak/1e6, "peak-MB")
	b.ReportMetric(float64(n)*float64(nt)*4/1e6, "dense-MB")
	fmt.Fprintf(os.Stderr, "gallery: %d images x %d captions\n", n, nt)
}

// TestDenseTwinAgrees: the benchmark's dense twins rank as the top-k path
// does, so that the timings compare equal work.
func TestDenseTwinAgrees(t *testing.T) {
	const n, d, k = 40, 16, 5
	imgs := kernels.RandomEmbeddings(n, d, 3)
	temb := kernels.RandomEmbeddings(3*n, d, 4)
	owner := make([]int, 3*n)
	for i := range owner {
		owner[i] = i / 3
	}
	ir, tr, err := ScoreRetrieval(context.Background(), kernels.CPU(), imgs, temb, owner, n, d, k)
	if err != nil {
		t.Fatal(err)
	}
	for _, sel := range []bool{true, false} {
		di, dt := denseRetrieval(imgs, temb, owner, n, d, k, sel)
		if fmt.Sprint(di, dt) != fmt.Sprint(ir, tr) {
			t.Errorf("select=%v: dense ranks %v %v, top-k path %v %v", sel, di, dt, ir, tr)
		}
	}
}
