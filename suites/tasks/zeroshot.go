package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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

// ZeroShot is the zero-shot classification task. By default the dataset's
// prompts and the model's towers say everything; a task may bring its own
// prompts (prompts, classnames, templates: as the dataset keys, which they
// override), so that one suite compares two prompt sets on the same model
// and data. Such a task's records carry a prompts label in their key
// (".../prompts=LABEL"): the task's name, else the templates file's name,
// else the set's.
type ZeroShot struct {
	Prompts    string `toml:"prompts"`
	Classnames string `toml:"classnames"`
	Templates  string `toml:"templates"`
	// Top5 keeps every sample's top-5 classes in the record
	// (extra.top5), for compare --samples.
	Top5 bool `toml:"top5"`
	// dir anchors relative paths (the suite's folder).
	dir string
}

// SetDefaults does nothing: there are no defaults.
func (*ZeroShot) SetDefaults() {}

// Validate checks the task's own prompt files and set.
func (z *ZeroShot) Validate(c *suites.Check) {
	z.dir = c.Suite.Dir
	for _, f := range []struct{ key, v string }{{"classnames", z.Classnames}, {"templates", z.Templates}} {
		if f.v == "" {
			continue
		}
		if _, err := os.Stat(z.path(f.v)); err != nil && !c.Suite.SchemaOnly() {
			c.Addf(f.key, "%s does not exist", z.path(f.v))
		}
	}
	if z.Prompts != "" && !slices.Contains(prompts.Names(), z.Prompts) && z.Prompts != prompts.BabelSet {
		c.Addf("prompts", "unknown prompt set %q (built-in: %s)", z.Prompts, strings.Join(prompts.Names(), ", "))
	}
}

func (z *ZeroShot) path(p string) string {
	if p == "" || filepath.IsAbs(p) || z.dir == "" {
		return p
	}
	return filepath.Join(z.dir, p)
}

// Label is the task's prompts label ("" when it uses the datasets' own
// prompts).
func (z *ZeroShot) Label(t *suites.Task) string {
	switch {
	case z.Prompts == "" && z.Templates == "" && z.Classnames == "":
		return ""
	case t != nil && t.Name != "":
		return t.Name
	case z.Templates != "":
		return strings.TrimSuffix(filepath.Base(z.Templates), filepath.Ext(z.Templates))
	case z.Prompts != "":
		return z.Prompts
	}
	return strings.TrimSuffix(filepath.Base(z.Classnames), filepath.Ext(z.Classnames))
}

// Plan makes one job per selected model (with a text tower) and dataset.
func (z *ZeroShot) Plan(p *suites.Planner) {
	suffix := ""
	if l := z.Label(p.Task()); l != "" && p.Task().Name == "" {
		suffix = "/prompts=" + l // a named task's ID already names it
	}
	for _, on := range p.Pairs() {
		p.Add(on, 0, 0, suffix, "")
	}
}

// dataset is d with the task's prompt overrides.
func (z *ZeroShot) dataset(d *suites.Dataset) *suites.Dataset {
	if z.Prompts == "" && z.Templates == "" && z.Classnames == "" {
		return d
	}
	c := *d
	if z.Prompts != "" {
		c.Prompts, c.Classnames, c.Templates = z.Prompts, "", ""
	}
	if z.Classnames != "" {
		c.Classnames = z.path(z.Classnames)
	}
	if z.Templates != "" {
		c.Templates = z.path(z.Templates)
	}
	return &c
}

// ClassWeights are a zero-shot classifier: one L2-normalised row per class.
type ClassWeights struct {
	W          []float32
	C, D       int
	Set        *prompts.Set
	NumPrompts int
	Seconds    float64
}

// promptRequest is how dataset d asks for its prompts.
func promptRequest(d *suites.Dataset) prompts.Request {
	req := prompts.Request{Dataset: d.Name, Prompts: d.Prompts, Classnames: d.Classnames,
		Templates: d.Templates, Format: string(d.Format), Language: d.Language}
	if name, ok := reports.CBDatasetName(d.Hub); ok {
		req.Lookup = []string{name} // "wds/vtab/pets", then "vtab/pets" in JSON prompt files
	} else if name, ok := reports.CBDatasetName("clip-benchmark/" + filepath.Base(d.Path)); ok && d.Format == "wds" {
		req.Lookup = []string{name} // a local copy of a CLIP_benchmark repository: wds_vtab-pets
	}
	return req
}

// Weights returns the class weights of dataset d's prompt set under model m,
// computed once per run.
func Weights(ctx context.Context, env *suites.Env, m *suites.Model, d *suites.Dataset, readerClasses []string) (*ClassWeights, error) {
	set, err := prompts.Resolve(promptRequest(d), readerClasses)
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
	h := sha256.Sum256([]byte(strings.Join(texts, "\x00") + fmt.Sprint(set.Counts())))
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
func (z *ZeroShot) Run(ctx context.Context, env *suites.Env, job *suites.Job) ([]reports.Record, error) {
	start := time.Now()
	feats, err := ImageFeatures(ctx, env, job.Model, job.Dataset, job.Dataset.Split)
	if err != nil {
		return nil, err
	}
	cw, err := Weights(ctx, env, job.Model, z.dataset(job.Dataset), feats.Classes)
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
	if l := z.Label(job.Task); l != "" {
		rec.Params[reports.ParamPromptsLabel] = l
	}
	if z.Top5 {
		rec.Extra[reports.ExtraTop5] = reports.EncodeTop5(res.Index, k, cw.C)
	}
	if scoring.Sigmoid {
		rec.Params["logit_bias"] = scoring.Bias
	}
	if cw.Set.Subset != nil {
		rec.Params["classes_kept"] = cw.C
		rec.Params["samples_dropped"] = feats.N - n
	}
	feats.batchParams(rec.Params, env)
	feats.throughput(&rec)
	if rec.Throughput == nil {
		rec.Throughput = reports.Metrics{}
	}
	rec.Throughput[reports.ThroughputScoreS] = scoreTime.Seconds() // this run's, cached features or not
	if len(feats.Skipped) > 0 {
		rec.Extra[reports.ExtraSkipped] = describeSkipped(feats.Skipped)
	}
	return []reports.Record{rec}, nil
}
