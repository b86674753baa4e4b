package tasks

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/kernels"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

// TypeRetrieval is the zero-shot image-text retrieval task type.
const TypeRetrieval suites.TaskType = "retrieval"

func init() {
	suites.RegisterKind(suites.Kind{
		Type: TypeRetrieval, RecordTask: reports.TaskRetrieval, PerModel: true, NeedsText: true, Captions: true,
		NewConfig: func() suites.TaskConfig { return &Retrieval{} },
	})
}

// MaxRecallAt bounds a recall_at value.
const MaxRecallAt = 1000

// Retrieval is zero-shot image-text retrieval on a caption dataset, as
// CLIP_benchmark's zeroshot_retrieval scores it: every image and every
// caption embedded on its own and L2-normalised; each caption is a query
// over the images (image_retrieval_recall@K: its own image is among its
// top K) and each image a query over the captions
// (text_retrieval_recall@K: at least one of its captions is among its top
// K). Duplicate captions are separate queries, each correct only for its
// own image. Among equal scores the earlier image (or caption) ranks first.
type Retrieval struct {
	// RecallAt lists the ks (default [1, 5, 10]).
	RecallAt []int `toml:"recall_at"`
}

// SetDefaults: recall at 1, 5 and 10; the metrics enter the units table.
func (r *Retrieval) SetDefaults() {
	if len(r.RecallAt) == 0 {
		r.RecallAt = append([]int(nil), reports.DefaultRecallAt...)
	}
	var ok []int
	for _, k := range r.RecallAt {
		if k >= 1 && k <= MaxRecallAt {
			ok = append(ok, k)
		}
	}
	reports.RegisterRecallUnits(ok...)
}

// Validate checks that the ks are distinct and from 1 to MaxRecallAt.
func (r *Retrieval) Validate(c *suites.Check) {
	c.Counts("recall_at", "k", r.RecallAt)
	for j, k := range r.RecallAt {
		if k < 1 || k > MaxRecallAt {
			c.Addf(fmt.Sprintf("recall_at[%d]", j), "k must be from 1 to %d, got %d", MaxRecallAt, k)
		}
	}
}

// Plan makes one job per selected model (with a text tower) and caption
// dataset.
func (*Retrieval) Plan(p *suites.Planner) {
	for _, on := range p.Pairs() {
		p.Add(on, 0, 0, "", "")
	}
}

// OpenCaptions opens a split of a suite caption dataset (shared per run),
// applying the suite's sample limit (images).
func OpenCaptions(env *suites.Env, d *suites.Dataset, split string) (datasets.Captioned, error) {
	r, err := env.Resource("captions/"+d.Name+"/"+split, func() (io.Closer, error) {
		ds, err := datasets.OpenCaptions(string(d.Format), d.Path, split,
			datasets.CaptionOptions{Annotations: d.Annotations, Images: d.Images})
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", d.Name, err)
		}
		return holder{datasets.LimitCaptions(ds, d.Limit)}, nil
	})
	if err != nil {
		return nil, err
	}
	return r.(holder).v.(datasets.Captioned), nil
}

// Run embeds the split's images and captions, scores both directions with
// the kernels' top-k path (only the K best of each row are kept: no
// caption-by-image matrix is ever held whole) and writes one record.
func (r Retrieval) Run(ctx context.Context, env *suites.Env, job *suites.Job) ([]reports.Record, error) {
	start := time.Now()
	d := job.Dataset
	caps, err := OpenCaptions(env, d, d.Split)
	if err != nil {
		return nil, err
	}
	feats, err := FeaturesOf(ctx, env, job.Model, d, d.Split, datasets.CaptionImages(caps))
	if err != nil {
		return nil, err
	}
	if feats.N != caps.Len() {
		return nil, fmt.Errorf("dataset %s: %d of %d images embedded", d.Name, feats.N, caps.Len())
	}
	texts, owner := datasets.FlatCaptions(caps)
	model, err := OpenModel(env, job.Model)
	if err != nil {
		return nil, err
	}
	tower := model.Text()
	env.Progress.SetTotal("encode captions", len(texts))
	t0 := time.Now()
	temb, err := tower.EncodeTexts(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("model %s: encoding %d captions of %s: %w", job.Model.Name, len(texts), d.Name, err)
	}
	textSeconds := time.Since(t0).Seconds()
	env.Progress.Add(len(texts))
	if tower.Dim() != feats.D {
		return nil, fmt.Errorf("model %s: text embeddings have %d dims, image embeddings %d", job.Model.Name, tower.Dim(), feats.D)
	}
	ks := slices.Sorted(slices.Values(r.RecallAt))
	kmax := ks[len(ks)-1]
	if kmax > feats.N {
		return nil, fmt.Errorf("dataset %s/%s: recall@%d needs at least %d images, the split has %d (lower recall_at or the limit)", d.Name, d.Split, kmax, kmax, feats.N)
	}
	scoreStart := time.Now()
	scorer := RetrievalScorer(env, kmax)
	img, txt, err := ScoreRetrieval(ctx, scorer, feats.X, temb, owner, feats.N, feats.D, kmax)
	if err != nil {
		return nil, fmt.Errorf("scoring: %w", err)
	}
	scoreTime := time.Since(scoreStart)
	rec := reports.Record{
		Metrics:   reports.Metrics{},
		NSamples:  feats.N,
		DurationS: time.Since(start).Seconds(),
		Params: map[string]any{
			reports.ParamRecallAt: ks,
			reports.ParamCaptions: len(texts),
			reports.ParamHitsK:    ks[0],
			"features_cached":     feats.Cached,
			"feature_key":         feats.Key,
			"score_ms":            float64(scoreTime.Microseconds()) / 1000,
			"scorer":              scorer.Name(),
			"text_seconds":        textSeconds,
		},
		Extra: map[string]any{
			reports.ExtraImageRetrievalHits: HitString(img, ks[0]),
			reports.ExtraTextRetrievalHits:  HitString(txt, ks[0]),
		},
	}
	for _, k := range ks {
		rec.Metrics[reports.RecallMetric(reports.ImageRetrieval, k)] = Recall(img, k)
		rec.Metrics[reports.RecallMetric(reports.TextRetrieval, k)] = Recall(txt, k)
	}
	feats.batchParams(rec.Params, env)
	feats.throughput(&rec)

	return []reports.Record{rec}, nil
}

