package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/imageproc"
	"github.com/evalclip/evalclip/internal/atomicfile"
	"github.com/evalclip/evalclip/internal/buildinfo"
	"github.com/evalclip/evalclip/internal/limits"
	"github.com/evalclip/evalclip/internal/npy"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

// cacheVersion changes when the cache's file format or keying changes.
const cacheVersion = "evalclip-features-v1"

// Features are the image embeddings of one dataset split.
type Features struct {
	X       []float32 // N x D, row-major, as the tower returned them (not normalised)
	N, D    int
	Labels  []int32  // N labels, in Classes order
	Classes []string // the reader's class names, in label order
	// Skipped lists samples that could not be read ("index: error").
	Skipped []string
	// Cached is set when the features came from the cache.
	Cached bool
	// TowerSeconds is the time spent in the image tower; TotalSeconds the
	// whole extraction (reading, decoding, preprocessing, encoding).
	TowerSeconds, TotalSeconds float64
	// DecodeSeconds is the decode workers' busy time (summed over
	// workers) and WaitSeconds the time the tower waited for decoded
	// batches: the pipeline's stage utilisation.
	DecodeSeconds, WaitSeconds float64
	// Key is the cache key.
	Key string
	// TowerBatch is the number of images per image-tower request and
	// TowerConcurrency the requests in flight at once, for a full decode
	// batch (0 when the features came from the cache).
	TowerBatch, TowerConcurrency int
}

// batchParams records the batching of the run in params: the decode batch
// (runtime.batch_size) and, for features computed now, the batch actually
// sent to the tower.
func (f *Features) batchParams(params map[string]any, env *suites.Env) {
	params[reports.ParamBatchSize] = env.Suite.Runtime.BatchSize
	if f.TowerBatch > 0 {
		params[reports.ParamTowerBatch] = f.TowerBatch
		params[reports.ParamTowerConcurrency] = f.TowerConcurrency
	}
}

// holder keeps a value in suites.Env.Resource, closing it at the end of
// the run when it is an io.Closer (webdataset shards hold open files).
type holder struct{ v any }

func (h holder) Close() error {
	if c, ok := h.v.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// OpenDataset opens a split of a suite dataset (shared per run), applying
// the suite's sample limit.
func OpenDataset(env *suites.Env, d *suites.Dataset, split string) (datasets.Dataset, error) {
	r, err := env.Resource("dataset/"+d.Name+"/"+split, func() (io.Closer, error) {
		ds, err := datasets.Open(string(d.Format), d.Path, split)
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", d.Name, err)
		}
		return holder{datasets.Limit(ds, d.Limit)}, nil
	})
	if err != nil {
		return nil, err
	}
	return r.(holder).v.(datasets.Dataset), nil
}

// CacheDir is where features are cached: the suite's runtime.cache_dir, or
// the user cache folder.
func CacheDir(s *suites.Suite) (string, error) {
	if s.Runtime.CacheDir != "" {
		return s.Runtime.CacheDir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder (set runtime.cache_dir): %w", err)
	}
	return filepath.Join(base, "evalclip", "features"), nil
}

// cacheMeta is stored beside the cached arrays.
type cacheMeta struct {
	Version     string    `json:"version"`
	Model       string    `json:"model"`
	Fingerprint string    `json:"fingerprint"`
	Dataset     string    `json:"dataset"`
	Identity    string    `json:"identity"`
	Split       string    `json:"split"`
	N           int       `json:"n"`
	D           int       `json:"d"`
	Classes     []string  `json:"classes"`
	Skipped     []string  `json:"skipped,omitempty"`
	Created     time.Time `json:"created"`
	// Seconds of the original extraction, for reference.
	TowerSeconds  float64 `json:"tower_seconds"`
	TotalSeconds  float64 `json:"total_seconds"`
	DecodeSeconds float64 `json:"decode_seconds,omitempty"`
	WaitSeconds   float64 `json:"wait_seconds,omitempty"`
}

// featureKey names a split's features under a model: the cache format,
// evalclip's build (version and build tags), the JPEG decoder, the model's
// fingerprint (file contents, preprocessing, ONNX Runtime release and
// provider), the data's identity and the limit.
func featureKey(model encoders.Model, ds datasets.Dataset, d *suites.Dataset, split string) string {
	h := sha256.New()
	pre := model.Image().Preprocess()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%d\x00%d\x00%+v", cacheVersion, buildinfo.Version(), buildinfo.Tags(), imageproc.JPEGDecoder(),
		model.Fingerprint(), ds.Identity(), split, ds.Len(), d.Limit, pre)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// joinFeatures sums the extraction times of several splits' features (a
