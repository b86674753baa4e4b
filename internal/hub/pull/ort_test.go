//go:build cgo

package pull

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/evalclip/evalclip/encoders/onnx"
	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/internal/hub/hubtest"
	ort "github.com/yalue/onnxruntime_go"
)

// TestPulledExternalDataLoads: ONNX Runtime opens a tower whose weights
// are in another file, both reached through the cache's snapshot links.
func TestPulledExternalDataLoads(t *testing.T) {
	if _, err := onnxrt.Ensure("", ""); err != nil {
		if os.Getenv("EVALCLIP_REQUIRE_ORT") != "" {
			t.Fatalf("ONNX Runtime required: %v", err)
		}
		t.Skipf("no ONNX Runtime library: %v", err)
	}
	s := hubtest.New(t)
	s.AddRepo(hubtest.Model, "org/external", externalRepo(t), hubtest.Access{})
	res, err := Model(context.Background(), client(t, s), "org/external", "main", onnx.HubSpec{})
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(res.Dir, "visual", "model.onnx")
	if fi, err := os.Lstat(model); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is not a snapshot link: %v", model, err)
	}
	sess, err := ort.NewDynamicAdvancedSession(model, []string{"x"}, []string{"y"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Destroy()
	x, err := ort.NewTensor(ort.NewShape(1, 4), []float32{0, 1, 2, -3})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Destroy()
	outs := []ort.Value{nil}
	if err := sess.Run([]ort.Value{x}, outs); err != nil {
		t.Fatal(err)
	}
	defer outs[0].Destroy()
	if y := outs[0].(*ort.Tensor[float32]).GetData(); !reflect.DeepEqual(y, []float32{1, 3, 5, -5}) {
		t.Errorf("y = %v, want 2x+1", y)
	}
}
