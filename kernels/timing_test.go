package kernels

import (
	"context"
	"strings"
	"testing"
)

func TestMeasureCPU(t *testing.T) {
	cfg := MeasureConfig{N: 300, C: 200, D: 32, K: 5, Normalize: true, Scale: 100, Reps: 5, Warmup: 2, Seed: 1, RotateBytes: 1 << 20}
	calls := 0
	m, err := Measure(context.Background(), CPU(), FP32, cfg, func(done, total int) {
		calls++
		if done != calls || total != 7 {
			t.Errorf("progress(%d, %d) at call %d, want total 7", done, total, calls)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Impl != "cpu" || m.DType != FP32 || m.Device != "cpu" || m.Timer != "wall clock" {
		t.Errorf("identity = %q %q %q %q", m.Impl, m.DType, m.Device, m.Timer)
	}
	if len(m.TimesMs) != 5 || m.MsMin > m.MsMedian || m.MsMin <= 0 {
		t.Errorf("times %v, min %v, median %v", m.TimesMs, m.MsMin, m.MsMedian)
	}
	// (300+200)*32*4 bytes per set: 1 MiB of rotation holds 16, capped.
	if m.Rotations != MaxRotations {
		t.Errorf("rotations = %d, want %d", m.Rotations, MaxRotations)
	}
	wantGF := 2 * 300 * 200 * 32 / m.MsMedian / 1e6
	if d := m.GFLOPS - wantGF; d > 1e-9*wantGF || d < -1e-9*wantGF {
		t.Errorf("GFLOPS = %v, want %v", m.GFLOPS, wantGF)
	}
	if m.CheckedRows != 300 || m.MaxAbsErr <= 0 || m.MaxAbsErr > 1e-3 {
		t.Errorf("checked %d rows, max abs error %v", m.CheckedRows, m.MaxAbsErr)
	}
}

// wrongScorer returns the reference's answer with row 2's best index
// replaced by its worst.
type wrongScorer struct{}

func (wrongScorer) Name() string { return "wrong" }
func (wrongScorer) Score(ctx context.Context, p *Problem) (*Result, error) {
	r, err := Reference().Score(ctx, p)
	if err != nil {
		return nil, err
	}
	r.Index[2*p.K] = r.Index[2*p.K+p.K-1] ^ 1
	return r, nil
}

func TestMeasureRejectsWrongResults(t *testing.T) {
	cfg := MeasureConfig{N: 40, C: 30, D: 8, K: 3, Reps: 1, Seed: 2}
	_, err := Measure(context.Background(), wrongScorer{}, FP32, cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "wrong result against the float64 reference") {
		t.Fatalf("error %v, want a wrong-result error", err)
	}
}

func TestCheckRowsSpread(t *testing.T) {
	p := &Problem{N: 1000, C: 10, D: 4, K: 2, Queries: RandomEmbeddings(1000, 4, 1), Keys: RandomEmbeddings(10, 4, 2)}
	ref, err := Reference().Score(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	_, rows, err := checkRows(context.Background(), p, FP32, ref, 2*10*4*7)
	if err != nil || rows != 7 {
		t.Fatalf("checkRows = %d rows, %v; want 7, nil", rows, err)
	}
	// The last row must be among those checked: break it.
	ref.Index[999*2], ref.Index[999*2+1] = ref.Index[999*2+1], ref.Index[999*2]
	ref.Score[999*2], ref.Score[999*2+1] = ref.Score[999*2+1], ref.Score[999*2]
	if _, _, err := checkRows(context.Background(), p, FP32, ref, 2*10*4*7); err == nil {
		t.Fatal("a broken last row was not caught")
	}
}

func TestMeasurePeaksCPU(t *testing.T) {
	defer func(g, c int) { cpuPeakGemm, cpuPeakCopy = g, c }(cpuPeakGemm, cpuPeakCopy)
	cpuPeakGemm, cpuPeakCopy = 128, 1<<20
	im, err := Describe("cpu")
	if err != nil {
		t.Fatal(err)
	}
	p, err := MeasurePeaks(context.Background(), im, FP32)
	if err != nil {
		t.Fatal(err)
	}
	if p.GFLOPS <= 0 || p.GBPS <= 0 || !strings.Contains(p.Method, "SGEMM 128³") {
		t.Fatalf("peaks %+v", p)
	}
	again, err := MeasurePeaks(context.Background(), im, FP32)
	if err != nil || again != p {
		t.Errorf("second MeasurePeaks = %+v, %v; want the cached %+v", again, err, p)
	}
	if _, err := MeasurePeaks(context.Background(), im, FP16); err == nil {
		t.Error("CPU peaks in fp16 did not fail")
	}
}

func TestRegistry(t *testing.T) {
	names := Names()
	for _, want := range []string{"cpu", "go-naive", "reference"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("Names() = %v, missing %q", names, want)
		}
	}
	if _, err := Lookup("nope"); err == nil || !strings.Contains(err.Error(), `unknown implementation "nope" (available: `) {
		t.Errorf("Lookup(nope): %v", err)
	}
	if _, err := Lookup("cpu/fp16"); err == nil || !strings.Contains(err.Error(), "cpu does not compute in fp16 (it supports fp32)") {
		t.Errorf("Lookup(cpu/fp16): %v", err)
	}
	if _, err := Lookup("cpu/fp8"); err == nil || !strings.Contains(err.Error(), `unknown dtype "fp8"`) {
		t.Errorf("Lookup(cpu/fp8): %v", err)
	}
	if s, err := Lookup("cpu/fp32"); err != nil || s.Name() != "cpu" {
		t.Errorf("Lookup(cpu/fp32) = %v, %v", s, err)
	}
}
