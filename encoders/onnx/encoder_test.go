//go:build cgo

package onnx

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/encodertest"
	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/internal/npy"
)

// requireORT loads ONNX Runtime the way a suite would for the provider a GPU
// check asks for (ProviderTestEnv; the CPU otherwise).
func requireORT(t *testing.T) {
	t.Helper()
	if _, err := onnxrt.Ensure("", os.Getenv(ProviderTestEnv)); err != nil {
		if os.Getenv("EVALCLIP_REQUIRE_ORT") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

func loadF32(t *testing.T, path string) ([]float32, []int) {
	t.Helper()
	x, shape, err := npy.ReadFloat32(path)
	if err != nil {
		t.Fatal(err)
	}
	return x, shape
}

func loadI64(t *testing.T, path string) []int64 {
	t.Helper()
	x, _, err := npy.ReadInt64(path)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestLayouts(t *testing.T) {
	requireORT(t)
	golden := filepath.Join(root, "layouts", "golden")
	pixels, _ := loadF32(t, filepath.Join(golden, "pixels.npy"))
	wantImg, _ := loadF32(t, filepath.Join(golden, "image_embeds.npy"))
	wantTxt, _ := loadF32(t, filepath.Join(golden, "text_embeds.npy"))
	tok0 := loadI64(t, filepath.Join(golden, "tokens_pad0.npy"))
	tokEOT := loadI64(t, filepath.Join(golden, "tokens_pad_eot.npy"))
	var texts []string
	raw, _ := os.ReadFile(filepath.Join(golden, "texts.json"))
	if err := json.Unmarshal(raw, &texts); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		dir, layout string
		batch1      bool
		tokens      []int64
		tol         float64
	}{
		{"openclip-static", LayoutOpenCLIP, true, tok0, 1e-4},
		{"openclip-fp16", LayoutOpenCLIP, false, tok0, 2e-2},
		{"hf", LayoutHF, false, tokEOT, 1e-4},
		{"combined", LayoutCombined, false, tokEOT, 1e-4},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			m, err := Open(encoders.Spec{Name: c.dir, Path: filepath.Join(root, "layouts", c.dir)}, encoders.Runtime{Threads: 2, BatchSize: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if m.Files().Layout != c.layout {
				t.Errorf("layout %s, want %s", m.Files().Layout, c.layout)
			}
			if got := strings.Contains(m.Describe(), "static batch 1"); got != c.batch1 {
				t.Errorf("describe: %s", m.Describe())
			}
			if p := m.Image().Preprocess(); p.Size != 32 || p.Interpolation != "bicubic" || p.Resize != "shortest" {
				t.Errorf("preprocess %+v", p)
			}
			ctx := context.Background()
			img, err := m.Image().EncodeImages(ctx, pixels, 3)
			if err != nil {
				t.Fatal(err)
			}
			if d := encodertest.MaxAbsDiff(img, wantImg); d > c.tol {
				t.Errorf("image embeddings differ from PyTorch by %g (tolerance %g)", d, c.tol)
			}
			ids, _ := m.text.Tokens(texts)
			for i := range ids {
				if ids[i] != c.tokens[i] {
					t.Fatalf("token %d (text %d) = %d, want %d", i, i/77, ids[i], c.tokens[i])
				}
			}
			txt, err := m.Text().EncodeTexts(ctx, texts)
			if err != nil {
				t.Fatal(err)
			}
			if d := encodertest.MaxAbsDiff(txt, wantTxt); d > c.tol {
				t.Errorf("text embeddings differ from PyTorch by %g (tolerance %g)", d, c.tol)
			}
			if fp := m.Fingerprint(); !strings.Contains(fp, "model.onnx") && !strings.Contains(fp, "vision_model.onnx") {
				t.Errorf("fingerprint %q", fp)
			}
		})
	}
}

func TestTinyCLIPText(t *testing.T) {
	requireORT(t)
	m, err := Open(encoders.Spec{Name: "tiny", Path: filepath.Join(root, "tinyclip-digits")}, encoders.Runtime{Threads: 1, BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	golden := filepath.Join("..", "..", "testdata", "golden", "tinyclip-digits")
	want, shape := loadF32(t, filepath.Join(golden, "text_features.npy"))
	tokens := loadI64(t, filepath.Join(golden, "tokens.npy"))
	var texts []string
	for c := 0; c < shape[0]; c++ {
		texts = append(texts, `a photo of the number: "`+string(rune('0'+c))+`".`)
	}
	ids, _ := m.text.Tokens(texts)
	for i := range ids {
		if ids[i] != tokens[i] {
			t.Fatalf("token %d = %d, want %d", i, ids[i], tokens[i])
		}
	}
	got, err := m.Text().EncodeTexts(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if d := encodertest.MaxAbsDiff(got, want); d > 1e-4 {
		t.Errorf("text features differ from PyTorch by %g", d)
	}
}

func TestBadModels(t *testing.T) {
	requireORT(t)
	empty := t.TempDir()
	_, err := Open(encoders.Spec{Name: "x", Path: empty}, encoders.Runtime{})
	if err == nil || !strings.Contains(err.Error(), "no known layout in "+empty) {
		t.Errorf("empty folder: %v", err)
	}
	// A layout without a tokenizer.
	dir := t.TempDir()
	src := filepath.Join(root, "layouts", "hf")
	for _, f := range []string{"vision_model.onnx", "text_model.onnx"} {
		b, _ := os.ReadFile(filepath.Join(src, f))
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	_, err = Open(encoders.Spec{Name: "x", Path: dir}, encoders.Runtime{})
	if err == nil || !strings.Contains(err.Error(), "no tokenizer found") {
		t.Errorf("no tokenizer: %v", err)
	}
	hf := filepath.Join(root, "layouts", "hf")
	_, err = Open(encoders.Spec{Name: "x", Path: hf, ImageOutput: "pooled"}, encoders.Runtime{})
	if err == nil || !strings.Contains(err.Error(), `no image output named "pooled" (has image_embeds)`) {
		t.Errorf("bad output name: %v", err)
	}
	_, err = Open(encoders.Spec{Name: "x", Path: filepath.Join(root, "layouts", "openclip-static"), ImageSize: 224}, encoders.Runtime{})
	if err == nil || !strings.Contains(err.Error(), "takes 32x32 images but the preprocessing makes 224x224") {
		t.Errorf("size mismatch: %v", err)
	}
	_, err = Open(encoders.Spec{Name: "x", Path: hf}, encoders.Runtime{Provider: "cuda"})
	if err == nil || !strings.Contains(err.Error(), "execution provider cuda is not available") || !strings.Contains(err.Error(), "libonnxruntime") {
		t.Errorf("cuda on a CPU-only library: %v", err)
	}
	_, err = Open(encoders.Spec{Name: "x", Vision: filepath.Join(hf, "vision_model.onnx")}, encoders.Runtime{})
	if err == nil || !strings.Contains(err.Error(), "set both vision and text") {
		t.Errorf("half override: %v", err)
	}
}

func TestImageOnly(t *testing.T) {
	requireORT(t)
	vision := filepath.Join(root, "layouts", "hf", "vision_model.onnx")
	m, err := Open(encoders.Spec{Name: "resnet", Path: vision, ImageOnly: true}, encoders.Runtime{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Text() != nil || !strings.Contains(m.Describe(), "no text tower") || m.Files().Layout != LayoutImageOnly {
		t.Fatalf("%s", m.Describe())
	}
	// Without a config beside the file: torchvision's ImageNet transform
	// (resize 256, crop 224), here with the crop overridden to the model's 32.
	m2, err := Open(encoders.Spec{Name: "r", Path: vision, ImageOnly: true, ImageSize: 32, ResizeSize: 36}, encoders.Runtime{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if p := m2.Image().Preprocess(); p.Size != 32 || p.ResizeSize != 36 {
		t.Errorf("preprocess %+v", p)
	}
	px, _ := loadF32(t, filepath.Join(root, "layouts", "golden", "pixels.npy"))
	if _, err := m.Image().EncodeImages(context.Background(), px, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(encoders.Spec{Name: "x", Path: t.TempDir(), ImageOnly: true}, encoders.Runtime{}); err == nil || !strings.Contains(err.Error(), "no image model") {
		t.Errorf("empty folder: %v", err)
	}
}

// ProviderTestEnv names an environment variable: when set (cuda, tensorrt,
// or cpu for a dry run), TestProviderMatchesPyTorch runs every fixture
// model on that execution provider. The GPU check
// (tools/gpu/encoders-check.sh) sets it with an ONNX Runtime that has the
// provider.
const ProviderTestEnv = "EVALCLIP_TEST_PROVIDER"

// TestProviderMatchesPyTorch encodes the layout fixtures and the tiny CLIP
// model on the provider named by EVALCLIP_TEST_PROVIDER and compares the
// embeddings with PyTorch's. GPU providers may use TF32 for float32
// products, hence the looser tolerance.
func TestProviderMatchesPyTorch(t *testing.T) {
	provider := os.Getenv(ProviderTestEnv)
	if provider == "" {
		t.Skipf("%s not set (a GPU check sets it to cuda or tensorrt)", ProviderTestEnv)
	}
	requireORT(t)
	golden := filepath.Join(root, "layouts", "golden")
	pixels, _ := loadF32(t, filepath.Join(golden, "pixels.npy"))
	wantImg, _ := loadF32(t, filepath.Join(golden, "image_embeds.npy"))
	wantTxt, _ := loadF32(t, filepath.Join(golden, "text_embeds.npy"))
	var texts []string
	raw, _ := os.ReadFile(filepath.Join(golden, "texts.json"))
	if err := json.Unmarshal(raw, &texts); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir string
		tol float64
	}{{"openclip-static", 1e-2}, {"openclip-fp16", 3e-2}, {"hf", 1e-2}, {"combined", 1e-2}} {
		t.Run(c.dir, func(t *testing.T) {
			m, err := Open(encoders.Spec{Name: c.dir, Path: filepath.Join(root, "layouts", c.dir)}, encoders.Runtime{Provider: provider, BatchSize: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			ctx := context.Background()
			img, err := m.Image().EncodeImages(ctx, pixels, 3)
			if err != nil {
				t.Fatal(err)
			}
			txt, err := m.Text().EncodeTexts(ctx, texts)
			if err != nil {
				t.Fatal(err)
			}
			di, dt := encodertest.MaxAbsDiff(img, wantImg), encodertest.MaxAbsDiff(txt, wantTxt)
			t.Logf("%s on %s: max abs difference from PyTorch %.3g (images), %.3g (texts); %s", c.dir, provider, di, dt, m.Describe())
			if di > c.tol || dt > c.tol {
				t.Errorf("embeddings differ from PyTorch by %g / %g (tolerance %g)", di, dt, c.tol)
			}
		})
	}
}

// TestConformance runs the encoder conformance suite on the shipped tiny
// CLIP model (static batch-1 towers, run concurrently) and on the Hugging
// Face layout fixture (dynamic batch), and on an image-only open.
func TestConformance(t *testing.T) {
	requireORT(t)
	t.Run("tinyclip-digits", func(t *testing.T) {
		encodertest.Run(t, backend{}, encoders.Spec{Name: "tiny", Path: filepath.Join(root, "tinyclip-digits")}, encoders.Runtime{Threads: 2, BatchSize: 4})
	})
	t.Run("hf", func(t *testing.T) {
		encodertest.Run(t, backend{}, encoders.Spec{Name: "hf", Path: filepath.Join(root, "layouts", "hf")}, encoders.Runtime{Threads: 2, BatchSize: 3})
	})
	t.Run("image-only", func(t *testing.T) {
		encodertest.Run(t, backend{}, encoders.Spec{Name: "rn", Path: filepath.Join(root, "layouts", "hf", "vision_model.onnx"), ImageOnly: true, ImageSize: 32},
			encoders.Runtime{Threads: 1})
	})
}
