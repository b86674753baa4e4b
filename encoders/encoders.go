package encoders

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/evalclip/evalclip/encoders/imageproc"
)

// ImageEncoder embeds preprocessed images.
type ImageEncoder interface {
	// Preprocess is the preprocessing the tower expects.
	Preprocess() imageproc.Config
	// Dim is the embedding width.
	Dim() int
	// EncodeImages embeds n images given as NCHW float32 pixels
	// (n * Preprocess().PixelsPerImage() values) and returns n*Dim()
	// values, row-major.
	EncodeImages(ctx context.Context, pixels []float32, n int) ([]float32, error)
	// RequestSize says how EncodeImages splits a call of n images: the
	// images per tower request (1 for a static batch-1 export) and how many
	// requests run at once. Records report it as the batch actually sent.
	RequestSize(n int) (size, concurrent int)
}

// TextEncoder embeds texts.
type TextEncoder interface {
	// Dim is the embedding width.
	Dim() int
	// EncodeTexts tokenises and embeds texts, returning len(texts)*Dim()
	// values, row-major.
	EncodeTexts(ctx context.Context, texts []string) ([]float32, error)
}

// Model is an opened image-text model.
type Model interface {
	io.Closer
	Image() ImageEncoder
	// Text is nil for image-only models (Spec.ImageOnly).
	Text() TextEncoder
	// Describe says what was opened (files, layout, provider), for logs.
	Describe() string
	// Fingerprint identifies the weights and image preprocessing, so that
	// cached image features are reused only for the same model: file paths,
	// sizes and modification times, and the preprocessing settings.
	Fingerprint() string
}

// Scoring is how a model turns an image-text cosine similarity into a
// probability: CLIP's softmax over the classes of Scale*cos, or SigLIP's
// per-pair sigmoid(Scale*cos + Bias). Rankings do not depend on it.
type Scoring struct {
	Sigmoid bool
	Scale   float64 // the learned multiplier, exp(logit_scale)
	Bias    float64 // the learned logit_bias (sigmoid only)
	// Source says where the values came from: a config file, "suite",
	// "init" (a SigLIP config without the learned values: its
	// initialisation) or "default" (CLIP's 100, softmax).
	Source string
}

// DefaultScoring is CLIP's: softmax at logit scale 100.
var DefaultScoring = Scoring{Scale: 100, Source: "default"}

// Scorer is implemented by models that know their scoring; others score
// with [DefaultScoring].
type Scorer interface {
	Scoring() Scoring
}

// ScoringOf returns m's scoring, or DefaultScoring.
func ScoringOf(m Model) Scoring {
	if s, ok := m.(Scorer); ok {
		return s.Scoring()
	}
	return DefaultScoring
}

// Spec is what a suite says about a model. Paths are already resolved.
type Spec struct {
	Name          string
	Path          string
	Vision        string
	Text          string
	Tokenizer     string
	ImageSize     int
	Mean, Std     []float64
	Interpolation imageproc.Interpolation
	Resize        imageproc.ResizeMode
	ContextLength int
	PadID         *int
	// Clean overrides the text cleaning the export's config names
	// (tokenizer.CleanMode: whitespace, lower, canonicalize); "" keeps it.
	Clean string
	// LogitScale and LogitBias override the scoring parameters the
	// export's config records (nil keeps them); a bias makes scoring a
	// sigmoid (SigLIP).
	LogitScale, LogitBias *float64
	ImageInput            string
	ImageOutput           string
	TextInput             string
	TextOutput            string
	EmbedDim              int
	// ResizeSize is the shorter side before the center crop (0 = ImageSize).
	ResizeSize int
	// ImageOnly opens only the image tower (supervised feature extractors);
	// Model.Text returns nil.
	ImageOnly bool
}

// Runtime is how to run a model.
type Runtime struct {
	Provider    string // cpu, cuda, tensorrt
	Threads     int    // 0 = all cores
	BatchSize   int
	Device      int
	ONNXRuntime string // library path, "" for the default lookup
}

// Backend opens models of one kind.
type Backend interface {
	Open(spec Spec, rt Runtime) (Model, error)
}

// RuntimeChecker is implemented by backends that can tell, before any model
// is opened, whether a runtime setting can work in this process (the
// execution provider's libraries are there, say).
type RuntimeChecker interface {
	CheckRuntime(rt Runtime) error
}

// CheckRuntime asks the named backend whether rt can work; backends that
// cannot tell, or are not built, pass.
func CheckRuntime(backend string, rt Runtime) error {
	mu.RLock()
	b, ok := backends[backend]
	mu.RUnlock()
	if c, is := b.(RuntimeChecker); ok && is {
		return c.CheckRuntime(rt)
	}
	return nil
}

// ModelChecker is implemented by backends that can check a model's files
// without loading it (its layout is recognised, its towers and tokenizer
// exist, its preprocessing config reads), so that evalclip validate finds
// a broken model before a run.
type ModelChecker interface {
	CheckModel(spec Spec) error
}

// CheckModel asks the named backend whether spec's files make a model it
// can open; backends that cannot tell pass.
func CheckModel(backend string, spec Spec) error {
	mu.RLock()
	b, ok := backends[backend]
	mu.RUnlock()
	if c, is := b.(ModelChecker); ok && is {
		return c.CheckModel(spec)
	}
	return nil
}

var (
	mu       sync.RWMutex
	backends = map[string]Backend{}
)

// Register makes b the backend called name. Backends register from init;
// registering a name twice panics.
func Register(name string, b Backend) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := backends[name]; dup {
		panic("encoders: backend " + name + " registered twice")
	}
	backends[name] = b
}

// Open opens spec with the named backend.
func Open(backend string, spec Spec, rt Runtime) (Model, error) {
	mu.RLock()
	b, ok := backends[backend]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("model %s: encoder backend %q is not available in this build (have: %s)", spec.Name, backend, strings.Join(Backends(), ", "))
	}
	return b.Open(spec, rt)
}

// Backends lists the registered backend names.
func Backends() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(backends))
	for n := range backends {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Overrides returns the spec's preprocessing settings for
// imageproc.Resolve.
func (s Spec) Overrides() imageproc.Overrides {
	o := imageproc.Overrides{Size: s.ImageSize, ResizeSize: s.ResizeSize, Interpolation: s.Interpolation, Resize: s.Resize}
	if len(s.Mean) == 3 {
		o.Mean = &[3]float32{float32(s.Mean[0]), float32(s.Mean[1]), float32(s.Mean[2])}
	}
	if len(s.Std) == 3 {
		o.Std = &[3]float32{float32(s.Std[0]), float32(s.Std[1]), float32(s.Std[2])}
	}
	return o
}
