package encodertest

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/encoders"
)

// Tolerance bounds the difference between one input's embedding computed
// alone and inside a batch, relative to the embedding's largest value.
const Tolerance = 1e-4

// Run opens spec with backend b on rt and checks the encoder contracts
// (see the package documentation), as subtests of t.
func Run(t *testing.T, b encoders.Backend, spec encoders.Spec, rt encoders.Runtime) {
	t.Helper()
	m, err := b.Open(spec, rt)
	if err != nil {
		t.Fatalf("open %s: %v", spec.Name, err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	t.Run("Describe", func(t *testing.T) {
		if m.Describe() == "" {
			t.Error("Describe is empty")
		}
		fp := m.Fingerprint()
		if fp == "" {
			t.Fatal("Fingerprint is empty")
		}
		again, err := b.Open(spec, rt)
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close()
		if again.Fingerprint() != fp {
			t.Errorf("Fingerprint changed between opens:\n%s\n%s", fp, again.Fingerprint())
		}
	})
	t.Run("Image", func(t *testing.T) { checkImage(t, m.Image()) })
	t.Run("Text", func(t *testing.T) {
		text := m.Text()
		if spec.ImageOnly {
			if text != nil {
				t.Error("an image-only spec has a text tower")
			}
			return
		}
		if text == nil {
			t.Fatal("no text tower")
		}
		if text.Dim() != m.Image().Dim() {
			t.Errorf("text width %d, image width %d", text.Dim(), m.Image().Dim())
		}
		checkText(t, text)
	})
}

func checkImage(t *testing.T, im encoders.ImageEncoder) {
	pre := im.Preprocess()
	if err := pre.Validate(); err != nil {
		t.Fatalf("Preprocess() = %+v: %v", pre, err)
	}
	dim, per := im.Dim(), pre.PixelsPerImage()
	if dim < 1 {
		t.Fatalf("Dim() = %d", dim)
	}
	ctx := context.Background()
	const n = 5
	rng := rand.New(rand.NewPCG(1, 2))
	pixels := make([]float32, n*per)
	for i := range pixels {
		pixels[i] = float32(rng.Float64()*4 - 2) // normalised pixels lie within about ±2
	}
	all, err := im.EncodeImages(ctx, pixels, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != n*dim {
		t.Fatalf("%d images gave %d values, want %d", n, len(all), n*dim)
	}
	checkFinite(t, "image embeddings", all)
	again, err := im.EncodeImages(ctx, pixels, n)
	if err != nil {
		t.Fatal(err)
	}
	if d := MaxAbsDiff(all, again); d != 0 {
		t.Errorf("encoding the same images twice differs by %g", d)
	}
	for i := 0; i < n; i++ {
		one, err := im.EncodeImages(ctx, pixels[i*per:(i+1)*per], 1)
		if err != nil {
			t.Fatal(err)
		}
		if d := MaxAbsDiff(one, all[i*dim:(i+1)*dim]); d > Tolerance*maxAbs(one) {
			t.Errorf("image %d alone differs from image %d in a batch of %d by %g", i, i, n, d)
		}
	}
	if out, err := im.EncodeImages(ctx, nil, 0); err != nil || len(out) != 0 {
		t.Errorf("no images: %d values, %v", len(out), err)
	}
	if _, err := im.EncodeImages(ctx, pixels[:per+1], 1); err == nil {
		t.Error("a wrong pixel count was accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := im.EncodeImages(cancelled, pixels, n); err == nil {
		t.Error("a cancelled context did not stop EncodeImages")
	}
	for _, k := range []int{1, 7, 64, 1000} {
		size, conc := im.RequestSize(k)
		if size < 1 || size > k || conc < 1 || conc > (k+size-1)/size {
			t.Errorf("RequestSize(%d) = %d images x %d concurrent", k, size, conc)
		}
	}
}

func checkText(t *testing.T, tx encoders.TextEncoder) {
	ctx := context.Background()
	dim := tx.Dim()
	texts := []string{"a photo of a cat.", "a photo of a dog.", "", strings.Repeat("a very long caption ", 200)}
	all, err := tx.EncodeTexts(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(texts)*dim {
		t.Fatalf("%d texts gave %d values, want %d", len(texts), len(all), len(texts)*dim)
	}
	checkFinite(t, "text embeddings", all)
	if MaxAbsDiff(all[:dim], all[dim:2*dim]) == 0 {
		t.Error("two different texts have the same embedding")
	}
	again, err := tx.EncodeTexts(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	if d := MaxAbsDiff(all, again); d != 0 {
		t.Errorf("encoding the same texts twice differs by %g", d)
	}
	for i, s := range texts {
		one, err := tx.EncodeTexts(ctx, []string{s})
		if err != nil {
			t.Fatal(err)
		}
		if d := MaxAbsDiff(one, all[i*dim:(i+1)*dim]); d > Tolerance*maxAbs(one) {
			t.Errorf("text %d alone differs from text %d in a batch by %g", i, i, d)
		}
	}
	if out, err := tx.EncodeTexts(ctx, nil); err != nil || len(out) != 0 {
		t.Errorf("no texts: %d values, %v", len(out), err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := tx.EncodeTexts(cancelled, texts); err == nil {
		t.Error("a cancelled context did not stop EncodeTexts")
	}
}

func checkFinite(t *testing.T, what string, v []float32) {
	t.Helper()
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			t.Fatalf("%s: value %d is %v", what, i, x)
		}
	}
	if maxAbs(v) == 0 {
		t.Errorf("%s are all zero", what)
	}
}

// MaxAbsDiff is the largest absolute difference between two embeddings
// (+Inf when their lengths differ).
func MaxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

func maxAbs(v []float32) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return m
}
