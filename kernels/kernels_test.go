package kernels_test

import (
	"testing"

	"github.com/evalclip/evalclip/kernels"
	"github.com/evalclip/evalclip/kernels/kerneltest"
)

func TestReference(t *testing.T) { kerneltest.Run(t, kernels.Reference(), kernels.FP32) }
func TestCPU(t *testing.T)       { kerneltest.Run(t, kernels.CPU(), kernels.FP32) }
func TestGoNaive(t *testing.T)   { kerneltest.Run(t, mustLookup(t, "go-naive"), kernels.FP32) }

// TestCPUBlocks runs the suite with blocks of 7 rows and 21 or 42 columns
// (the minimum), so that every case crosses row and column blocks, once
// with all keys normalised up front and once block by block.
func TestCPUBlocks(t *testing.T) {
	for _, keyCopy := range []int{1 << 26, 0} {
		restore := kernels.SetCPUBlocks(7, 150, keyCopy, 21)
		t.Run(map[bool]string{true: "keys-once", false: "keys-per-block"}[keyCopy > 0], func(t *testing.T) {
			kerneltest.Correctness(t, kernels.CPU(), kernels.FP32)
		})
		restore()
	}
}

func mustLookup(t *testing.T, name string) kernels.Scorer {
	t.Helper()
	s, err := kernels.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
