package tasks

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/evalclip/evalclip/reports"
)

// Classification holds the scores of one classification evaluation.
type Classification struct {
	Metrics reports.Metrics
	Extra   map[string]any
}

// Classify computes accuracy metrics from the top-k predictions (n rows of k
// class indices, best first) and the true labels. acc5 is NaN (null in
// results.json) below 5 classes or with k < 5. Extra holds the class names, per-class
// recall, the confusion matrix (rows true, columns predicted) and the
// per-sample top-1 correctness. Mean per-class recall averages the classes
// present in labels; absent classes have a nil per-class recall.
//
// The confusion matrix is counted sparsely (at most n distinct pairs, never
// C×C): with at most reports.MaxDenseConfusion classes it is stored dense
// under reports.ExtraConfusion ([][]int), above that as [true, predicted,
// count] triples under reports.ExtraConfusionSparse ([][3]int).
func Classify(topk []int32, k int, labels []int32, classes []string) (*Classification, error) {
	n, c := len(labels), len(classes)
	if n == 0 {
		return nil, fmt.Errorf("no samples to score")
	}
	if len(topk) != n*k || k < 1 {
		return nil, fmt.Errorf("%d predictions for %d samples with k=%d", len(topk), n, k)
	}
	// pairs[i] = true*c + predicted of sample i.
	pairs := make([]int64, n)
	rowTotal := make([]int, c)
	diag := make([]int, c)
	var top1, top5 int
	correct := make([]byte, n)
	for i, y := range labels {
		if y < 0 || int(y) >= c {
			return nil, fmt.Errorf("sample %d: label %d outside 0..%d", i, y, c-1)
		}
		row := topk[i*k : (i+1)*k]
		p := row[0]
		if p < 0 || int(p) >= c {
			return nil, fmt.Errorf("sample %d: prediction %d outside 0..%d", i, p, c-1)
		}
		pairs[i] = int64(y)*int64(c) + int64(p)
		rowTotal[y]++
		correct[i] = '0'
		if p == y {
			top1++
			diag[y]++
			correct[i] = '1'
		}
		for j := 0; j < k && j < 5; j++ {
			if row[j] == y {
				top5++
				break
			}
		}
	}
	perClass := make([]any, c) // float64, or nil for a class absent from the split
	var recallSum float64
	present := 0
	for y, total := range rowTotal {
		if total == 0 {
			continue
		}
		r := float64(diag[y]) / float64(total)
		perClass[y] = r
		recallSum += r
		present++
	}
	m := reports.Metrics{
		reports.MetricAcc1:               float64(top1) / float64(n),
		reports.MetricMeanPerClassRecall: recallSum / float64(present),
	}
	m[reports.MetricAcc5] = math.NaN() // fewer than 5 classes: undefined, null in results.json (as CLIP_benchmark's NaN)
	if c >= 5 && k >= 5 {
		m[reports.MetricAcc5] = float64(top5) / float64(n)
	}
	extra := map[string]any{
		reports.ExtraClasses:     classes,
		reports.ExtraPerClassAcc: perClass,
		reports.ExtraCorrect:     string(correct),
	}
	if c <= reports.MaxDenseConfusion {
		confusion := make([][]int, c)
		for i := range confusion {
			confusion[i] = make([]int, c)
		}
		for _, pr := range pairs {
			confusion[pr/int64(c)][pr%int64(c)]++
		}
		extra[reports.ExtraConfusion] = confusion
	} else {
		slices.Sort(pairs) // equal pairs adjacent, in row-major order
		var sparse [][3]int
		for i := 0; i < n; {
			j := i + 1
			for j < n && pairs[j] == pairs[i] {
				j++
			}
			sparse = append(sparse, [3]int{int(pairs[i] / int64(c)), int(pairs[i] % int64(c)), j - i})
			i = j
		}
		extra[reports.ExtraConfusionSparse] = sparse
	}
	return &Classification{Metrics: m, Extra: extra}, nil
}

// describeSkipped summarises unreadable samples for a record.
func describeSkipped(msgs []string) map[string]any {
	const keep = 20
	out := map[string]any{"count": len(msgs)}
	if len(msgs) > keep {
		msgs = append(msgs[:keep:keep], fmt.Sprintf("... and %d more", len(msgs)-keep))
	}
	out["samples"] = strings.Join(msgs, "\n")
	return out
}
