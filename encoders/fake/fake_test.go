package fake

import (
	"context"
	"testing"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/encodertest"
)

func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	open := func() encoders.Model {
		m, err := encoders.Open("fake", encoders.Spec{Name: "m", EmbedDim: 8, ImageSize: 8}, encoders.Runtime{})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b := open(), open()
	if a.Image().Dim() != 8 || a.Image().Preprocess().Size != 8 {
		t.Fatalf("dim %d size %d", a.Image().Dim(), a.Image().Preprocess().Size)
	}
	px := make([]float32, 2*3*8*8)
	for i := range px {
		px[i] = float32(i%17) / 17
	}
	ea, err := a.Image().EncodeImages(ctx, px, 2)
	if err != nil {
		t.Fatal(err)
	}
	eb, _ := b.Image().EncodeImages(ctx, px, 2)
	if len(ea) != 16 {
		t.Fatalf("len %d", len(ea))
	}
	for i := range ea {
		if ea[i] != eb[i] {
			t.Fatalf("image embedding differs at %d", i)
		}
	}
	same := true
	for k := 0; k < 8; k++ {
		same = same && ea[k] == ea[8+k]
	}
	if same {
		t.Error("different images gave equal embeddings")
	}
	ta, _ := a.Text().EncodeTexts(ctx, []string{"a photo of a 3.", "a photo of a 4.", "a photo of a 3."})
	for k := 0; k < 8; k++ {
		if ta[k] != ta[16+k] {
			t.Fatal("equal texts gave different embeddings")
		}
	}
	if ta[0] == ta[8] && ta[1] == ta[9] {
		t.Error("different texts gave equal embeddings")
	}
}

func TestBadInput(t *testing.T) {
	m, err := New(encoders.Spec{Name: "m", ImageSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Image().EncodeImages(context.Background(), make([]float32, 10), 1); err == nil {
		t.Error("wrong pixel count accepted")
	}
	if _, err := New(encoders.Spec{Name: "m", EmbedDim: -1}); err == nil {
		t.Error("negative dim accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Text().EncodeTexts(ctx, []string{"x"}); err == nil {
		t.Error("cancelled context ignored")
	}
}

func TestConformance(t *testing.T) {
	encodertest.Run(t, backend{}, encoders.Spec{Name: "fake", EmbedDim: 16}, encoders.Runtime{})
	t.Run("image-only", func(t *testing.T) {
		encodertest.Run(t, backend{}, encoders.Spec{Name: "rn50", ImageOnly: true}, encoders.Runtime{})
	})
}
