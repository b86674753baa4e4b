package tasks

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/reports"
)

// synthPredictions makes n samples over c classes with k=5 predictions
// each, drawn from a fixed seed: labels cluster on a few hundred classes
// so (true, predicted) pairs repeat, top-1 is right about 40% of the time,
// wrong top-1 guesses favour a neighbouring class, and the true class is
// sometimes in places 2..5.
func synthPredictions(n, c int, seed uint64) (topk, labels []int32, classes []string) {
	rng := rand.New(rand.NewPCG(seed, 7))
	const k = 5
	labels = make([]int32, n)
	topk = make([]int32, n*k)
	hot := min(c, 300)
	for i := range labels {
		y := rng.IntN(c)
		if rng.IntN(2) == 0 {
			y = rng.IntN(hot) * (c / hot) // a popular class
		}
		labels[i] = int32(y)
		row := topk[i*k : (i+1)*k]
		for j := range row {
			row[j] = int32(rng.IntN(c))
		}
		switch u := rng.IntN(10); {
		case u < 4:
			row[0] = int32(y)
		case u < 7:
			row[0] = int32((y + 1) % c)
			row[1+rng.IntN(k-1)] = int32(y)
		}
	}
	classes = make([]string, c)
	for i := range classes {
		classes[i] = fmt.Sprintf("class %d", i)
	}
	return topk, labels, classes
}

// reference is the straightforward computation Classify must agree with.
type reference struct {
	acc1, acc5, meanRecall float64
	perClass               []any
	counts                 map[[2]int]int // (true, predicted) -> count
}

// referenceMetrics counts top-1 pairs in a map and, for small c, also fills
// the dense C×C matrix the metrics are read from (dense is nil otherwise).
func referenceMetrics(topk []int32, k int, labels []int32, c int, dense bool) (reference, [][]int) {
	ref := reference{counts: map[[2]int]int{}, perClass: make([]any, c)}
	var m [][]int
	if dense {
		m = make([][]int, c)
		for i := range m {
			m[i] = make([]int, c)
		}
	}
	var top1, top5 int
	for i, y := range labels {
		row := topk[i*k : (i+1)*k]
		ref.counts[[2]int{int(y), int(row[0])}]++
		if m != nil {
			m[y][row[0]]++
		}
		if row[0] == y {
			top1++
		}
		if slices.Contains(row[:min(k, 5)], y) {
			top5++
		}
	}
	present := 0
	var sum float64
	for y := 0; y < c; y++ {
		var total, hit int
		if m != nil {
			for p, v := range m[y] {
				total += v
				if p == y {
					hit = v
				}
			}
		} else {
			for pair, v := range ref.counts {
				if pair[0] == y {
					total += v
					if pair[1] == y {
						hit = v
					}
				}
			}
		}
		if total == 0 {
			continue
		}
		r := float64(hit) / float64(total)
		ref.perClass[y] = r
		sum += r
		present++
	}
	ref.acc1 = float64(top1) / float64(len(labels))
	ref.acc5 = float64(top5) / float64(len(labels))
	ref.meanRecall = sum / float64(present)
	return ref, m
}

