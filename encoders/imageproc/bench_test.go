package imageproc

import (
	"context"
	"fmt"
	"image"
	"runtime"
	"testing"
)

// bytesSource decodes the same encoded image n times.
type bytesSource struct {
	data []byte
	n    int
}

func (s bytesSource) Len() int                       { return s.n }
func (s bytesSource) Image(int) (image.Image, error) { return Decode(s.data) }

// BenchmarkDecodePreprocess measures decode + CLIP preprocessing at 224
// (OpenAI defaults) through Stream, on one worker and on all cores.
// Compare with tools/bench/pillow_preprocess.py on the same files (see
// docs/BENCHMARKS.md).
func BenchmarkDecodePreprocess(b *testing.B) {
	for _, name := range []string{"photo-500x375.jpg", "photo-1920x1080.jpg"} {
		data := readFixture(b, name)
		counts := []int{1}
		if n := runtime.GOMAXPROCS(0); n > 1 {
			counts = append(counts, n)
		}
		for _, workers := range counts {
			b.Run(fmt.Sprintf("image=%s/workers=%d", name, workers), func(b *testing.B) {
				src := bytesSource{data: data, n: b.N}
				c := Default()
				b.ResetTimer()
				_, err := Stream(context.Background(), src, c, StreamOptions{BatchSize: 16, Workers: workers}, func(Batch) error { return nil })
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "img/s")
			})
		}
	}
}

// BenchmarkStages separates decoding from resizing on one core.
func BenchmarkStages(b *testing.B) {
	for _, name := range []string{"photo-500x375.jpg", "photo-1920x1080.jpg"} {
		data := readFixture(b, name)
		img, err := Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("decode/image="+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Decode(data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "img/s")
		})
		b.Run("preprocess/image="+name, func(b *testing.B) {
			c := Default()
			dst := make([]float32, c.PixelsPerImage())
			for i := 0; i < b.N; i++ {
				if err := c.Preprocess(img, dst); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "img/s")
		})
	}
}
