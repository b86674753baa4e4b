package reports

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sampleRecord() Record {
	return Record{
		Task: TaskZeroShot, Model: "tiny", Dataset: "digits", Split: "test",
		Metrics:    Metrics{MetricAcc1: 0.9, MetricAcc5: 1, MetricMeanPerClassRecall: math.NaN()},
		NSamples:   100,
		DurationS:  1.5,
		Throughput: Metrics{ThroughputImagesPerS: 66.7},
		Run: RunInfo{Version: "v0", Suite: "s", ConfigHash: "abc", Host: "h", Provider: "cpu",
			StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
}

func TestResultsRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), ResultsFile)
	in := []Record{sampleRecord()}
	if err := WriteResults(p, in); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(p)
	for _, want := range []string{`"task": "zeroshot"`, `"acc1": 0.9`, `"mean_per_class_recall": null`, `"k": 0`, `"evalclip_version": "v0"`, `"images_per_s": 66.7`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("results.json lacks %s:\n%s", want, raw)
		}
	}
	out, err := ReadResults(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].Metrics[MetricAcc1] != 0.9 || !math.IsNaN(out[0].Metrics[MetricMeanPerClassRecall]) {
		t.Fatalf("round trip: %+v", out)
	}
	if out[0].Key() != in[0].Key() {
		t.Errorf("key %v != %v", out[0].Key(), in[0].Key())
	}
}

func TestEmptyResultsIsArray(t *testing.T) {
	var b strings.Builder
	if err := EncodeResults(&b, nil); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(b.String()) != "[]" {
		t.Fatalf("got %q", b.String())
	}
}

func TestReadResultsRejectsForeignFiles(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"object.json":  `{"task":"zeroshot"}`,
		"unknown.json": `[{"task":"zeroshot","metrics":{},"surprise":1}]`,
		"notask.json":  `[{"metrics":{}}]`,
		"broken.json":  `[{"task":`,
	}
	for name, body := range cases {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := ReadResults(p); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want one naming the file", name, err)
		}
	}
}

func TestMetricsNullIsNaN(t *testing.T) {
	var m Metrics
	if err := json.Unmarshal([]byte(`{"a":null,"b":0.5}`), &m); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(m["a"]) || m["b"] != 0.5 {
		t.Fatalf("%v", m)
	}
}
