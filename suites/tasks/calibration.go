package tasks

import (
	"context"
	"fmt"
	"math"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/kernels"
)

// scoringName is a record's "scoring" param.
func scoringName(s encoders.Scoring) string {
	if s.Sigmoid {
		return "sigmoid"
	}
	return "softmax"
}

// keepClasses returns the features of the samples whose label is in
// subset, relabelled by position in subset (Babel-ImageNet's class
// subsets), without touching the cached features.
func keepClasses(f *Features, subset []int) (x []float32, labels []int32, n int, err error) {
	pos := make(map[int32]int32, len(subset))
	for i, c := range subset {
		if c < 0 || c >= len(f.Classes) {
			return nil, nil, 0, fmt.Errorf("class subset names label %d of %d", c, len(f.Classes))
		}
		pos[int32(c)] = int32(i)
	}
	for i, y := range f.Labels {
		p, ok := pos[y]
		if !ok {
			continue
		}
		x = append(x, f.X[i*f.D:(i+1)*f.D]...)
		labels = append(labels, p)
	}
	if len(labels) == 0 {
		return nil, nil, 0, fmt.Errorf("no samples of the %d classes the prompt set names", len(subset))
	}
	return x, labels, len(labels), nil
}

// logitChunk bounds the logits held at once when softmax confidences need
// every class's score (rows x classes).
const logitChunk = 1 << 22

// topConfidence returns each sample's probability of its top-1 class under
// the model's scoring: sigmoid(scale*cos + bias) of that pair (SigLIP), or
// the softmax over all classes of scale*cos (CLIP), computed from the
// logits in chunks of images. res holds the top-k at LogitScale.
func topConfidence(ctx context.Context, sc encoders.Scoring, res *kernels.Result, k int, x []float32, n int, cw *ClassWeights) ([]float64, error) {
	conf := make([]float64, n)
	if sc.Sigmoid {
		for i := range conf {
			cos := float64(res.Score[i*k]) / LogitScale
			conf[i] = 1 / (1 + math.Exp(-(sc.Scale*cos + sc.Bias)))
		}
		return conf, nil
	}
	rows := max(1, logitChunk/cw.C)
	for lo := 0; lo < n; lo += rows {
		hi := min(n, lo+rows)
		r, err := kernels.CPU().Score(ctx, &kernels.Problem{Queries: x[lo*cw.D : hi*cw.D], N: hi - lo, Keys: cw.W, C: cw.C, D: cw.D,
			K: 1, Normalize: true, Scale: float32(sc.Scale), WantLogits: true})
		if err != nil {
			return nil, err
		}
		for i := 0; i < hi-lo; i++ {
			row := r.Logits[i*cw.C : (i+1)*cw.C]
			top := float64(r.Score[i])
			var sum float64
			for _, v := range row {
				sum += math.Exp(float64(v) - top)
			}
			conf[lo+i] = 1 / sum
		}
	}
	return conf, nil
}

// calibrationBins is the number of equal-width confidence bins of the
// expected calibration error (15, as Guo et al. 2017 and most CLIP
// calibration studies use).
const calibrationBins = 15

// calibration returns the mean top-1 confidence and the expected
// calibration error: the sample-weighted mean over confidence bins
// (lower, upper] of |accuracy - mean confidence|.
func calibration(conf []float64, topk []int32, k int, labels []int32) (mean, ece float64) {
	var count [calibrationBins]int
	var hits, sum [calibrationBins]float64
	for i, c := range conf {
		b := min(calibrationBins-1, max(0, int(math.Ceil(c*calibrationBins))-1))
		count[b]++
		sum[b] += c
		if topk[i*k] == labels[i] {
			hits[b]++
		}
		mean += c
	}
	n := float64(len(conf))
	for b := range count {
		if count[b] > 0 {
			ece += math.Abs(hits[b]-sum[b]) / n
		}
	}
	return mean / n, ece
}
