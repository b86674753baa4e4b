//go:build cgo

package onnx

import (
	"os"
	"sync"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/evalclip/evalclip/encoders/onnxrt"
)

// towerBenchEnv names an image tower ONNX file (input N x 3 x 224 x 224,
// output N x dim) for BenchmarkTowerSessionOptions, such as the random
// ViT-B/32 of tools/bench/vit_b32_random.py.
const towerBenchEnv = "EVALCLIP_BENCH_TOWER"

// BenchmarkTowerSessionOptions audits ONNX Runtime's CPU session options on
// a real-sized image tower: 64 images per operation, run as `concurrent`
// requests of 64/concurrent images, each on a session with intra-op
// threads `intra`, under each graph optimisation level, with the memory
// arena and memory patterns off, and with the intra-op pool's spinning off.
// The first configuration is what newSession does on a 2-core machine
// (one thread per request, one request per core). Skipped unless
// EVALCLIP_BENCH_TOWER is set.
func BenchmarkTowerSessionOptions(b *testing.B) {
	path := os.Getenv(towerBenchEnv)
	if path == "" {
		b.Skip(towerBenchEnv + " is not set (tools/bench/vit_b32_random.py export OUT.onnx makes a ViT-B/32-shaped tower)")
	}
	requireORTBench(b)
	type config struct {
		name                  string
		intra, concurrent     int
		level                 ort.GraphOptimizationLevel
		noArena, noMemPattern bool
		noSpin                bool
	}
	var all ort.GraphOptimizationLevel = ort.GraphOptimizationLevelEnableAll
	configs := []config{
		{name: "evalclip/intra=1/concurrent=2", intra: 1, concurrent: 2, level: all},
		{name: "intra=2/concurrent=1", intra: 2, concurrent: 1, level: all},
		{name: "intra=2/concurrent=1/nospin", intra: 2, concurrent: 1, level: all, noSpin: true},
		{name: "intra=2/concurrent=2", intra: 2, concurrent: 2, level: all},
		{name: "intra=1/concurrent=1", intra: 1, concurrent: 1, level: all},
		{name: "intra=1/concurrent=2/opt=disabled", intra: 1, concurrent: 2, level: ort.GraphOptimizationLevelDisableAll},
		{name: "intra=1/concurrent=2/opt=basic", intra: 1, concurrent: 2, level: ort.GraphOptimizationLevelEnableBasic},
		{name: "intra=1/concurrent=2/opt=extended", intra: 1, concurrent: 2, level: ort.GraphOptimizationLevelEnableExtended},
		{name: "intra=1/concurrent=2/noarena", intra: 1, concurrent: 2, level: all, noArena: true},
		{name: "intra=1/concurrent=2/nomempattern", intra: 1, concurrent: 2, level: all, noMemPattern: true},
	}
	const n = 64
	const per = 3 * 224 * 224
	pixels := make([]float32, n*per)
	for i := range pixels {
		pixels[i] = float32(i%251)/125 - 1
	}
	for _, c := range configs {
		b.Run(c.name, func(b *testing.B) {
			opts, err := ort.NewSessionOptions()
			if err != nil {
				b.Fatal(err)
			}
			defer opts.Destroy()
			must := func(err error) {
				if err != nil {
					b.Fatal(err)
				}
			}
			must(opts.SetIntraOpNumThreads(c.intra))
			must(opts.SetInterOpNumThreads(1))
			must(opts.SetGraphOptimizationLevel(c.level))
			if c.noArena {
				must(opts.SetCpuMemArena(false))
			}
			if c.noMemPattern {
				must(opts.SetMemPattern(false))
			}
			if c.noSpin {
				must(opts.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"))
			}
			inputs, outputs, err := ort.GetInputOutputInfo(path)
			if err != nil {
				b.Fatal(err)
			}
			sess, err := ort.NewDynamicAdvancedSession(path, []string{inputs[0].Name}, []string{outputs[0].Name}, opts)
			if err != nil {
				b.Fatal(err)
			}
			defer sess.Destroy()
			m := n / c.concurrent
			run := func(lo int) error {
				in, err := ort.NewTensor(ort.NewShape(int64(m), 3, 224, 224), pixels[lo*per:(lo+m)*per])
				if err != nil {
					return err
				}
				defer in.Destroy()
				out := []ort.Value{nil}
				if err := sess.Run([]ort.Value{in}, out); err != nil {
					return err
				}
				return out[0].Destroy()
			}
			if err := run(0); err != nil { // warm-up
				b.Fatal(err)
			}
			for b.Loop() {
				var wg sync.WaitGroup
				errs := make([]error, c.concurrent)
				for r := range c.concurrent {
					wg.Add(1)
					go func() {
						defer wg.Done()
						errs[r] = run(r * m)
					}()
				}
				wg.Wait()
				for _, err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "img/s")
		})
	}
}

// requireORTBench loads ONNX Runtime for a benchmark, or skips it.
func requireORTBench(b *testing.B) {
	b.Helper()
	if _, err := onnxrt.Ensure("", ""); err != nil {
		b.Skip(err)
	}
}
