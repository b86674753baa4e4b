package hub_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/evalclip/evalclip/internal/hub"
	"github.com/evalclip/evalclip/internal/hub/hubtest"
)

// BenchmarkDownload fetches one LFS file through the loopback Hub and CDN
// into a fresh cache per iteration: HEAD, GET, sha256 check, rename, link.
func BenchmarkDownload(b *testing.B) {
	for _, size := range []int{1 << 20, 64 << 20} {
		b.Run(fmt.Sprintf("size=%dMiB", size>>20), func(b *testing.B) {
			s := hubtest.New(b)
			s.AddRepo(hubtest.Model, "org/m", map[string][]byte{"visual/model.onnx": big(size)}, hubtest.Access{})
			repo := hub.Repo{Type: hub.Model, ID: "org/m"}
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				c := hub.New(hub.Config{Endpoint: s.URL, CacheDir: b.TempDir(), MetadataTimeout: 10 * time.Second, DownloadTimeout: 10 * time.Second})
				b.StartTimer()
				if _, err := c.Download(context.Background(), repo, "main", "visual/model.onnx"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSnapshot pulls 64 shards of 256 KiB (a webdataset split) into
// a fresh cache per iteration: one API call, then a HEAD and a GET each.
func BenchmarkSnapshot(b *testing.B) {
	s := hubtest.New(b)
	files := map[string][]byte{}
	var paths []string
	for i := 0; i < 64; i++ {
		p := fmt.Sprintf("test/%d.tar", i)
		files[p] = big(256 << 10)
		files[p][0] = byte(i) // distinct shards: no blob is shared
		paths = append(paths, p)
	}
	s.AddRepo(hubtest.Dataset, "org/d", files, hubtest.Access{})
	repo := hub.Repo{Type: hub.Dataset, ID: "org/d"}
	b.SetBytes(64 * 256 << 10)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := hub.New(hub.Config{Endpoint: s.URL, CacheDir: b.TempDir(), MetadataTimeout: 10 * time.Second, DownloadTimeout: 10 * time.Second})
		b.StartTimer()
		info, err := c.Resolve(context.Background(), repo, "main")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Fetch(context.Background(), info, paths); err != nil {
			b.Fatal(err)
		}
	}
}
