package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/kernels"
	"github.com/evalclip/evalclip/prompts"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

// TypeZeroShot is the zero-shot classification task type.
const TypeZeroShot suites.TaskType = "zeroshot"

func init() {
	suites.RegisterKind(suites.Kind{
		Type: TypeZeroShot, RecordTask: reports.TaskZeroShot, PerModel: true, NeedsText: true,
		NewConfig: func() suites.TaskConfig { return &ZeroShot{} },
	})
}

// LogitScale multiplies cosine similarities, as in CLIP.
const LogitScale = 100

// ZeroShot is the zero-shot classification task. It has no options of its
// own: the dataset's prompts and the model's towers say everything.
type ZeroShot struct{}

// SetDefaults does nothing: there are no options.
func (*ZeroShot) SetDefaults() {}

// Validate has nothing to check: the suite checks the models and datasets.
func (*ZeroShot) Validate(*suites.Check) {}

// Plan makes one job per selected model (with a text tower) and dataset.
func (*ZeroShot) Plan(p *suites.Planner) {
	for _, on := range p.Pairs() {
		p.Add(on, 0, 0, "", "")
	}
}

// ClassWeights are a zero-shot classifier: one L2-normalised row per class.
type ClassWeights struct {
	W          []float32
	C, D       int
	Set        *prompts.Set
	NumPrompts int
	Seconds    float64
}

// Weights returns the class weights of dataset d's prompt set under model m,
// computed once per run.
func Weights(ctx context.Context, env *suites.Env, m *suites.Model, d *suites.Dataset, readerClasses []string) (*ClassWeights, error) {
	req := prompts.Request{Dataset: d.Name, Prompts: d.Prompts, Classnames: d.Classnames,
		Templates: d.Templates, Format: string(d.Format), Language: d.Language}
	if name, ok := reports.CBDatasetName(d.Hub); ok {
		req.Lookup = []string{name} // "wds/vtab/pets", then "vtab/pets" in JSON prompt files
	} else if name, ok := reports.CBDatasetName("clip-benchmark/" + filepath.Base(d.Path)); ok && d.Format == "wds" {
		req.Lookup = []string{name} // a local copy of a CLIP_benchmark repository: wds_vtab-pets
	}
	set, err := prompts.Resolve(req, readerClasses)
	if err != nil {
		return nil, err
	}
	if d.Prompts == "" && d.Templates == "" && set.Language == prompts.English {
		// A dataset that ships its own templates (CLIP_benchmark
		// webdataset shards) uses them; they are English, so another
		// language's templates win.
		ds, err := OpenDataset(env, d, d.Split)
		if err != nil {
			return nil, err
		}
		if t, ok := ds.(datasets.Templater); ok && len(t.Templates()) > 0 {
			set.Templates = t.Templates()
			set.Name = d.Name + " templates"
		}
	}
	texts := set.Expand()
	h := sha256.Sum256([]byte(strings.Join(texts, "\x00")))
	key := "weights/" + m.Name + "/" + hex.EncodeToString(h[:8])
	r, err := env.Resource(key, func() (io.Closer, error) {
		model, err := OpenModel(env, m)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		text := model.Text()
		env.Progress.SetTotal("encode prompts", len(texts))
		emb, err := text.EncodeTexts(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("model %s: encoding %d prompts of %s: %w", m.Name, len(texts), set.Name, err)
		}
		env.Progress.Add(len(texts))
		w, err := prompts.EnsembleCounts(emb, set.Counts(), text.Dim())
		if err != nil {
			return nil, fmt.Errorf("model %s, prompts %s: %w", m.Name, set.Name, err)
		}
		return holder{&ClassWeights{W: w, C: len(set.Classnames), D: text.Dim(), Set: set, NumPrompts: len(texts),
			Seconds: time.Since(start).Seconds()}}, nil
	})
	if err != nil {
		return nil, err
	}
	return r.(holder).v.(*ClassWeights), nil
}

// Run evaluates job.Model zero-shot on job.Dataset's evaluated split.
func (ZeroShot) Run(ctx context.Context, env *suites.Env, job *suites.Job) ([]reports.Record, error) {
	start := time.Now()
	feats, err := ImageFeatures(ctx, env, job.Model, job.Dataset, job.Dataset.Split)
	if err != nil {
		return nil, err
	}
	cw, err := Weights(ctx, env, job.Model, job.Dataset, feats.Classes)
	if err != nil {
		return nil, err
	}
	if cw.D != feats.D {
		return nil, fmt.Errorf("model %s: text embeddings have %d dims, image embeddings %d", job.Model.Name, cw.D, feats.D)
	}
	x, labels, n := feats.X, feats.Labels, feats.N
	if cw.Set.Subset != nil {
		if x, labels, n, err = keepClasses(feats, cw.Set.Subset); err != nil {
			return nil, fmt.Errorf("dataset %s, prompts %s: %w", job.Dataset.Name, cw.Set.Name, err)
		}
	}
	model, err := OpenModel(env, job.Model)
	if err != nil {
		return nil, err
	}
	scoring := encoders.ScoringOf(model)
	k := min(5, cw.C)
	scoreStart := time.Now()
	res, err := kernels.CPU().Score(ctx, &kernels.Problem{Queries: x, N: n, Keys: cw.W, C: cw.C, D: cw.D,
		K: k, Normalize: true, Scale: LogitScale})
	if err != nil {
		return nil, fmt.Errorf("scoring: %w", err)
	}
	scoreTime := time.Since(scoreStart)
	cls, err := Classify(res.Index, k, labels, cw.Set.Classnames)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", job.Dataset.Name, err)
	}
	conf, err := topConfidence(ctx, scoring, res, k, x, n, cw)
	if err != nil {
		return nil, fmt.Errorf("scoring: %w", err)
	}
	cls.Metrics[reports.MetricMeanTop1Prob], cls.Metrics[reports.MetricECE] = calibration(conf, res.Index, k, labels)
	rec := reports.Record{
		Metrics:   cls.Metrics,
		NSamples:  n,
		DurationS: time.Since(start).Seconds(),
		Params: map[string]any{
			"prompts":         cw.Set.Name,
			"templates":       len(cw.Set.Templates), // 0 with per-class prompts
			"prompt_count":    cw.NumPrompts,
			"features_cached": feats.Cached,
			"feature_key":     feats.Key,
			"score_ms":        float64(scoreTime.Microseconds()) / 1000,
			"language":        cw.Set.Language,
			"scoring":         scoringName(scoring),
			"logit_scale":     scoring.Scale,
			"scoring_source":  scoring.Source,
		},
		Extra: cls.Extra,
	}
	if scoring.Sigmoid {
		rec.Params["logit_bias"] = scoring.Bias
	}
	if cw.Set.Subset != nil {
		rec.Params["classes_kept"] = cw.C
		rec.Params["samples_dropped"] = feats.N - n
	}
	feats.batchParams(rec.Params, env)
	if !feats.Cached && feats.TotalSeconds > 0 {
		rec.Throughput = reports.Metrics{reports.ThroughputImagesPerS: float64(feats.N) / feats.TotalSeconds}
		if feats.TowerSeconds > 0 {
			rec.Throughput[reports.ThroughputTowerImagesPerS] = float64(feats.N) / feats.TowerSeconds
		}
	}
	if len(feats.Skipped) > 0 {
		rec.Extra[reports.ExtraSkipped] = describeSkipped(feats.Skipped)
	}
	return []reports.Record{rec}, nil
}
