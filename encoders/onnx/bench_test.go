//go:build cgo

package onnx

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/evalclip/evalclip/encoders"
)

// BenchmarkStaticBatch1 encodes 64 images with the static batch-1 fixture
// tower (testdata/models/layouts/openclip-static) using 1 and 2 concurrent
// single-threaded requests: a batch-1 export must not run one image at a
// time on one core.
func BenchmarkStaticBatch1(b *testing.B) {
	if testing.Short() {
		b.Skip("short")
	}
	path := filepath.Join(root, "layouts", "openclip-static")
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			prev := runtime.GOMAXPROCS(threads)
			defer runtime.GOMAXPROCS(prev)
			m, err := Open(encoders.Spec{Name: "static", Path: path}, encoders.Runtime{Threads: threads, BatchSize: 64})
			if err != nil {
				b.Skip(err)
			}
			defer m.Close()
			const n = 64
			px := make([]float32, n*m.Image().Preprocess().PixelsPerImage())
			for i := range px {
				px[i] = float32(i%255)/255 - 0.5
			}
			ctx := context.Background()
			for b.Loop() {
				if _, err := m.Image().EncodeImages(ctx, px, n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "img/s")
		})
	}
}
