package reports

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTop5RoundTrip: per-sample top-5 classes survive results.json, in
// 16-bit form up to 65,536 classes and 32-bit above; damaged ones are an
// inconsistency.
func TestTop5RoundTrip(t *testing.T) {
	for _, classes := range []int{10, 70000} {
		idx := []int32{3, 1, 0, 9, 2, 1, 0, 3, 2, 9}
		if classes > 10 {
			idx[4] = 69999
		}
		r := Record{Task: TaskZeroShot, NSamples: 2, Extra: map[string]any{ExtraTop5: EncodeTop5(idx, 5, classes)}}
		data, _ := json.Marshal(r)
		var back Record
		json.Unmarshal(data, &back)
		got, k, ok, err := back.Top5()
		if err != nil || !ok || k != 5 || len(got) != 10 || got[4] != idx[4] || got[9] != 9 {
			t.Errorf("%d classes: %v %d %v %v", classes, got, k, ok, err)
		}
	}
	bad := Record{Task: TaskZeroShot, NSamples: 3, Metrics: Metrics{}, Extra: map[string]any{ExtraTop5: EncodeTop5([]int32{1, 2}, 1, 10)}}
	if p := bad.Inconsistencies(); len(p) != 1 || !strings.Contains(p[0], `extra "top5"`) {
		t.Errorf("2 rows for 3 samples: %v", p)
	}
}
