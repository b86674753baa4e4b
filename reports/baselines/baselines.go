package baselines

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/evalclip/evalclip/reports"
)

//go:embed data/*.csv
var data embed.FS

// Protocols of baseline entries.
const (
	ZeroShot    = "zeroshot"     // zero-shot classification (CLIP paper Table 11, open_clip)
	Retrieval   = "retrieval"    // zero-shot image-text retrieval (open_clip's Flickr30k and MSCOCO recalls)
	LinearProbe = "linear_probe" // logistic regression on frozen features, all training data (Table 10)
	Supervised  = "supervised"   // trained on the dataset's labels (torchvision ResNet-50; humans shown labelled images)
)

// Origins of baseline entries.
const (
	OriginPaper    = "CLIP paper"
	OriginOpenCLIP = "open_clip"
)

// Names of special paper rows.
const (
	// ResNet50 is the supervised ImageNet ResNet-50 whose linear-probe scores
	// are behind the CLIP paper's Figure 5.
	ResNet50 = "ResNet-50 (supervised, ImageNet)"
	// HumanZeroShot, HumanOneShot and HumanTwoShot are the human Oxford-IIIT
	// Pets accuracies of the paper's Table 2.
	HumanZeroShot = "human (zero-shot)"
	HumanOneShot  = "human (one-shot)"
	HumanTwoShot  = "human (two-shot)"
	// PetsZeroShotModel is the CLIP model whose zero-shot Pets score (93.5)
	// Table 2 compares with humans.
	PetsZeroShotModel = "ViT-L/14@336px"
)

// Entry is one published number.
type Entry struct {
	Origin     string // OriginPaper or OriginOpenCLIP
	Model      string // as published: "ViT-B/32", "ViT-B-32"
	Pretrained string // open_clip weights tag ("openai", "laion2b_s34b_b79k"); "" for the paper
	Dataset    string // canonical dataset key (reports.DatasetKey)
	Protocol   string // ZeroShot, LinearProbe or Supervised
	Metric     string // reports.MetricAcc1 or reports.MetricMeanPerClassRecall
	Value      float64
	Source     string // where the number was read
}

// Label names the entry's model for legends: "CLIP paper ViT-B/32".
func (e Entry) Label() string {
	if e.Pretrained != "" && e.Pretrained != "openai" {
		return fmt.Sprintf("%s %s (%s)", e.Origin, e.Model, e.Pretrained)
	}
	return e.Origin + " " + e.Model
}

var (
	once              sync.Once
	paper, openclip   []Entry
	retrieval         []Entry
	models            []OpenCLIPModel
	errPaper, errOpen error
)

func load() {
	paper, errPaper = parsePaper("data/clip_paper.csv")
	openclip, errOpen = parseOpenCLIP("data/openclip.csv")
	if errOpen == nil {
		models, errOpen = parseOpenCLIPModels("data/openclip.csv")
	}
	if errOpen == nil {
		retrieval, errOpen = parseRetrieval("data/openclip_retrieval.csv")
	}
}

// OpenCLIPRetrieval returns open_clip's published retrieval recalls
// (Flickr30k and MSCOCO, both directions, R@1/5/10; Protocol Retrieval,
// Metric as records name it).
func OpenCLIPRetrieval() []Entry {
	once.Do(load)
	if errOpen != nil {
		panic(errOpen)
	}
	return retrieval
}

func parseRetrieval(name string) ([]Entry, error) {
	rows, err := readEmbedded(name)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for i, r := range rows[1:] {
		if len(r) != 5 {
			return nil, fmt.Errorf("%s: row %d: %d fields, want 5", name, i+1, len(r))
		}
		v, err := strconv.ParseFloat(r[4], 64)
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", name, i+1, err)
		}
		out = append(out, Entry{Origin: OriginOpenCLIP, Model: r[0], Pretrained: r[1], Dataset: r[2], Protocol: Retrieval,
			Metric: r[3], Value: v, Source: "mlfoundations/open_clip docs/openclip_retrieval_results.csv"})
	}
	return out, nil
}

// FindMetric is Find for one metric of a protocol with several
// (retrieval's recalls).
func FindMetric(entries []Entry, model, dataset, protocol, metric string) (Entry, bool) {
	mk, dk := ModelKey(model), reports.DatasetKey(dataset)
	if mk == "" || dk == "" {
		return Entry{}, false
	}
	for _, e := range entries {
		if e.Dataset != dk || e.Protocol != protocol || e.Metric != metric {
			continue
		}
		for _, k := range e.keys() {
			if k == mk {
				return e, true
			}
		}
	}
	return Entry{}, false
}

// OpenCLIPModel is one model/pretrained pair of open_clip's published
// results, with its size and its average over open_clip's 38 datasets.
type OpenCLIPModel struct {
	Model, Pretrained string
	ParamsM, FLOPsB   float64
	// Average is open_clip's "Average perf. on 38 datasets" (a fraction).
	Average float64
	// ImageNet is the zero-shot ImageNet-1k top-1 (a fraction; NaN when
	// not published).
	ImageNet float64
}

// OpenCLIPModels returns open_clip's published model/pretrained pairs, in
// the published order (best average first).
func OpenCLIPModels() []OpenCLIPModel {
	once.Do(load)
	if errOpen != nil {
		panic(errOpen)
	}
	return models
}

