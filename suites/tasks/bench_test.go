package tasks

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

// BenchmarkZeroShot times the whole zero-shot task (read the IDX files,
// upsample 8x8 digits to 32x32 with the bicubic CLIP preprocessing, run the
// ONNX image tower, score, metrics) on the shipped tiny model and the 602
// test digits, with 1 and 2 cores (ONNX Runtime threads, decode workers and
// GOMAXPROCS). tools/bench/zeroshot_torch.py times the same task in PyTorch;
// docs/BENCHMARKS.md has both.
func BenchmarkZeroShot(b *testing.B) {
	if testing.Short() {
		b.Skip("short")
	}
	for _, cores := range []int{1, 2} {
		b.Run(fmt.Sprintf("cores=%d", cores), func(b *testing.B) {
			prev := runtime.GOMAXPROCS(cores)
			defer runtime.GOMAXPROCS(prev)
			dir := b.TempDir()
			a, _ := filepath.Abs(filepath.Join(repo, "testdata"))
			body := fmt.Sprintf(`name = "bench"
[runtime]
threads = %d
workers = %d
batch_size = 64
[[models]]
name = "tiny"
path = "%s/models/tinyclip-digits"
[[datasets]]
name = "digits"
format = "mnist"
path = "%s/datasets/digits"
prompts = "mnist"
[[tasks]]
type = "zeroshot"
`, cores, cores, a, a)
			p := filepath.Join(dir, "bench.toml")
			os.WriteFile(p, []byte(body), 0o644)
			s, err := suites.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			job := &suites.Plan(s)[0]
			env := &suites.Env{Suite: s, Log: io.Discard, Progress: nopProgress{}, NoCache: true}
			ctx := context.Background()
			if _, err := OpenModel(env, job.Model); err != nil {
				b.Skip(err)
			}
			var images, tower float64
			for b.Loop() {
				recs, err := (&ZeroShot{}).Run(ctx, env, job)
				if err != nil {
					b.Fatal(err)
				}
				images += float64(recs[0].NSamples)
				tower += float64(recs[0].NSamples) / recs[0].Throughput[reports.ThroughputTowerImagesPerS]
			}
			b.ReportMetric(images/b.Elapsed().Seconds(), "img/s")
			b.ReportMetric(images/tower, "tower-img/s")
		})
	}
}