// linear probe's train, test and validation images), cached when any was,
// for their throughput; only the counts and times are set.
func joinFeatures(fs ...*Features) *Features {
	out := &Features{}
	for _, f := range fs {
		out.N += f.N
		out.TowerSeconds += f.TowerSeconds
		out.TotalSeconds += f.TotalSeconds
		out.DecodeSeconds += f.DecodeSeconds
		out.WaitSeconds += f.WaitSeconds
		out.Cached = out.Cached || f.Cached
	}
	return out
}

// throughput sets rec's rates from the extraction: measured now, or, for
// cached features, the rates of the run that computed them, marked as
// cached (reports.ParamThroughputCached).
func (f *Features) throughput(rec *reports.Record) {
	if f.TotalSeconds <= 0 {
		return
	}
	rec.Throughput = reports.Metrics{reports.ThroughputImagesPerS: float64(f.N) / f.TotalSeconds}
	if f.TowerSeconds > 0 {
		rec.Throughput[reports.ThroughputTowerImagesPerS] = float64(f.N) / f.TowerSeconds
		rec.Throughput[reports.ThroughputEncodeS] = f.TowerSeconds
	}
	if f.DecodeSeconds > 0 {
		rec.Throughput[reports.ThroughputDecodeS] = f.DecodeSeconds
		rec.Throughput[reports.ThroughputTowerWaitS] = f.WaitSeconds
	}
	if f.Cached {
		if rec.Params == nil {
			rec.Params = map[string]any{}
		}
		rec.Params[reports.ParamThroughputCached] = true
	}
}

// ImageFeatures returns the image embeddings of split of dataset d under
// model m, from the cache when possible (unless env.NoCache), else by
// running the pipeline and storing the result.
func ImageFeatures(ctx context.Context, env *suites.Env, m *suites.Model, d *suites.Dataset, split string) (*Features, error) {
	ds, err := OpenDataset(env, d, split)
	if err != nil {
		return nil, err
	}
	return FeaturesOf(ctx, env, m, d, split, ds)
}

// FeaturesOf is ImageFeatures for the images of ds, an opened split of d
// (a caption dataset's images, say).
func FeaturesOf(ctx context.Context, env *suites.Env, m *suites.Model, d *suites.Dataset, split string, ds datasets.Dataset) (*Features, error) {
	model, err := OpenModel(env, m)
	if err != nil {
		return nil, err
	}
	if ds.Len() == 0 {
		return nil, fmt.Errorf("dataset %s: split %q has no samples", d.Name, split)
	}
	key := featureKey(model, ds, d, split)
	var dir string
	if !env.NoCache {
		if dir, err = CacheDir(env.Suite); err != nil {
			return nil, err
		}
		if f, err := loadCached(dir, key); err == nil {
			f.Key = key
			return f, nil
		} else if !errors.Is(err, fs.ErrNotExist) && env.Log != nil {
			fmt.Fprintf(env.Log, "feature cache %s: %v; recomputing\n", key, err)
		}
	}
	f, err := extract(ctx, env, model, ds, split)
	if err != nil {
		return nil, fmt.Errorf("model %s on dataset %s/%s: %w", m.Name, d.Name, split, err)
	}
	f.Key = key
	if !env.NoCache {
		meta := cacheMeta{Version: cacheVersion, Model: m.Name, Fingerprint: model.Fingerprint(), Dataset: d.Name,
			Identity: ds.Identity(), Split: split, N: f.N, D: f.D, Classes: f.Classes, Skipped: f.Skipped,
			Created: time.Now().UTC(), TowerSeconds: f.TowerSeconds, TotalSeconds: f.TotalSeconds,
			DecodeSeconds: f.DecodeSeconds, WaitSeconds: f.WaitSeconds}
		if err := storeCached(dir, key, f, meta); err != nil && env.Log != nil {
			fmt.Fprintf(env.Log, "feature cache: %v (continuing without caching)\n", err)
		}
	}
	return f, nil
}

