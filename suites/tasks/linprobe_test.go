package tasks

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

func TestLinearProbeTinyModel(t *testing.T) {
	requireORT(t)
	s := writeSuite(t, tinyModel(), "")
	// Replace the zero-shot task by a probe over 1 and 4 shots and full data.
	yes := true
	s.Tasks = []suites.Task{{Type: TypeLinearProbe, Config: &LinearProbe{Shots: []int{1, 4, 0}, Seeds: []int{0, 1}, Normalize: &yes}}}
	env := newEnv(s, io.Discard)
	jobs := suites.Plan(s)
	if len(jobs) != 6 {
		t.Fatalf("%d jobs", len(jobs))
	}
	acc := map[string]float64{}
	for i := range jobs {
		recs, err := LinearProbe{}.Run(context.Background(), env, &jobs[i])
		if err != nil {
			t.Fatalf("%s: %v", jobs[i].ID, err)
		}
		r := recs[0]
		acc[jobs[i].ID] = r.Metrics[reports.MetricAcc1]
		if r.NSamples != 602 || r.Params[reports.ParamC].(float64) <= 0 || len(r.Extra[reports.ExtraCorrect].(string)) != 602 {
			t.Errorf("%s: record %+v", jobs[i].ID, r.Params)
		}
		// The image pipeline's rates and stage times over the train and
		// test images it encoded (or their cached figures).
		for _, m := range []string{reports.ThroughputImagesPerS, reports.ThroughputTowerImagesPerS, reports.ThroughputEncodeS, reports.ThroughputDecodeS} {
			if !(r.Throughput[m] > 0) {
				t.Errorf("%s: throughput %s = %v, want > 0 (%v)", jobs[i].ID, m, r.Throughput[m], r.Throughput)
			}
		}
		// few-shot: k shots and min(k, 4) validation shots per class, C
		// cross-validated over both (2 folds for 1+1, 5 for 4+4)
		wantTrain := map[int]int{1: 20, 4: 80}[jobs[i].K]
		wantSel := map[int]string{0: "validation", 1: "2-fold cross-validation", 4: "5-fold cross-validation"}[jobs[i].K]
		if jobs[i].K > 0 && (r.Params["n_train"] != wantTrain || r.Params["n_val"] != 0) || r.Params["c_selection"] != wantSel {
			t.Errorf("%s: n_train %v n_val %v (want %d, 0), %v (want %s)", jobs[i].ID, r.Params["n_train"], r.Params["n_val"], wantTrain, r.Params["c_selection"], wantSel)
		}
	}
	full := acc["linear_probe/model=tiny/dataset=digits/k=0/seed=0"]
	one := acc["linear_probe/model=tiny/dataset=digits/k=1/seed=0"]
	if full < 0.9 || one < 0.5 || one > full+0.02 {
		t.Errorf("accuracies %v", acc)
	}
	if acc["linear_probe/model=tiny/dataset=digits/k=1/seed=0"] == acc["linear_probe/model=tiny/dataset=digits/k=1/seed=1"] &&
		acc["linear_probe/model=tiny/dataset=digits/k=4/seed=0"] == acc["linear_probe/model=tiny/dataset=digits/k=4/seed=1"] {
		t.Errorf("seeds gave identical few-shot results: %v", acc)
	}
}

func TestLinearProbeSupervisedAndErrors(t *testing.T) {
	s := writeSuite(t, "[[models]]\nname = \"rn\"\nbackend = \"fake\"\nsupervised = true\n", "")
	yes := true
	s.Tasks = []suites.Task{{Type: TypeLinearProbe, Config: &LinearProbe{Shots: []int{2}, Seeds: []int{0}, Normalize: &yes}}}
	s.Datasets[0].Limit = 0
	env := newEnv(s, io.Discard)
	job := &suites.Plan(s)[0]
	recs, err := LinearProbe{}.Run(context.Background(), env, job)
	if err != nil {
		t.Fatal(err)
	}
	if recs[0].Params[reports.ParamSupervised] != true {
		t.Errorf("supervised flag missing: %v", recs[0].Params)
	}
	// More shots than the smallest class has.
	job.K = 500
	_, err = LinearProbe{}.Run(context.Background(), env, job)
	if err == nil || !strings.Contains(err.Error(), "dataset digits/train") {
		t.Errorf("k too large: %v", err)
	}
}
