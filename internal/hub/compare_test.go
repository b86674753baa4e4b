package hub_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/evalclip/evalclip/internal/hub"
	"github.com/evalclip/evalclip/internal/hub/hubtest"
)

const compareScript = `
import sys, time
from huggingface_hub import hf_hub_download, snapshot_download
what = sys.argv[1]
t = time.perf_counter()
if what == "file":
    hf_hub_download("org/m", "visual/model.onnx")
else:
    snapshot_download("org/d", repo_type="dataset")
print(time.perf_counter() - t)
`

// TestCompareDownloadsWithHuggingfaceHub times evalclip and huggingface_hub
// fetching the same files from the same loopback Hub into fresh caches,
// in interleaved rounds (medians reported; docs/BENCHMARKS.md):
//
//	EVALCLIP_HF_HUB_SRC=.../huggingface_hub/src EVALCLIP_HUB_ROUNDS=7 go test -run CompareDownloads -v ./internal/hub
//
// Python's start-up and imports are outside its timing.
func TestCompareDownloadsWithHuggingfaceHub(t *testing.T) {
	if os.Getenv("EVALCLIP_HF_HUB_SRC") == "" {
		t.Skip("set EVALCLIP_HF_HUB_SRC to huggingface_hub's src folder")
	}
	rounds, _ := strconv.Atoi(os.Getenv("EVALCLIP_HUB_ROUNDS"))
	if rounds <= 0 {
		rounds = 5
	}
	s := hubtest.New(t)
	const fileSize = 256 << 20
	s.AddRepo(hubtest.Model, "org/m", map[string][]byte{"visual/model.onnx": big(fileSize)}, hubtest.Access{})
	shards := map[string][]byte{}
	var paths []string
	for i := 0; i < 100; i++ {
		p := fmt.Sprintf("test/%d.tar", i)
		shards[p] = big(1 << 20)
		shards[p][0], shards[p][1] = byte(i), byte(i>>8)
		paths = append(paths, p)
	}
	s.AddRepo(hubtest.Dataset, "org/d", shards, hubtest.Access{})
	py := os.Getenv("EVALCLIP_PYTHON")
	if py == "" {
		py = "python3"
	}
	pyTime := func(what string) float64 {
		cache := t.TempDir()
		cmd := exec.Command(py, "-c", compareScript, what)
		cmd.Env = append(os.Environ(), "PYTHONPATH="+os.Getenv("EVALCLIP_HF_HUB_SRC"), "HF_ENDPOINT="+s.URL, "HF_HUB_CACHE="+cache,
			"HF_HOME="+filepath.Join(cache, "home"), "HF_HUB_DISABLE_TELEMETRY=1", "HF_HUB_DISABLE_PROGRESS_BARS=1", "HF_TOKEN=")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("huggingface_hub: %v", err)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	goTime := func(what string) float64 {
		c := hub.New(hub.Config{Endpoint: s.URL, CacheDir: t.TempDir(), MetadataTimeout: 10 * time.Second, DownloadTimeout: 10 * time.Second})
		start := time.Now()
		var err error
		if what == "file" {
			_, err = c.Download(context.Background(), hub.Repo{Type: hub.Model, ID: "org/m"}, "main", "visual/model.onnx")
		} else {
			var info *hub.RepoInfo
			if info, err = c.Resolve(context.Background(), hub.Repo{Type: hub.Dataset, ID: "org/d"}, "main"); err == nil {
				_, err = c.Fetch(context.Background(), info, paths)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		return time.Since(start).Seconds()
	}
	median := func(v []float64) float64 {
		sort.Float64s(v)
		return v[len(v)/2]
	}
	for _, what := range []string{"file", "snapshot"} {
		var ev, hf []float64
		for r := 0; r < rounds; r++ {
			ev = append(ev, goTime(what))
			hf = append(hf, pyTime(what))
		}
		mb := float64(fileSize) / 1e6
		if what == "snapshot" {
			mb = 100 * float64(1<<20) / 1e6
		}
		e, h := median(ev), median(hf)
		t.Logf("%s (%.0f MB): evalclip median %.3f s (%.0f MB/s), huggingface_hub %.3f s (%.0f MB/s), ratio %.2fx; rounds evalclip %.3f, huggingface_hub %.3f",
			what, mb, e, mb/e, h, mb/h, h/e, ev, hf)
	}
}
