package baselines

import (
	"math"
	"testing"

	"github.com/evalclip/evalclip/reports"
)

func TestPaperNumbers(t *testing.T) {
	// Spot checks against the CLIP paper (Radford et al. 2021): Table 11
	// zero-shot, Table 10 linear probe, Table 2 humans.
	cases := []struct {
		model, dataset, protocol string
		want                     float64
	}{
		{"ViT-B/32", "imagenet", ZeroShot, 0.632},
		{"ViT-B-32", "ImageNet", ZeroShot, 0.632},
		{"RN50", "pets", ZeroShot, 0.854},
		{"ViT-L/14@336px", "Oxford-IIIT Pet", ZeroShot, 0.935},
		{"ViT-L-14-336", "pets", ZeroShot, 0.935},
		{"RN50", "mnist", ZeroShot, 0.666},
		{ResNet50, "imagenet", LinearProbe, 0.743},
		{ResNet50, "mnist", LinearProbe, 0.983},
		{ResNet50, "imagenet", Supervised, 0.7613},
		{"ViT-L/14@336px", "imagenet", LinearProbe, 0.854},
	}
	for _, c := range cases {
		e, ok := Find(Paper(), c.model, c.dataset, c.protocol)
		if !ok || math.Abs(e.Value-c.want) > 1e-9 {
			t.Errorf("%s %s %s = %v %v, want %v", c.model, c.dataset, c.protocol, e.Value, ok, c.want)
		}
		if ok && e.Source == "" {
			t.Errorf("%s %s: no source", c.model, c.dataset)
		}
	}
	if e, _ := Find(Paper(), "RN50", "pets", ZeroShot); e.Metric != reports.MetricMeanPerClassRecall {
		t.Errorf("pets metric %q", e.Metric)
	}
	h := Humans()
	if len(h) != 3 || h[0].Value != 0.537 || h[1].Value != 0.757 || h[2].Value != 0.757 {
		t.Errorf("humans %+v", h)
	}
	if r, ok := SupervisedProbe("pets"); !ok || r.Value != 0.924 {
		t.Errorf("ResNet-50 probe on pets: %v %v", r, ok)
	}
}

func TestNoBaseline(t *testing.T) {
	for _, c := range [][2]string{{"tinyclip", "pets"}, {"ViT-B/32", "digits"}, {"", "pets"}, {"ViT-B-32-laion2b_s34b_b79k", "mnist"}} {
		if e, ok := Find(Paper(), c[0], c[1], ZeroShot); ok {
			t.Errorf("%v: found %+v", c, e)
		}
	}
	if _, ok := SupervisedReference(nil, "digits"); ok {
		t.Error("supervised reference for digits")
	}
}

func TestOpenCLIP(t *testing.T) {
	e, ok := Find(OpenCLIP(), "ViT-B-32", "imagenet", ZeroShot)
	if !ok || e.Value != 0.6332 || e.Pretrained != "openai" {
		t.Errorf("openai ViT-B-32: %+v %v", e, ok)
	}
	e, ok = Find(OpenCLIP(), "ViT-B-32-laion2b_s34b_b79k", "imagenet", ZeroShot)
	if !ok || e.Pretrained != "laion2b_s34b_b79k" || e.Value < 0.6 {
		t.Errorf("laion ViT-B-32: %+v %v", e, ok)
	}
	if e, _ := Find(OpenCLIP(), "RN50", "pets", ZeroShot); e.Metric != reports.MetricMeanPerClassRecall || e.Value != 0.8529 {
		t.Errorf("RN50 pets: %+v", e)
	}
	if len(OpenCLIP()) < 121*8 {
		t.Errorf("only %d open_clip entries", len(OpenCLIP()))
	}
}

func TestSupervisedReferencePrefersUserProbe(t *testing.T) {
	recs := []reports.Record{
		{Task: reports.TaskLinearProbe, Model: "r50", Dataset: "mnist", K: 0, Seed: 0, Params: map[string]any{reports.ParamSupervised: true}, Metrics: reports.Metrics{"acc1": 0.9}},
		{Task: reports.TaskLinearProbe, Model: "r50", Dataset: "mnist", K: 0, Seed: 1, Params: map[string]any{reports.ParamSupervised: true}, Metrics: reports.Metrics{"acc1": 0.8}},
		{Task: reports.TaskLinearProbe, Model: "r50", Dataset: "mnist", K: 4, Params: map[string]any{reports.ParamSupervised: true}, Metrics: reports.Metrics{"acc1": 0.1}},
	}
	ref, ok := SupervisedReference(reports.GroupSeeds(recs), "mnist")
	if !ok || !ref.User || math.Abs(ref.Value-0.85) > 1e-12 || ref.Label != "linear probe r50 (supervised)" {
		t.Errorf("%+v", ref)
	}
	ref, ok = SupervisedReference(reports.GroupSeeds(recs[2:]), "mnist")
	if !ok || ref.User || ref.Value != 0.983 {
		t.Errorf("paper fallback: %+v", ref)
	}
}

func TestModelKey(t *testing.T) {
	for _, c := range [][2]string{{"ViT-B/32", "vitb32"}, {"vit_b_32", "vitb32"}, {"ViT-L/14@336px", "vitl14336"}, {"RN50-quickgelu", "rn50"}, {"RN50-openai", "rn50"}} {
		if got := ModelKey(c[0]); got != c[1] {
			t.Errorf("ModelKey(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}
