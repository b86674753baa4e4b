package reports

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"sync"
)

// TaskRetrieval is the "task" of image-text retrieval records.
const TaskRetrieval = "retrieval"

// Retrieval directions, as CLIP_benchmark names its metrics.
const (
	// ImageRetrieval is text to image: a caption's own image is among its
	// top K images.
	ImageRetrieval = "image_retrieval"
	// TextRetrieval is image to text: one of the image's captions is among
	// its top K captions.
	TextRetrieval = "text_retrieval"
)

// RecallMetric is the metric name of recall@k in one direction:
// "image_retrieval_recall@5".
func RecallMetric(direction string, k int) string { return fmt.Sprintf("%s_recall@%d", direction, k) }

var recallPattern = regexp.MustCompile(`^(image|text)_retrieval_recall@([1-9][0-9]*)$`)

// ParseRecallMetric splits "text_retrieval_recall@10" into its direction
// and k.
func ParseRecallMetric(m string) (direction string, k int, ok bool) {
	p := recallPattern.FindStringSubmatch(m)
	if p == nil {
		return "", 0, false
	}
	k, _ = strconv.Atoi(p[2])
	return p[1] + "_retrieval", k, true
}

// Extra and params keys of retrieval records.
const (
	// ExtraImageRetrievalHits is, per caption (image by image, in file
	// order), whether its image was among its top HitsK images, as a
	// string of 0s and 1s; ExtraTextRetrievalHits is, per image, whether
	// one of its captions was among its top HitsK captions. Compare
	// bootstraps recall@HitsK differences from them.
	ExtraImageRetrievalHits = "image_retrieval_hits"
	ExtraTextRetrievalHits  = "text_retrieval_hits"
	// ParamHitsK is the k of the hit strings: the smallest recall_at.
	ParamHitsK = "hits_k"
	// ParamRecallAt lists the ks measured; ParamCaptions counts captions
	// (n_samples counts images).
	ParamRecallAt = "recall_at"
	ParamCaptions = "n_captions"
)

// DefaultRecallAt are the ks of CLIP_benchmark and the CLIP paper.
var DefaultRecallAt = []int{1, 5, 10}

func init() {
	RegisterTask(TaskInfo{Task: TaskRetrieval, Bench: "Retrieval", Primary: retrievalPrimary, Hits: retrievalHits})
	RegisterRecallUnits(DefaultRecallAt...)
}

var recallMu sync.Mutex

// RegisterRecallUnits adds recall@k of both directions to the units table
// for each k not there yet.
func RegisterRecallUnits(ks ...int) {
	recallMu.Lock()
	defer recallMu.Unlock()
	for _, k := range ks {
		for _, d := range []struct{ dir, title, bench string }{
			{ImageRetrieval, "text→image R@%d", "image-recall@%d"},
			{TextRetrieval, "image→text R@%d", "text-recall@%d"},
		} {
			m := RecallMetric(d.dir, k)
			if _, ok := LookupUnit(m); ok {
				continue
			}
			RegisterUnit(Unit{Metric: m, Title: fmt.Sprintf(d.title, k), Bench: fmt.Sprintf(d.bench, k), Fraction: true})
		}
	}
}

// RecallKs lists the ks of the recall metrics a record carries, sorted.
func (r *Record) RecallKs() []int {
	seen := map[int]bool{}
	var out []int
	for m := range r.Metrics {
		if _, k, ok := ParseRecallMetric(m); ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Ints(out)
	return out
}

// retrievalPrimary is text-to-image recall at the record's smallest k.
func retrievalPrimary(r *Record) string {
	if ks := r.RecallKs(); len(ks) > 0 {
		return RecallMetric(ImageRetrieval, ks[0])
	}
	return RecallMetric(ImageRetrieval, 1)
}

// retrievalHits: recall@k (k = hits_k) is the mean of the direction's hit
// string.
func retrievalHits(r *Record, metric string) (string, bool) {
	dir, k, ok := ParseRecallMetric(metric)
	if !ok || k != r.ParamInt(ParamHitsK) {
		return "", false
	}
	key := ExtraImageRetrievalHits
	if dir == TextRetrieval {
		key = ExtraTextRetrievalHits
	}
	s, ok := r.Extra[key].(string)
	return s, ok && s != ""
}
