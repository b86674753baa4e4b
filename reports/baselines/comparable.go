package baselines

import (
	"fmt"
	"strings"

	"github.com/evalclip/evalclip/reports"
)

// OfficialTestSizes are the sample counts of the evaluation splits the
// published numbers were measured on (ImageNet: the 50,000 validation
// images; VTAB and CLIP_benchmark use the same test splits), by dataset key.
var OfficialTestSizes = map[string]int{
	"imagenet": 50000, "pets": 3669, "mnist": 10000, "svhn": 26032,
	"cifar10": 10000, "cifar100": 10000, "stl10": 8000, "food101": 25250,
	"cars": 8041, "aircraft": 3333, "dtd": 1880, "flowers": 6149,
	"gtsrb": 12630, "country211": 21100, "sst2": 1821, "pcam": 32768,
	"imagenetv2": 10000, "imagenet_sketch": 50889, "imagenet_a": 7500, "imagenet_r": 30000,
}

// Published finds the published number for a measurement, as set beside
// it: by the model's identity when the records know it (an OpenAI
// checkpoint for the CLIP paper, the exact open_clip pairing for
// open_clip's table), else by the model's name. why is empty when the
// numbers can be compared; otherwise it says why not (a limit, a fake
// backend, a subset of the official split, an unknown or different model
// identity), and the entry, when found, is returned so that tables can say
// which number was left out.
func Published(g *reports.Group, entries []Entry, protocol string) (e Entry, ok bool, why string) {
	if len(g.Records) == 0 {
		return Entry{}, false, ""
	}
	r := g.Records[0]
	model, tag := r.ModelIdentity()
	if model != "" && tag != "" {
		e, ok = findIdentity(entries, model, tag, g.Dataset, protocol)
		if !ok {
			return Entry{}, false, "" // no number for this model
		}
	} else {
		if e, ok = Find(entries, g.Model, g.Dataset, protocol); !ok {
			return Entry{}, false, ""
		}
	}
	var reasons []string
	if model == "" || tag == "" {
		reasons = append(reasons, "unknown model identity (a name alone; set open_clip and pretrained on the model, or pull it from the Hub)")
	}
	for _, rec := range g.Records {
		if b := rec.ParamString(reports.ParamBackend); b == "fake" {
			reasons = append(reasons, "fake backend")
			break
		}
	}
	for _, rec := range g.Records {
		if n := rec.ParamInt(reports.ParamLimit); n > 0 {
			reasons = append(reasons, fmt.Sprintf("limit = %d", n))
			break
		}
	}
	if size, known := OfficialTestSizes[reports.DatasetKey(g.Dataset)]; known && r.NSamples > 0 && r.NSamples != size {
		reasons = append(reasons, fmt.Sprintf("%d samples, the official test split has %d", r.NSamples, size))
	}
	return e, true, strings.Join(reasons, "; ")
}

// findIdentity finds a model by open_clip name and pretrained tag: the
// CLIP paper's entries are OpenAI's checkpoints (tag "openai"), open_clip's
// are matched on name and tag together.
func findIdentity(entries []Entry, model, tag, dataset, protocol string) (Entry, bool) {
	dk := reports.DatasetKey(dataset)
	if dk == "" {
		return Entry{}, false
	}
	mk := ModelKey(model)
	for _, e := range entries {
		if e.Dataset != dk || e.Protocol != protocol {
			continue
		}
		switch e.Origin {
		case OriginPaper:
			if strings.EqualFold(tag, "openai") && ModelKey(e.Model) == mk {
				return e, true
			}
		case OriginOpenCLIP:
			if ModelKey(e.Model) == mk && strings.EqualFold(e.Pretrained, tag) {
				return e, true
			}
		}
	}
	return Entry{}, false
}