// sortedTriples lists the nonzero counts by true then predicted class.
func sortedTriples(counts map[[2]int]int) [][3]int {
	var out [][3]int
	for pair, v := range counts {
		out = append(out, [3]int{pair[0], pair[1], v})
	}
	slices.SortFunc(out, func(a, b [3]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	return out
}

func checkMetrics(t *testing.T, got *Classification, want reference) {
	t.Helper()
	m := got.Metrics
	if m[reports.MetricAcc1] != want.acc1 || m[reports.MetricAcc5] != want.acc5 || m[reports.MetricMeanPerClassRecall] != want.meanRecall {
		t.Errorf("metrics %v, want acc1 %v acc5 %v mean per-class recall %v", m, want.acc1, want.acc5, want.meanRecall)
	}
	if pc := got.Extra[reports.ExtraPerClassAcc].([]any); !reflect.DeepEqual(pc, want.perClass) {
		t.Error("per-class recall differs from the reference")
	}
}

// At ImageNet-21k size the record carries sparse triples and no dense
// matrix (which would be 21,841² counts); the reference is counted in a
// map since a dense 21,841² matrix takes 3.8 GB.
func TestClassifySparseImageNet21k(t *testing.T) {
	const c, n = 21841, 4000
	topk, labels, classes := synthPredictions(n, c, 1)
	got, err := Classify(topk, 5, labels, classes)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := referenceMetrics(topk, 5, labels, c, false)
	checkMetrics(t, got, want)
	if _, ok := got.Extra[reports.ExtraConfusion]; ok {
		t.Errorf("dense %q written for %d classes", reports.ExtraConfusion, c)
	}
	sparse, ok := got.Extra[reports.ExtraConfusionSparse].([][3]int)
	if !ok {
		t.Fatalf("extra %q is %T", reports.ExtraConfusionSparse, got.Extra[reports.ExtraConfusionSparse])
	}
	wantTriples := sortedTriples(want.counts)
	if !reflect.DeepEqual(sparse, wantTriples) {
		t.Errorf("%d triples, want %d", len(sparse), len(wantTriples))
	}
	if len(sparse) >= n {
		t.Errorf("%d triples for %d samples: pairs should repeat in this data", len(sparse), n)
	}
	b, err := json.Marshal(map[string]any{"s": sparse[:2]})
	if err != nil {
		t.Fatal(err)
	}
	if w := fmt.Sprintf(`{"s":[[%d,%d,%d],[%d,%d,%d]]}`, sparse[0][0], sparse[0][1], sparse[0][2], sparse[1][0], sparse[1][1], sparse[1][2]); string(b) != w {
		t.Errorf("JSON %s, want %s", b, w)
	}
}

// Around reports.MaxDenseConfusion the two forms hold the same counts as a
// dense C×C matrix built the plain way.
func TestClassifyDenseSparseBoundary(t *testing.T) {
	const n = 3000
	for _, c := range []int{reports.MaxDenseConfusion, reports.MaxDenseConfusion + 1} {
		topk, labels, classes := synthPredictions(n, c, uint64(c))
		got, err := Classify(topk, 5, labels, classes)
		if err != nil {
			t.Fatal(err)
		}
		want, dense := referenceMetrics(topk, 5, labels, c, true)
		checkMetrics(t, got, want)
		_, hasDense := got.Extra[reports.ExtraConfusion]
		_, hasSparse := got.Extra[reports.ExtraConfusionSparse]
		if c <= reports.MaxDenseConfusion {
			if hasSparse || !reflect.DeepEqual(got.Extra[reports.ExtraConfusion], dense) {
				t.Errorf("C=%d: want exactly the dense matrix (sparse present: %v)", c, hasSparse)
			}
			continue
		}
		var nonzero [][3]int
		for y, row := range dense {
			for p, v := range row {
				if v != 0 {
					nonzero = append(nonzero, [3]int{y, p, v})
				}
			}
		}
		if hasDense || !reflect.DeepEqual(got.Extra[reports.ExtraConfusionSparse], nonzero) {
			t.Errorf("C=%d: want the dense matrix's nonzero entries as triples (dense present: %v)", c, hasDense)
		}
	}
}

// allocated returns the bytes Classify allocates for n samples over c
// classes (runtime.MemStats.TotalAlloc around one call; inputs are made
// before).
func allocated(t *testing.T, n, c int) uint64 {
	topk, labels, classes := synthPredictions(n, c, 3)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, err := Classify(topk, 5, labels, classes)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	runtime.KeepAlive(got)
	return after.TotalAlloc - before.TotalAlloc
}

// Memory grows with n and linearly with C, never as C²: a dense matrix at
// C = 20,000 would be 3.2 GB. A memory bound, not a timing.
func TestClassifyMemoryNotQuadratic(t *testing.T) {
	const n = 4000
	small, large := allocated(t, n, 2000), allocated(t, n, 20000)
	if dense := uint64(20000 * 20000 * 8); large > dense/100 {
		t.Errorf("C=20000: %d bytes allocated, want far below the %d of a dense matrix", large, dense)
	}
	// 10x the classes: linear terms grow 10x, a C² term would grow 100x.
	if large > 20*small {
		t.Errorf("C=2000: %d bytes, C=20000: %d bytes: grows faster than linearly in C", small, large)
	}
	t.Logf("bytes allocated for %d samples: C=2000 %d, C=20000 %d", n, small, large)
}

func TestClassifyErrors(t *testing.T) {
	classes := []string{"a", "b", "c"}
	for _, c := range []struct {
		topk   []int32
		k      int
		labels []int32
		want   string
	}{
		{nil, 1, nil, "no samples to score"},
		{[]int32{0, 1}, 1, []int32{0}, "2 predictions for 1 samples with k=1"},
		{[]int32{0, 3}, 1, []int32{0, 1}, "sample 1: prediction 3 outside 0..2"},
		{[]int32{0, 1}, 1, []int32{0, -1}, "sample 1: label -1 outside 0..2"},
	} {
		if _, err := Classify(c.topk, c.k, c.labels, classes); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
}