// RetrievalScorer picks the scoring kernel: the fused CUDA kernel (fp32)
// when the run's provider is cuda or tensorrt and this build has it (-tags
// cuda) and K fits it, else the CPU path. Both keep only each row's top K
// while streaming over tiles of the scores.
func RetrievalScorer(env *suites.Env, k int) kernels.Scorer {
	if p := env.Suite.Runtime.Provider; p == suites.ProviderCUDA || p == suites.ProviderTensorRT {
		if s, err := kernels.Lookup("cuda-fused"); err == nil {
			if kl, ok := s.(kernels.KLimited); !ok || k <= kl.MaxK() {
				return s
			}
		}
	}
	return kernels.CPU()
}

// ScoreRetrieval ranks, for each caption (temb, T rows; owner[t] its
// image), the images (imgs, N rows), and for each image the captions,
// keeping the top kmax of each (kmax is capped at the candidates). It
// returns the rank of each caption's own image (0 = first) and of each
// image's best-ranked caption, or -1 when not within the top kmax. Rows
// are L2-normalised first; equal scores rank the lower index first.
func ScoreRetrieval(ctx context.Context, s kernels.Scorer, imgs, temb []float32, owner []int, n, dim, kmax int) (imageRank, textRank []int, err error) {
	nt := len(owner)
	if nt == 0 || n == 0 {
		return nil, nil, fmt.Errorf("no captions or no images")
	}
	t2i, err := s.Score(ctx, &kernels.Problem{Queries: temb, N: nt, Keys: imgs, C: n, D: dim, K: min(kmax, n), Normalize: true})
	if err != nil {
		return nil, nil, fmt.Errorf("text to image: %w", err)
	}
	k := min(kmax, n)
	imageRank = make([]int, nt)
	for q := 0; q < nt; q++ {
		imageRank[q] = -1
		for p, j := range t2i.Index[q*k : (q+1)*k] {
			if int(j) == owner[q] {
				imageRank[q] = p
				break
			}
		}
	}
	k = min(kmax, nt)
	i2t, err := s.Score(ctx, &kernels.Problem{Queries: imgs, N: n, Keys: temb, C: nt, D: dim, K: k, Normalize: true})
	if err != nil {
		return nil, nil, fmt.Errorf("image to text: %w", err)
	}
	textRank = make([]int, n)
	for i := 0; i < n; i++ {
		textRank[i] = -1
		for p, j := range i2t.Index[i*k : (i+1)*k] {
			if owner[j] == i {
				textRank[i] = p
				break
			}
		}
	}
	return imageRank, textRank, nil
}

// Recall is the fraction of queries whose first match ranks within k.
func Recall(rank []int, k int) float64 {
	hit := 0
	for _, r := range rank {
		if r >= 0 && r < k {
			hit++
		}
	}
	return float64(hit) / float64(len(rank))
}

// HitString writes, per query, 1 when its first match ranks within k.
func HitString(rank []int, k int) string {
	b := make([]byte, len(rank))
	for i, r := range rank {
		b[i] = '0'
		if r >= 0 && r < k {
			b[i] = '1'
		}
	}
	return string(b)
}
