package onnx

// Tests of the backend's pure helpers: they run in every build, CGO_ENABLED=0
// included.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/imageproc"
	"github.com/evalclip/evalclip/encoders/onnxrt"
)

func TestDetectLayouts(t *testing.T) {
	for _, c := range []struct{ dir, layout, vision, pre string }{
		{"openclip-static", LayoutOpenCLIP, "visual/model.onnx", "visual/preprocess_cfg.json"},
		{"hf", LayoutHF, "vision_model.onnx", "preprocessor_config.json"},
		{"combined", LayoutCombined, "model.onnx", "preprocessor_config.json"},
	} {
		dir := filepath.Join(root, "layouts", c.dir)
		f, err := Detect(encoders.Spec{Name: c.dir, Path: dir})
		if err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		if f.Layout != c.layout || f.Vision != filepath.Join(dir, c.vision) || f.Preprocess != filepath.Join(dir, c.pre) || f.Tokenizer == "" {
			t.Errorf("%s: %+v", c.dir, f)
		}
	}
	if _, err := Detect(encoders.Spec{Name: "x", Path: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no known layout") {
		t.Errorf("empty folder: %v", err)
	}
}

func TestBatchAndChunkSizes(t *testing.T) {
	for _, c := range []struct {
		batch1           bool
		configured, want int
	}{{true, 64, 1}, {false, 0, 64}, {false, 16, 16}} {
		if got := batchSize(c.batch1, c.configured); got != c.want {
			t.Errorf("batchSize(%v, %d) = %d, want %d", c.batch1, c.configured, got, c.want)
		}
	}
	// n items over workers requests of at most batch items.
	for _, c := range []struct{ n, batch, workers, want int }{
		{64, 64, 1, 64}, {64, 64, 2, 32}, {64, 16, 2, 16}, {5, 64, 8, 1}, {0, 64, 4, 1}, {10, 1, 4, 1}, {7, 64, 0, 7},
	} {
		if got := chunkSize(c.n, c.batch, c.workers); got != c.want {
			t.Errorf("chunkSize(%d, %d, %d) = %d, want %d", c.n, c.batch, c.workers, got, c.want)
		}
	}
}

func TestParallelChunks(t *testing.T) {
	for _, workers := range []int{1, 3} {
		var mu sync.Mutex
		var got [][2]int
		err := parallelChunks(context.Background(), 10, 4, workers, func(lo, hi int) error {
			mu.Lock()
			got = append(got, [2]int{lo, hi})
			mu.Unlock()
			return nil
		})
		sort.Slice(got, func(i, j int) bool { return got[i][0] < got[j][0] })
		if err != nil || len(got) != 3 || got[0] != [2]int{0, 4} || got[2] != [2]int{8, 10} {
			t.Errorf("workers %d: chunks %v, %v", workers, got, err)
		}
		boom := errors.New("boom")
		if err := parallelChunks(context.Background(), 10, 1, workers, func(lo, hi int) error {
			if lo == 3 {
				return boom
			}
			return nil
		}); !errors.Is(err, boom) {
			t.Errorf("workers %d: error %v", workers, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := parallelChunks(ctx, 10, 1, workers, func(int, int) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("workers %d: cancelled: %v", workers, err)
		}
	}
}

func TestImagePreprocess(t *testing.T) {
	cfg := filepath.Join(root, "layouts", "openclip-static", "visual", "preprocess_cfg.json")
	pre, err := imagePreprocess(encoders.Spec{Name: "m"}, cfg, "v.onnx", []int64{1, 3, 32, 32})
	if err != nil || pre.Size != 32 || pre.Interpolation != imageproc.Bicubic {
		t.Errorf("from the file: %+v %v", pre, err)
	}
	if _, err := imagePreprocess(encoders.Spec{Name: "m", ImageSize: 224}, cfg, "v.onnx", []int64{1, 3, 32, 32}); err == nil ||
		!strings.Contains(err.Error(), "model m: v.onnx: the tower takes 32x32 images but the preprocessing makes 224x224") {
		t.Errorf("override against the tower: %v", err)
	}
	pre, err = imagePreprocess(encoders.Spec{Name: "m"}, "", "v.onnx", []int64{-1, 3, 48, 48})
	if err != nil || pre.Size != 48 || pre.Mean != imageproc.OpenAIMean {
		t.Errorf("from the input shape: %+v %v", pre, err)
	}
	pre, err = imagePreprocess(encoders.Spec{Name: "m", ImageOnly: true}, "", "v.onnx", []int64{-1, 3, -1, -1})
	if err != nil || pre != imageproc.TorchvisionImageNet() {
		t.Errorf("image-only defaults: %+v %v", pre, err)
	}
	for shape, want := range map[[4]int64]string{{1, 1, 32, 32}: "takes 1 channels", {1, 3, 32, 48}: "only square inputs"} {
		if _, err := imagePreprocess(encoders.Spec{Name: "m"}, "", "v.onnx", shape[:]); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("shape %v: %v, want %q", shape, err, want)
		}
	}
}

func TestPickTensor(t *testing.T) {
	ts := []onnxrt.TensorInfo{{Name: "pixel_values", DType: "float", Shape: []int64{-1, 3, 32, 32}}, {Name: "x", DType: "int64", Shape: []int64{-1, 77}}}
	if got, err := pick("image input", "m.onnx", "", ts, imageInputNames, isFloat); err != nil || got.Name != "pixel_values" {
		t.Errorf("candidate: %v %v", got, err)
	}
	if got, err := pick("text input", "m.onnx", "", ts, []string{"nope"}, isInt); err != nil || got.Name != "x" {
		t.Errorf("the only match: %v %v", got, err)
	}
	if _, err := pick("image input", "m.onnx", "img", ts, imageInputNames, isFloat); err == nil || !strings.Contains(err.Error(), `no image input named "img" (has pixel_values, x)`) {
		t.Errorf("named: %v", err)
	}
}

// The fixtures under testdata/models/layouts and their golden outputs are made
// by tools/fixtures/make_encoder_fixtures.py (PyTorch); the tiny digits model
// and its golden text features by tools/tinyclip/train.py.
var root = filepath.Join("..", "..", "testdata", "models")

func TestEncodeRows(t *testing.T) {
	run := func(lo, hi int) ([]float32, error) {
		out := make([]float32, 0, 2*(hi-lo))
		for i := lo; i < hi; i++ {
			out = append(out, float32(i), -float32(i))
		}
		return out, nil
	}
	got, err := encodeRows(context.Background(), 7, 2, 3, 2, "image tower m.onnx", "images", run)
	if err != nil || len(got) != 14 || got[12] != 6 || got[13] != -6 {
		t.Errorf("rows %v, %v", got, err)
	}
	short := func(lo, hi int) ([]float32, error) { return make([]float32, hi-lo), nil }
	if _, err := encodeRows(context.Background(), 4, 2, 4, 1, "text tower t.onnx", "texts", short); err == nil ||
		err.Error() != "text tower t.onnx returned 4 values for 4 texts of width 2" {
		t.Errorf("short output: %v", err)
	}
}

// TestGraphInputs reads a graph's inputs without ONNX Runtime: an
// initializer listed as an input is left out, as the runtime does, and
// symbolic or unknown dimensions are -1.
func TestGraphInputs(t *testing.T) {
	file := filepath.Join("testdata", "graphinputs", "init_as_input.onnx")
	got, err := GraphInputs(file)
	if err != nil {
		t.Fatal(err)
	}
	want := []onnxrt.TensorInfo{{Name: "ids", DType: "int64", Shape: []int64{-1, 12}}, {Name: "extra", DType: "float", Shape: []int64{-1, 4}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v, want %+v", got, want)
	}
	text := filepath.Join(root, "layouts", "openclip-static", "textual", "model.onnx")
	got, err = GraphInputs(text)
	if err != nil {
		t.Fatal(err)
	}
	if in, err := pickTextInput(encoders.Spec{}, &Files{Text: text}, got); err != nil || in.Shape[1] <= 0 {
		t.Fatalf("static text input %+v: %v, want a fixed context", in, err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.onnx")
	for _, n := range []int{len(data) / 2, len(data) - 1, 0} {
		if err := os.WriteFile(cut, data[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := GraphInputs(cut); err == nil || !strings.Contains(err.Error(), cut) {
			t.Errorf("%d of %d bytes: %v, want an error naming %s", n, len(data), err, cut)
		}
	}
}

// FuzzGraphInputs feeds arbitrary bytes to the graph input reader: an
// error or inputs, never a panic or a huge allocation.
func FuzzGraphInputs(f *testing.F) {
	for _, p := range []string{filepath.Join("testdata", "graphinputs", "init_as_input.onnx"), filepath.Join(root, "layouts", "hf", "vision_model.onnx")} {
		if data, err := os.ReadFile(p); err == nil && len(data) < 1<<20 {
			f.Add(data)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "m.onnx")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ins, err := GraphInputs(p)
		if err != nil && !strings.Contains(err.Error(), p) {
			t.Fatalf("error does not name the file: %v", err)
		}
		for _, in := range ins {
			for _, d := range in.Shape {
				if d < -1 {
					t.Fatalf("input %s: dimension %d, want -1 (unknown) or more", in.Name, d)
				}
			}
		}
	})
}
