//go:build (cuda || cudaemu) && cgo

package kernels_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/kernels"
	"github.com/evalclip/evalclip/kernels/internal/cudrv"
	"github.com/evalclip/evalclip/kernels/kerneltest"
)

// These tests need a GPU (compute capability 8.0 or newer): every CUDA
// implementation in every dtype against the float64 reference.

func TestCUDANaiveFP32(t *testing.T) {
	kerneltest.Run(t, lookupDT(t, "cuda-naive", kernels.FP32), kernels.FP32)
}
func TestCUDATiledFP32(t *testing.T) {
	kerneltest.Run(t, lookupDT(t, "cuda-tiled", kernels.FP32), kernels.FP32)
}
func TestCUDAMMATF32(t *testing.T) {
	kerneltest.Run(t, lookupDT(t, "cuda-mma", kernels.TF32), kernels.TF32)
}
func TestCUDAMMAFP16(t *testing.T) {
	kerneltest.Run(t, lookupDT(t, "cuda-mma", kernels.FP16), kernels.FP16)
}
func TestCUDAMMABF16(t *testing.T) {
	kerneltest.Run(t, lookupDT(t, "cuda-mma", kernels.BF16), kernels.BF16)
}
func TestCUDAFusedFP32(t *testing.T) {
	kerneltest.Run(t, lookupDT(t, "cuda-fused", kernels.FP32), kernels.FP32)
}
func TestCUDAFusedTF32(t *testing.T) {
	kerneltest.Run(t, lookupDT(t, "cuda-fused", kernels.TF32), kernels.TF32)
}
func TestCUDAFusedFP16(t *testing.T) {
	kerneltest.Run(t, lookupDT(t, "cuda-fused", kernels.FP16), kernels.FP16)
}
func TestCUDAFusedBF16(t *testing.T) {
	kerneltest.Run(t, lookupDT(t, "cuda-fused", kernels.BF16), kernels.BF16)
}

func lookupDT(t *testing.T, name string, dt kernels.DType) kernels.Scorer {
	t.Helper()
	s, err := kernels.LookupDType(name, dt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCUDAFusedSplits runs the fused kernels where the columns are split
// over blocks (few rows, many columns) and merged, and with k = 9..16
// (the 16-entry lists).
func TestCUDAFusedSplits(t *testing.T) {
	for _, dt := range []kernels.DType{kernels.FP32, kernels.FP16} {
		s := lookupDT(t, "cuda-fused", dt)
		for _, c := range []kerneltest.Case{
			{N: 3, C: 100000, D: 64, K: 10, Normalize: true},
			{N: 200, C: 20000, D: 96, K: 16, Normalize: true, Scale: 100, Ties: true},
			{N: 129, C: 4097, D: 40, K: 9, WantLogits: true},
		} {
			t.Run(string(dt)+"/"+c.String(), func(t *testing.T) {
				p := kerneltest.NewProblem(newRand(t), c)
				rp := *p
				rp.WantLogits = true
				ref, err := kernels.Reference().Score(context.Background(), &rp)
				if err != nil {
					t.Fatal(err)
				}
				got := kerneltest.Poisoned(p)
				if err := kernels.ScoreInto(context.Background(), s, p, got); err != nil {
					t.Fatal(err)
				}
				if _, err := kerneltest.Compare(p, dt, ref, got); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestCUDAMeasure times a small problem with CUDA events and checks the
// device peaks.
func TestCUDAMeasure(t *testing.T) {
	s := lookupDT(t, "cuda-fused", kernels.FP16)
	m, err := kernels.Measure(context.Background(), s, kernels.FP16,
		kernels.MeasureConfig{N: 1000, C: 1000, D: 128, K: 5, Normalize: true, Reps: 5, Warmup: 2, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Timer != "CUDA events" || m.Device == "" || m.Device == "cpu" || len(m.TimesMs) != 5 || m.MsMin <= 0 {
		t.Errorf("measurement %+v", m)
	}
	im, err := kernels.Describe("cuda-fused")
	if err != nil {
		t.Fatal(err)
	}
	p, err := kernels.MeasurePeaks(context.Background(), im, kernels.FP16)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: peaks %.0f GFLOP/s, %.0f GB/s (%s)", m.Device, p.GFLOPS, p.GBPS, p.Method)
	if !strings.Contains(p.Method, "gemm_mma_f16") || p.GFLOPS <= 0 || p.GBPS <= 0 {
		t.Errorf("peaks %+v", p)
	}
	if !cudrv.Emulated && (p.GFLOPS < 1000 || p.GBPS < 100) {
		t.Errorf("implausible peaks %+v", p)
	}
}

// newRand returns a generator seeded by kerneltest.Seed (logged).
func newRand(t *testing.T) *rand.Rand {
	seed := kerneltest.Seed(t)
	t.Logf("seed %d (replay with EVALCLIP_KERNELTEST_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, 1))
}

// TestCUDAScoreDevice scores inputs already in GPU memory with every CUDA
// implementation in every dtype.
func TestCUDAScoreDevice(t *testing.T) {
	c := kerneltest.Case{N: 70, C: 300, D: 48, K: 7, Normalize: true, Scale: 100, WantLogits: true, Ties: true}
	p := kerneltest.NewProblem(newRand(t), c)
	rp := *p
	ref, err := kernels.Reference().Score(context.Background(), &rp)
	if err != nil {
		t.Fatal(err)
	}
	q, err := kernels.ToDevice(p.Queries)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Free()
	k, err := kernels.ToDevice(p.Keys)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Free()
	dp := &kernels.DeviceProblem{Queries: q.Ptr, Keys: k.Ptr, N: p.N, C: p.C, D: p.D, K: p.K, Normalize: true, Scale: 100, WantLogits: true}
	for _, im := range kernels.Impls() {
		if im.Device != kernels.DeviceCUDA {
			continue
		}
		for _, dt := range im.DTypes {
			s := lookupDT(t, im.Name, dt)
			ds, ok := s.(kernels.DeviceScorer)
			if !ok {
				t.Fatalf("%s is not a DeviceScorer", s.Name())
			}
			got := kerneltest.Poisoned(p)
			if err := ds.ScoreDevice(context.Background(), dp, got); err != nil {
				t.Fatalf("%s: %v", s.Name(), err)
			}
			if _, err := kerneltest.Compare(p, dt, ref, got); err != nil {
				t.Errorf("%s: %v", s.Name(), err)
			}
		}
	}
	bad := *dp
	bad.K = 17
	if err := lookupDT(t, "cuda-fused", kernels.FP16).(kernels.DeviceScorer).ScoreDevice(context.Background(), &bad, kerneltest.Poisoned(p)); err == nil ||
		!strings.Contains(err.Error(), "keeps at most 16 scores per row") {
		t.Errorf("K = 17: error %v", err)
	}
}
