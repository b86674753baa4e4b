package kernels_test

import (
	"testing"

	"github.com/evalclip/evalclip/kernels"
	"github.com/evalclip/evalclip/kernels/kerneltest"
)

func TestReference(t *testing.T) { kerneltest.Run(t, kernels.Reference(), kernels.FP32) }
func TestCPU(t *testing.T)       { kerneltest.Run(t, kernels.CPU(), kernels.FP32) }
func TestGoNaive(t *testing.T)   { kerneltest.Run(t, mustLookup(t, "go-naive"), kernels.FP32) }

func mustLookup(t *testing.T, name string) kernels.Scorer {
	t.Helper()
	s, err := kernels.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