func parseOpenCLIPModels(name string) ([]OpenCLIPModel, error) {
	rows, err := readEmbedded(name)
	if err != nil {
		return nil, err
	}
	col := -1
	for j, h := range rows[0] {
		if h == "imagenet" {
			col = j
		}
	}
	num := func(row int, v string) (float64, error) {
		if v == "" {
			return math.NaN(), nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: row %d: %q: %w", name, row, v, err)
		}
		return f, nil
	}
	var out []OpenCLIPModel
	for i, r := range rows[1:] {
		m := OpenCLIPModel{Model: r[0], Pretrained: r[1]}
		for _, f := range []struct {
			v   string
			dst *float64
		}{{r[2], &m.ParamsM}, {r[3], &m.FLOPsB}, {r[4], &m.Average}} {
			if *f.dst, err = num(i+1, f.v); err != nil {
				return nil, err
			}
		}
		m.ImageNet = math.NaN()
		if col >= 0 {
			if m.ImageNet, err = num(i+1, r[col]); err != nil {
				return nil, err
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// Paper returns the CLIP paper's numbers: zero-shot and linear-probe
// scores of its nine CLIP models, the supervised ResNet-50 rows and the
// human Oxford-IIIT Pets accuracies.
func Paper() []Entry {
	once.Do(load)
	if errPaper != nil {
		panic(errPaper) // embedded data is checked by the tests
	}
	return paper
}

// OpenCLIP returns open_clip's published zero-shot results.
func OpenCLIP() []Entry {
	once.Do(load)
	if errOpen != nil {
		panic(errOpen)
	}
	return openclip
}

func readEmbedded(name string) ([][]string, error) {
	raw, err := data.ReadFile(name)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no data rows", name)
	}
	return rows, nil
}

func parsePaper(name string) ([]Entry, error) {
	rows, err := readEmbedded(name)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for i, r := range rows[1:] {
		if len(r) != 6 {
			return nil, fmt.Errorf("%s: row %d: %d fields, want 6", name, i+1, len(r))
		}
		pct, err := strconv.ParseFloat(r[4], 64)
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: percent %q: %w", name, i+1, r[4], err)
		}
		out = append(out, Entry{Origin: OriginPaper, Model: r[0], Dataset: r[1], Protocol: r[2], Metric: r[3],
			Value: pct / 100, Source: r[5]})
	}
	return out, nil
}

func parseOpenCLIP(name string) ([]Entry, error) {
	rows, err := readEmbedded(name)
	if err != nil {
		return nil, err
	}
	head := rows[0]
	var out []Entry
	for i, r := range rows[1:] {
		if len(r) != len(head) {
			return nil, fmt.Errorf("%s: row %d: %d fields, want %d", name, i+1, len(r), len(head))
		}
		if head[4] != "average" {
			return nil, fmt.Errorf("%s: column 5 is %q, want average", name, head[4])
		}
		for j := 5; j < len(head); j++ {
			if r[j] == "" {
				continue
			}
			v, err := strconv.ParseFloat(r[j], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: row %d, column %s: %w", name, i+1, head[j], err)
			}
			out = append(out, Entry{Origin: OriginOpenCLIP, Model: r[0], Pretrained: r[1], Dataset: head[j],
				Protocol: ZeroShot, Metric: reports.PaperMetric(head[j]), Value: v,
				Source: "mlfoundations/open_clip docs/openclip_results.csv"})
		}
	}
	return out, nil
}

// ModelKey squeezes a model name for matching: "ViT-B/32", "ViT-B-32" and
// "vit_b_32" are all "vitb32"; "ViT-L/14@336px" and "ViT-L-14-336" are
// "vitl14336"; a trailing "openai" (the weights the paper evaluated) and
// "quickgelu" are dropped.
func ModelKey(name string) string {
	k := strings.ToLower(name)
	k = strings.ReplaceAll(k, "px", "")
	var b strings.Builder
	for _, r := range k {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	k = b.String()
	for _, suffix := range []string{"openai", "quickgelu"} {
		k = strings.TrimSuffix(k, suffix)
	}
	return k
}

// keys returns the names under which an entry's model can be found.
func (e Entry) keys() []string {
	if e.Origin == OriginOpenCLIP {
		k := []string{ModelKey(e.Model + "-" + e.Pretrained)}
		if e.Pretrained == "openai" {
			k = append(k, ModelKey(e.Model))
		}
		return k
	}
	return []string{ModelKey(e.Model)}
}

// Find returns the first entry for a model (matched by [ModelKey]), a
// dataset (matched by reports.DatasetKey) and a protocol, and false when
// there is none: "no baseline".
func Find(entries []Entry, model, dataset, protocol string) (Entry, bool) {
	mk, dk := ModelKey(model), reports.DatasetKey(dataset)
	if mk == "" || dk == "" {
		return Entry{}, false
	}
	for _, e := range entries {
		if e.Dataset != dk || e.Protocol != protocol {
			continue
		}
		for _, k := range e.keys() {
			if k == mk {
				return e, true
			}
		}
	}
	return Entry{}, false
}

// SupervisedProbe returns the paper's linear probe on supervised ResNet-50
// features for a dataset (the reference of Figure 5).
func SupervisedProbe(dataset string) (Entry, bool) {
	return Find(Paper(), ResNet50, dataset, LinearProbe)
}

// Humans returns Table 2's human Oxford-IIIT Pets accuracies (zero-, one-
// and two-shot), in that order.
func Humans() []Entry {
	var out []Entry
	for _, name := range []string{HumanZeroShot, HumanOneShot, HumanTwoShot} {
		for _, e := range Paper() {
			if e.Model == name {
				out = append(out, e)
			}
		}
	}
	return out
}
