package zoo

import (
	_ "embed"
	"math"
	"sort"
	"strings"

	"github.com/evalclip/evalclip/reports/baselines"
)

//go:embed immich.txt
var immichList string

// HubOrg is the organisation whose repositories hold the ONNX exports.
const HubOrg = "immich-app"

// Model is one open_clip model/pretrained pair.
type Model struct {
	// OpenCLIP and Pretrained are open_clip's names ("ViT-B-32",
	// "laion2b_s34b_b79k").
	OpenCLIP, Pretrained string
	// Hub is the repository with its ONNX export
	// ("immich-app/ViT-B-32__laion2b-s34b-b79k"); "" when none is known
	// (export it with tools/export/open_clip_to_onnx.py).
	Hub string
	// ParamsM, FLOPsB, Average and ImageNet are open_clip's published
	// numbers (Average over its 38 datasets, ImageNet zero-shot top-1, as
	// fractions); NaN when the pair has no published results.
	ParamsM, FLOPsB, Average, ImageNet float64
}

// Key is "model,pretrained" as open_clip and CLIP_benchmark write it.
func (m Model) Key() string { return m.OpenCLIP + "," + m.Pretrained }

// cleanTag is open_clip's normalisation of a pretrained tag.
func cleanTag(tag string) string { return strings.ReplaceAll(strings.ToLower(tag), "-", "_") }

// FromRepo returns the open_clip model and pretrained tag an immich-style
// repository ("org/<model>__<tag>") exports; ok is false for other names.
func FromRepo(repoID string) (model, pretrained string, ok bool) {
	name := repoID
	if i := strings.LastIndex(repoID, "/"); i >= 0 {
		name = repoID[i+1:]
	}
	model, tag, found := strings.Cut(name, "__")
	if !found || model == "" || tag == "" || strings.Contains(tag, "__") {
		return "", "", false
	}
	return model, cleanTag(tag), true
}

// All lists the published pairs (best average first) followed by the
// exported pairs open_clip has not published results for (by name).
func All() []Model {
	repos := map[string]string{} // model,cleaned tag -> repo
	var order []string
	for _, l := range strings.Split(immichList, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		m, t, ok := FromRepo(l)
		if !ok {
			continue
		}
		k := m + "," + t
		repos[k] = HubOrg + "/" + l
		order = append(order, k)
	}
	var out []Model
	seen := map[string]bool{}
	for _, p := range baselines.OpenCLIPModels() {
		m := Model{OpenCLIP: p.Model, Pretrained: p.Pretrained, ParamsM: p.ParamsM, FLOPsB: p.FLOPsB,
			Average: p.Average, ImageNet: p.ImageNet}
		m.Hub = repos[m.OpenCLIP+","+cleanTag(m.Pretrained)]
		seen[m.OpenCLIP+","+cleanTag(m.Pretrained)] = true
		out = append(out, m)
	}
	var rest []Model
	for _, k := range order {
		if seen[k] {
			continue
		}
		m, t, _ := strings.Cut(k, ",")
		rest = append(rest, Model{OpenCLIP: m, Pretrained: t, Hub: repos[k],
			ParamsM: math.NaN(), FLOPsB: math.NaN(), Average: math.NaN(), ImageNet: math.NaN()})
	}
	sort.SliceStable(rest, func(a, b int) bool { return rest[a].Key() < rest[b].Key() })
	return append(out, rest...)
}

// Lookup finds a pair by open_clip names (the tag in either spelling).
func Lookup(model, pretrained string) (Model, bool) {
	for _, m := range All() {
		if m.OpenCLIP == model && cleanTag(m.Pretrained) == cleanTag(pretrained) {
			return m, true
		}
	}
	return Model{}, false
}
