package reports

import (
	"math"
	"strings"
	"testing"
)

func TestDatasetKeyAndPaperMetric(t *testing.T) {
	for name, want := range map[string]string{"pets": "pets", "Oxford-IIIT Pet": "pets", "oxford_pets": "pets", "OxfordPets": "pets",
		"ImageNet 1k": "imagenet", "imagenet1k": "imagenet", "CIFAR-10": "cifar10", "digits": ""} {
		if got := DatasetKey(name); got != want {
			t.Errorf("DatasetKey(%q) = %q, want %q", name, got, want)
		}
	}
	if PaperMetric("Oxford-IIIT Pet") != MetricMeanPerClassRecall || PaperMetric("mnist") != MetricAcc1 || PaperMetric("digits") != MetricAcc1 {
		t.Error("paper metrics")
	}
	if DatasetTitle("pets") != "Oxford-IIIT Pets" || DatasetTitle("digits") != "digits" {
		t.Error("titles")
	}
}

func TestMetricDirection(t *testing.T) {
	for m, want := range map[string]bool{MetricAcc1: true, MetricGFLOPS: true, ThroughputImagesPerS: true,
		MetricMsMedian: false, MetricMaxAbsErr: false, "duration_s": false} {
		if HigherIsBetter(m) != want {
			t.Errorf("HigherIsBetter(%s) = %v", m, !want)
		}
	}
	if !IsAccuracy(MetricMeanPerClassRecall) || IsAccuracy(ThroughputImagesPerS) {
		t.Error("IsAccuracy")
	}
}

func TestGroupSeedsStat(t *testing.T) {
	recs := []Record{
		{Task: TaskLinearProbe, Model: "m", Dataset: "d", K: 4, Seed: 0, Metrics: Metrics{MetricAcc1: 0.5}},
		{Task: TaskLinearProbe, Model: "m", Dataset: "d", K: 4, Seed: 1, Metrics: Metrics{MetricAcc1: 0.7}},
		{Task: TaskLinearProbe, Model: "m", Dataset: "d", K: 4, Seed: 2, Metrics: Metrics{MetricAcc1: math.NaN()}},
		{Task: TaskLinearProbe, Model: "m", Dataset: "d", K: 8, Seed: 0, Metrics: Metrics{}},
		{Task: TaskLinearProbe, Model: "m", Dataset: "d", K: 4, Seed: 3, Error: "boom"},
		{Task: TaskKernel, Metrics: Metrics{MetricMsMedian: 1}},
		{Task: TaskLinearProbe, Model: "s", Dataset: "d", K: 4, Params: map[string]any{ParamSupervised: true}, Metrics: Metrics{MetricAcc1: 0.2}},
	}
	gs := GroupSeeds(recs)
	if len(gs) != 3 {
		t.Fatalf("%d groups", len(gs))
	}
	st := gs[0].Stat(MetricAcc1)
	if st.N != 2 || st.NaN != 1 || math.Abs(st.Mean-0.6) > 1e-12 || math.Abs(st.Std-math.Sqrt(0.02)) > 1e-12 {
		t.Errorf("stat %+v", st)
	}
	if st := gs[1].Stat(MetricAcc1); st.OK() || st.Missing != 1 || !math.IsNaN(st.Mean) {
		t.Errorf("missing metric: %+v", st)
	}
	if !gs[2].Supervised || gs[0].Supervised {
		t.Error("supervised flag")
	}
	if gs[0].ID() != "linear_probe/model=m/dataset=d/k=4" {
		t.Error(gs[0].ID())
	}
}

