package tables

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/reports"
)

// TestLeaderboard pivots evalclip and CLIP_benchmark records into one
// model x dataset table: the two formats meet by match key, seeds are
// averaged, and ranks skip models missing a dataset.
func TestLeaderboard(t *testing.T) {
	cb, err := reports.ReadFiles([]string{filepath.Join("..", "..", "testdata", "clip_benchmark", "files")})
	if err != nil {
		t.Fatal(err)
	}
	recs := cb[0].Records
	add := func(model, openclip, tag, dataset string, seed int, acc float64) {
		recs = append(recs, reports.Record{Task: reports.TaskZeroShot, Model: model, Dataset: dataset, Split: "test", Seed: seed, Job: model + dataset + string(rune('0'+seed)),
			Metrics: reports.Metrics{reports.MetricAcc1: acc}, Run: reports.RunInfo{OpenCLIP: openclip, Pretrained: tag}})
	}
	add("mine", "ViT-B-32", "laion2b_s34b_b79k", "binary_toy", 0, 0.5) // meets the CLIP_benchmark row
	add("other", "", "", "vtab/pets", 0, 0.8)
	add("other", "", "", "vtab/pets", 1, 0.9)
	add("other", "", "", "binary_toy", 0, 0.7)
	tb, err := Leaderboard(recs, LeaderboardOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	WriteCSV(&b, tb)
	got := b.String()
	for _, line := range []string{
		"model,binary_toy_pct,vtab/pets_pct,average_pct,datasets,rank,mean_rank",
		"other,70,85,77.5,2,1,2",                                   // binary_toy rank 2, vtab/pets rank 2
		"ViT-B-32__laion2b_s34b_b79k,50,90.542382,70.271191,2,2,2", // ranks 3 and 1
		"ViT-B-32__epoch_32,75,,75,1,,1",                           // one dataset: not ranked by average
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("no line %q in\n%s", line, got)
		}
	}
	if i, j := strings.Index(got, "other,"), strings.Index(got, "ViT-B-32__laion"); i > j {
		t.Errorf("rows not ordered by average:\n%s", got)
	}
	add("other", "", "", "binary_toy", 0, 0.7)
	if _, err := Leaderboard(recs, LeaderboardOptions{}); err == nil || !strings.Contains(err.Error(), "measured twice") {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := Leaderboard(recs, LeaderboardOptions{Task: reports.TaskLinearProbe, K: 4}); err == nil {
		t.Error("no 4-shot records: no error")
	}
}
