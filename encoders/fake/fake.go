package fake

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/imageproc"
)

// DefaultSize is the fake tower's input size when the spec sets none.
const DefaultSize = 32

// DefaultDim is the embedding width when the spec sets none.
const DefaultDim = 64

const grid = 4 // pooling grid per side

func init() { encoders.Register("fake", backend{}) }

type backend struct{}

func (backend) Open(spec encoders.Spec, rt encoders.Runtime) (encoders.Model, error) {
	return New(spec)
}

// Model is a fake image-text model.
type Model struct {
	name string
	dim  int
	pre  imageproc.Config
	proj []float32 // (3*grid*grid) x dim
	seed uint64
	// imageOnly models have no text tower.
	imageOnly bool
	scoring   encoders.Scoring
}

// New returns a fake model for spec; spec.EmbedDim and the preprocessing
// overrides are honoured.
func New(spec encoders.Spec) (*Model, error) {
	dim := spec.EmbedDim
	if dim == 0 {
		dim = DefaultDim
	}
	if dim < 1 {
		return nil, fmt.Errorf("fake model %s: embed_dim must be positive, got %d", spec.Name, dim)
	}
	base := imageproc.Default()
	base.Size = DefaultSize
	pre, err := imageproc.Resolve(imageproc.Sources{Overrides: spec.Overrides(), Defaults: base})
	if err != nil {
		return nil, fmt.Errorf("fake model %s: %w", spec.Name, err)
	}
	if pre.Size < grid {
		return nil, fmt.Errorf("fake model %s: image_size must be at least %d, got %d", spec.Name, grid, pre.Size)
	}
	seed := hash64(spec.Name)
	rng := rand.New(rand.NewPCG(seed, 1))
	proj := make([]float32, 3*grid*grid*dim)
	for i := range proj {
		proj[i] = float32(rng.NormFloat64())
	}
	sc := encoders.DefaultScoring
	if spec.LogitScale != nil {
		sc.Scale, sc.Source = *spec.LogitScale, "suite"
	}
	if spec.LogitBias != nil {
		sc.Sigmoid, sc.Bias, sc.Source = true, *spec.LogitBias, "suite"
		if spec.LogitScale == nil {
			sc.Scale = 10 // SigLIP's initial scale
		}
	}
	return &Model{name: spec.Name, dim: dim, pre: pre, proj: proj, seed: seed, imageOnly: spec.ImageOnly, scoring: sc}, nil
}

// Scoring is the suite's logit_scale and logit_bias, else CLIP's default.
func (m *Model) Scoring() encoders.Scoring { return m.scoring }

func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// Image returns the image tower.
func (m *Model) Image() encoders.ImageEncoder { return (*imageTower)(m) }

// Text returns the text tower, or nil for an image-only spec.
func (m *Model) Text() encoders.TextEncoder {
	if m.imageOnly {
		return nil
	}
	return (*textTower)(m)
}

// Describe says what the model is.
func (m *Model) Describe() string {
	return fmt.Sprintf("fake model %s (dim %d, input %dx%d)", m.name, m.dim, m.pre.Size, m.pre.Size)
}

// Fingerprint identifies the fake model by name, width and preprocessing.
func (m *Model) Fingerprint() string {
	return fmt.Sprintf("fake:%s:%d:%+v", m.name, m.dim, m.pre)
}

// Close releases nothing.
func (m *Model) Close() error { return nil }

type imageTower Model

func (t *imageTower) Preprocess() imageproc.Config { return t.pre }
func (t *imageTower) Dim() int                     { return t.dim }

// RequestSize: the fake tower embeds a whole call at once.
func (t *imageTower) RequestSize(n int) (size, concurrent int) { return max(n, 1), 1 }

func (t *imageTower) EncodeImages(ctx context.Context, pixels []float32, n int) ([]float32, error) {
	s := t.pre.Size
	per := 3 * s * s
	if n < 0 || len(pixels) != n*per {
		return nil, fmt.Errorf("fake image tower: got %d values for %d images of 3x%dx%d", len(pixels), n, s, s)
	}
	out := make([]float32, n*t.dim)
	pooled := make([]float32, 3*grid*grid)
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		img := pixels[i*per : (i+1)*per]
		clear(pooled)
		for c := 0; c < 3; c++ {
			for y := 0; y < s; y++ {
				gy := y * grid / s
				row := img[c*s*s+y*s : c*s*s+(y+1)*s]
				for x, v := range row {
					pooled[c*grid*grid+gy*grid+x*grid/s] += v
				}
			}
		}
		cell := float32(s*s) / float32(grid*grid)
		o := out[i*t.dim : (i+1)*t.dim]
		for j, p := range pooled {
			p /= cell
			w := t.proj[j*t.dim : (j+1)*t.dim]
			for k := range o {
				o[k] += p * w[k]
			}
		}
	}
	return out, nil
}

type textTower Model

func (t *textTower) Dim() int { return t.dim }

func (t *textTower) EncodeTexts(ctx context.Context, texts []string) ([]float32, error) {
	out := make([]float32, len(texts)*t.dim)
	for i, s := range texts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(t.seed, hash64(s)))
		for k := 0; k < t.dim; k++ {
			out[i*t.dim+k] = float32(rng.NormFloat64())
		}
	}
	return out, nil
}
