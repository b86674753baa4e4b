package zoo

import (
	"math"
	"testing"
)

func TestFromRepo(t *testing.T) {
	for _, tc := range []struct{ repo, model, tag string }{
		{"immich-app/ViT-B-32__openai", "ViT-B-32", "openai"},
		{"immich-app/ViT-B-32__laion2b-s34b-b79k", "ViT-B-32", "laion2b_s34b_b79k"},
		{"immich-app/ViT-B-32__laion2b_e16", "ViT-B-32", "laion2b_e16"},
		{"xlm-roberta-large-ViT-H-14__frozen_laion5b_s13b_b90k", "xlm-roberta-large-ViT-H-14", "frozen_laion5b_s13b_b90k"},
	} {
		m, tag, ok := FromRepo(tc.repo)
		if !ok || m != tc.model || tag != tc.tag {
			t.Errorf("%s: %q %q %v", tc.repo, m, tag, ok)
		}
	}
	for _, bad := range []string{"openai/clip-vit-base-patch32", "org/__x", "org/x__", "org/a__b__c"} {
		if _, _, ok := FromRepo(bad); ok {
			t.Errorf("%s: parsed", bad)
		}
	}
}

func TestAll(t *testing.T) {
	all := All()
	if len(all) < 121 {
		t.Fatalf("%d models, want open_clip's 121 published pairs and more", len(all))
	}
	m, ok := Lookup("ViT-B-32", "laion2b-s34b-b79k")
	if !ok || m.Hub != "immich-app/ViT-B-32__laion2b-s34b-b79k" || math.Abs(m.ImageNet-0.6656) > 1e-9 {
		t.Errorf("ViT-B-32 laion2b: %+v", m)
	}
	m, ok = Lookup("ViT-B-32", "openai")
	if !ok || m.Hub != "immich-app/ViT-B-32__openai" || !(m.Average > 0.5) {
		t.Errorf("ViT-B-32 openai: %+v", m)
	}
	hubs, unpublished := 0, 0
	for _, m := range all {
		if m.Hub != "" {
			hubs++
		}
		if math.IsNaN(m.Average) {
			unpublished++
			if m.Hub == "" {
				t.Errorf("%s: neither published nor exported", m.Key())
			}
		}
	}
	if hubs != 53 || unpublished != 14 {
		t.Errorf("%d with a Hub export (want 53), %d without published results (want 14)", hubs, unpublished)
	}
}