func extract(ctx context.Context, env *suites.Env, model encoders.Model, ds datasets.Dataset, split string) (*Features, error) {
	tower := model.Image()
	pre := tower.Preprocess()
	n, dim := ds.Len(), tower.Dim()
	f := &Features{X: make([]float32, 0, n*dim), D: dim, Labels: make([]int32, 0, n), Classes: ds.Classes()}
	f.TowerBatch, f.TowerConcurrency = tower.RequestSize(min(n, max(1, env.Suite.Runtime.BatchSize)))
	start := time.Now()
	var towerTime time.Duration
	var stats imageproc.StreamStats
	env.Progress.SetTotal("encode images", n)
	skipped, err := imageproc.Stream(ctx, ds, pre, imageproc.StreamOptions{
		BatchSize: env.Suite.Runtime.BatchSize,
		Workers:   env.Suite.Runtime.Workers,
		Stats:     &stats,
		// File-backed formats skip (and count) images that do not decode;
		// in-memory formats fail on any error.
		SkipBad: datasets.SkipsBad(ds),
	}, func(b imageproc.Batch) error {
		t0 := time.Now()
		emb, err := tower.EncodeImages(ctx, b.Pixels, len(b.Indices))
		towerTime += time.Since(t0)
		if err != nil {
			return err
		}
		f.X = append(f.X, emb...)
		for _, i := range b.Indices {
			f.Labels = append(f.Labels, int32(ds.Label(i)))
		}
		env.Progress.Add(len(b.Indices))
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, s := range skipped {
		f.Skipped = append(f.Skipped, fmt.Sprintf("%d: %v", s.Index, s.Err))
	}
	f.N = len(f.Labels)
	if f.N == 0 {
		return nil, fmt.Errorf("split %s: every sample failed to load (first: %s)", split, first(f.Skipped))
	}
	f.TowerSeconds = towerTime.Seconds()
	f.TotalSeconds = time.Since(start).Seconds()
	f.DecodeSeconds, f.WaitSeconds = stats.DecodeSeconds, stats.WaitSeconds
	return f, nil
}

func first(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return xs[0]
}

func cachePaths(dir, key string) (x, labels, meta string) {
	base := filepath.Join(dir, key)
	return base + ".npy", base + ".labels.npy", base + ".json"
}

func loadCached(dir, key string) (*Features, error) {
	xp, lp, mp := cachePaths(dir, key)
	raw, err := limits.ReadFile(mp, 1<<30)
	if err != nil {
		return nil, err
	}
	var meta cacheMeta
	if err := json.Unmarshal(raw, &meta); err != nil || meta.Version != cacheVersion {
		return nil, fmt.Errorf("%s: unreadable or from another version", mp)
	}
	x, shape, err := npy.ReadFloat32(xp)
	if err != nil {
		return nil, err
	}
	labels, lshape, err := npy.ReadInt64(lp)
	if err != nil {
		return nil, err
	}
	if len(shape) != 2 || shape[0] != meta.N || shape[1] != meta.D || len(lshape) != 1 || lshape[0] != meta.N {
		return nil, fmt.Errorf("%s: shapes %v and %v do not match %dx%d", xp, shape, lshape, meta.N, meta.D)
	}
	f := &Features{X: x, N: meta.N, D: meta.D, Labels: make([]int32, meta.N), Classes: meta.Classes,
		Skipped: meta.Skipped, Cached: true, TowerSeconds: meta.TowerSeconds, TotalSeconds: meta.TotalSeconds,
		DecodeSeconds: meta.DecodeSeconds, WaitSeconds: meta.WaitSeconds}
	for i, v := range labels {
		if v < 0 || v >= int64(len(meta.Classes)) {
			return nil, fmt.Errorf("%s: label %d of sample %d is outside the %d classes", lp, v, i, len(meta.Classes))
		}
		f.Labels[i] = int32(v)
	}
	return f, nil
}

// storeCached writes the arrays first and the metadata last, each
// atomically: a cache entry counts only once its metadata exists.
func storeCached(dir, key string, f *Features, meta cacheMeta) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	xp, lp, mp := cachePaths(dir, key)
	if err := npy.WriteFloat32(xp, f.X, f.N, f.D); err != nil {
		return err
	}
	labels := make([]int64, f.N)
	for i, v := range f.Labels {
		labels[i] = int64(v)
	}
	if err := npy.WriteInt64(lp, labels); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(mp, raw, 0o644)
}