func TestCombineAndCheck(t *testing.T) {
	a := File{Path: "a.json", Records: []Record{
		{Task: TaskZeroShot, Model: "m", Dataset: "d", Metrics: Metrics{MetricAcc1: 0.5, MetricAcc5: math.NaN()}, Run: RunInfo{Suite: "s1", Version: "v1"}},
		{Task: TaskZeroShot, Model: "m", Dataset: "e", Metrics: Metrics{}, Run: RunInfo{Suite: "s1", Version: "v1"}},
		{Task: TaskZeroShot, Model: "m", Dataset: "f", Error: "disk on fire\nstack", Job: "zeroshot/model=m/dataset=f"},
	}}
	b := File{Path: "b.json", Records: []Record{{Task: TaskKernel, Metrics: Metrics{MetricMsMedian: 1}, Run: RunInfo{Suite: "s2", Version: "v2"}}}}
	recs, notes, err := Combine([]File{a, b})
	if err != nil || len(recs) != 4 {
		t.Fatalf("%v %d", err, len(recs))
	}
	all := strings.Join(notes, "\n")
	for _, want := range []string{"several suites: s1, s2", "several evalclip versions", "dataset=d/split=/k=0/seed=0: metric acc5 is NaN",
		"dataset=e/split=/k=0/seed=0: missing metric acc1", "zeroshot/model=m/dataset=f: failed: disk on fire"} {
		if !strings.Contains(all, want) {
			t.Errorf("notes lack %q:\n%s", want, all)
		}
	}
	_, _, err = Combine([]File{a, a})
	if err == nil || !strings.Contains(err.Error(), "a.json: record 0 (zeroshot/model=m/dataset=d/split=/k=0/seed=0): measured twice, also in a.json record 0") {
		t.Errorf("duplicate: %v", err)
	}
}

func shardFile(path, shard, suite, hash string, jobs ...string) File {
	f := File{Path: path}
	for _, j := range jobs {
		f.Records = append(f.Records, Record{Task: TaskZeroShot, Model: "m", Dataset: j, Job: "zeroshot/model=m/dataset=" + j,
			Metrics: Metrics{MetricAcc1: 1}, Run: RunInfo{Suite: suite, ConfigHash: hash, Shard: shard}})
	}
	return f
}

func TestMerge(t *testing.T) {
	plan := []string{"zeroshot/model=m/dataset=a", "zeroshot/model=m/dataset=b", "zeroshot/model=m/dataset=c"}
	f0 := shardFile("s0.json", "0/2", "s", "h", "c", "a")
	f1 := shardFile("s1.json", "1/2", "s", "h", "b")
	recs, err := Merge([]File{f1, f0}, MergeOptions{Plan: plan})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Dataset)
	}
	if strings.Join(got, "") != "abc" {
		t.Errorf("order %v", got)
	}
	cases := []struct {
		files []File
		opt   MergeOptions
		want  string
	}{
		{[]File{f0, shardFile("x.json", "1/2", "other", "h", "b")}, MergeOptions{}, `x.json: record 0 (zeroshot/model=m/dataset=b/split=/k=0/seed=0): suite "other" (config h) does not match s0.json: suite "s" (config h)`},
		{[]File{f0, shardFile("x.json", "1/2", "s", "h2", "b")}, MergeOptions{}, "does not match"},
		{[]File{f0, f1, shardFile("again.json", "1/2", "s", "h", "b")}, MergeOptions{}, "job zeroshot/model=m/dataset=b also has records in s1.json"},
		{[]File{f0}, MergeOptions{}, "shards 1/2 have no records"},
		{[]File{f0, shardFile("x.json", "1/3", "s", "h", "b")}, MergeOptions{}, "split 3 ways, others were split 2 ways"},
		{[]File{f0, f1}, MergeOptions{Plan: append(plan, "zeroshot/model=m/dataset=d")}, "1 of 4 planned jobs have no records: zeroshot/model=m/dataset=d"},
		{[]File{f0, f1}, MergeOptions{Plan: plan[:2]}, `job "zeroshot/model=m/dataset=c" is not in the suite's plan`},
	}
	for _, c := range cases {
		if _, err := Merge(c.files, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
	if _, err := Merge([]File{f0}, MergeOptions{AllowPartial: true, Plan: plan}); err != nil {
		t.Errorf("partial: %v", err)
	}
	if _, _, err := ShardLabel("3/2"); err == nil {
		t.Error("shard label 3/2 accepted")
	}
}
