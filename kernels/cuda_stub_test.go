//go:build !(cuda || cudaemu) || !cgo

package kernels_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/kernels"
)

// Without -tags cuda the CUDA implementations are known but say how to get
// them, and are left out of Names.
func TestCUDANotBuilt(t *testing.T) {
	for _, name := range []string{"cuda-naive", "cuda-tiled", "cuda-mma", "cuda-fused", "cuda-fused/fp16"} {
		_, err := kernels.Lookup(name)
		if !errors.Is(err, kernels.ErrCUDANotBuilt) || !strings.Contains(err.Error(), "rebuild with -tags cuda") {
			t.Errorf("Lookup(%q): %v, want ErrCUDANotBuilt", name, err)
		}
	}
	for _, n := range kernels.Names() {
		if strings.HasPrefix(n, "cuda-") {
			t.Errorf("Names() lists %s", n)
		}
	}
	if _, err := kernels.ToDevice([]float32{1}); !errors.Is(err, kernels.ErrCUDANotBuilt) {
		t.Errorf("ToDevice: %v, want ErrCUDANotBuilt", err)
	}
}
