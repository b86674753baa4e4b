package suites

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/encoders/tokenizer"
	"github.com/evalclip/evalclip/internal/hub"
	"github.com/evalclip/evalclip/prompts"
	"github.com/evalclip/evalclip/reports"
)

// namePattern is what suite, model and dataset names may look like: they
// become folder names and benchmark-name fields.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]*$`)

// Validate reports every problem in the suite at once, each a ConfigError
// naming the key and line, joined with errors.Join.
func (s *Suite) Validate() error {
	p := &problems{s: s}
	s.checkName(p, "name", s.Name)
	s.validateRuntime(p)
	models := s.validateModels(p)
	datasets := s.validateDatasets(p)
	s.validateTasks(p, models, datasets)
	s.validateCI(p)
	if len(p.errs) == 0 {
		s.checkJobIDs(p)
	}
	return p.err()
}

// checkJobIDs refuses two tasks that plan the same measurement: their
// records would be one measurement twice.
func (s *Suite) checkJobIDs(p *problems) {
	first := map[string]int{}
	for _, j := range Plan(s) {
		if i, dup := first[j.ID]; dup && i != j.TaskIndex {
			p.addf(fmt.Sprintf("tasks[%d]", j.TaskIndex), "plans job %s, as tasks[%d] does: give one of them a name (zero-shot tasks: or their own prompts)", j.ID, i)
			continue
		}
		first[j.ID] = j.TaskIndex
	}
}

func (s *Suite) checkName(p *problems, key, name string) {
	switch {
	case name == "":
		p.addf(key, "missing (a name is required)")
	case !namePattern.MatchString(name):
		p.addf(key, "%q is not a valid name (letters, digits and . _ @ + -, starting with a letter or digit)", name)
	}
}

// Stated limits of the runtime section.
const (
	MaxBatchSize = 65536
	MaxThreads   = 4096
)

func (s *Suite) validateRuntime(p *problems) {
	r := &s.Runtime
	for _, f := range []struct {
		key    string
		v, min int
		max    int
		low    string
	}{
		{"runtime.threads", r.Threads, 0, MaxThreads, "must be 0 (all cores) or more"},
		{"runtime.batch_size", r.BatchSize, 1, MaxBatchSize, "must be at least 1"},
		{"runtime.workers", r.Workers, 0, MaxThreads, "must be 0 (all cores) or more"},
	} {
		switch {
		case f.v < f.min:
			p.addf(f.key, "%s, got %d", f.low, f.v)
		case f.v > f.max:
			p.addf(f.key, "must be at most %d, got %d", f.max, f.v)
		}
	}
	if r.Device < 0 {
		p.addf("runtime.device", "must be a GPU ordinal (0 or more), got %d", r.Device)
	}
	if r.ONNXRuntime != "" {
		s.checkFile(p, "runtime.onnxruntime", r.ONNXRuntime, false)
	}
}

// checkHub checks an entry's hub and revision keys: a valid repository
// id, not together with path, revision only with hub.
func (s *Suite) checkHub(p *problems, key string, t hub.RepoType, repo, path, revision string) {
	switch {
	case repo == "" && revision != "":
		p.addf(key+".revision", "only used with hub (the revision of a Hugging Face Hub repository)")
	case repo == "":
	case path != "":
		p.addf(key+".hub", "%s.hub and %s.path are mutually exclusive: hub pulls the repository into the Hugging Face cache, path names a local folder; keep one", key, key)
	default:
		if _, err := hub.ParseRepo(t, repo); err != nil {
			p.addf(key+".hub", "%v", err)
		}
		if revision != "" && !hub.ValidRevision(revision) {
			p.addf(key+".revision", "%q is not a branch, tag or commit name", revision)
		}
	}
}

// repoPath reports whether v is a relative path that stays inside a
// repository.
func repoPath(v string) bool {
	if v == "" || strings.HasPrefix(v, "/") || strings.Contains(v, "\\") {
		return false
	}
	for _, part := range strings.Split(v, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

// checkFile reports a missing path; dirOK allows folders.
func (s *Suite) checkFile(p *problems, key, path string, dirOK bool) {
	if s.schemaOnly {
		return
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		p.addf(key, "%s does not exist", path)
	case fi.IsDir() && !dirOK:
		p.addf(key, "%s is a folder, expected a file", path)
	}
}

func (s *Suite) validateModels(p *problems) map[string]bool {
	names := map[string]bool{}
	for i := range s.Models {
		m := &s.Models[i]
		key := fmt.Sprintf("models[%d]", i)
		s.checkName(p, key+".name", m.Name)
		if names[m.Name] && m.Name != "" {
			p.addf(key+".name", "duplicate model name %q", m.Name)
		}
		names[m.Name] = true
		s.checkHub(p, key, hub.Model, m.Hub, m.Path, m.Revision)
		switch m.Backend {
		case BackendONNX:
			if m.Hub != "" {
				for _, f := range []struct{ k, v string }{{"vision", m.Vision}, {"text", m.Text}, {"tokenizer", m.Tokenizer}} {
					if f.v != "" && !repoPath(f.v) {
						p.addf(key+"."+f.k, "%q: with hub, a path inside the repository (relative, without ..)", f.v)
					}
				}
				break
			}
			switch {
			case m.Supervised && m.Path == "" && m.Vision == "":
				p.addf(key+".path", "missing (the image model's folder or .onnx file, or vision)")
			case m.Supervised && m.Text != "":
				p.addf(key+".text", "a supervised model is image-only; remove text (or supervised)")
			case !m.Supervised && m.Path == "" && (m.Vision == "" || m.Text == ""):
				p.addf(key+".path", "missing (a model folder or .onnx file; or both vision and text)")
			}
			if m.Path != "" {
				s.checkFile(p, key+".path", m.Path, true)
			}
			for _, f := range []struct{ k, v string }{{"vision", m.Vision}, {"text", m.Text}} {
				if f.v != "" {
					s.checkFile(p, key+"."+f.k, f.v, false)
				}
			}
			if m.Tokenizer != "" {
				s.checkFile(p, key+".tokenizer", m.Tokenizer, true)
			}
		case BackendFake:
			if m.Hub != "" {
				p.addf(key+".hub", "the fake backend has no files to pull; remove hub (or backend)")
			}
			if m.EmbedDim < 1 {
				p.addf(key+".embed_dim", "must be at least 1, got %d", m.EmbedDim)
			}
		}
		if m.ImageSize < 0 {
			p.addf(key+".image_size", "must be positive, got %d", m.ImageSize)
		}
		if m.ResizeSize < 0 || (m.ResizeSize > 0 && m.ImageSize > 0 && m.ResizeSize < m.ImageSize) {
			p.addf(key+".resize_size", "must be 0 (= image_size) or at least image_size, got %d", m.ResizeSize)
		}
		if m.Mean != nil && len(m.Mean) != 3 {
			p.addf(key+".mean", "needs 3 values (R, G, B), got %d", len(m.Mean))
		}
		if m.Std != nil {
			if len(m.Std) != 3 {
				p.addf(key+".std", "needs 3 values (R, G, B), got %d", len(m.Std))
			}
			for _, v := range m.Std {
				if !(v > 0) || math.IsInf(v, 0) {
					p.addf(key+".std", "values must be positive and finite, got %v", m.Std)
					break
				}
			}
		}
		if m.ContextLength < 0 || m.ContextLength > tokenizer.MaxContextLength {
			p.addf(key+".context_length", "must be 1 to %d, got %d", tokenizer.MaxContextLength, m.ContextLength)
		}
		if m.PadID != nil && *m.PadID < 0 {
			p.addf(key+".pad_id", "must be a token id (0 or more), got %d", *m.PadID)
		}
		switch m.Clean {
		case "", "whitespace", "lower", "canonicalize":
		default:
			p.addf(key+".clean", "must be whitespace, lower or canonicalize (open_clip's text cleanings), got %q", m.Clean)
		}
		if v := m.LogitScale; v != nil && !(*v > 0 && *v < 1e6) {
			p.addf(key+".logit_scale", "must be a positive multiplier such as 100 (exp of the learned log scale), got %v", *v)
		}
		if v := m.LogitBias; v != nil && !(*v > -1e6 && *v < 1e6) {
			p.addf(key+".logit_bias", "must be a finite number, got %v", *v)
		}
	}
	return names
}

func (s *Suite) validateDatasets(p *problems) map[string]bool {
	names := map[string]bool{}
	for i := range s.Datasets {
		d := &s.Datasets[i]
		key := fmt.Sprintf("datasets[%d]", i)
		s.checkName(p, key+".name", d.Name)
		if names[d.Name] && d.Name != "" {
			p.addf(key+".name", "duplicate dataset name %q", d.Name)
		}
		names[d.Name] = true
		if d.Format == "" {
			p.addf(key+".format", "missing (expected %s)", orList(datasets.Formats()))
		}
		s.checkHub(p, key, hub.Dataset, d.Hub, d.Path, d.Revision)
		switch {
		case d.Hub != "":
			if d.Format != "" && d.Format != "wds" {
				p.addf(key+".format", "%q with hub: Hub datasets are CLIP_benchmark webdataset repositories, want format = \"wds\"", d.Format)
			}
		case d.Path == "":
			p.addf(key+".path", "missing (the dataset's folder or file, or hub)")
		default:
			s.checkFile(p, key+".path", d.Path, true)
		}
		switch f := string(d.Format); {
		case f == "":
		case d.Captions && !datasets.HasCaptions(f):
			p.addf(key+".captions", "format %q has no captions (caption formats: %s)", f, strings.Join(datasets.CaptionFormats(), ", "))
		case !d.Captions && !datasets.HasLabels(f):
			p.addf(key+".captions", "format %q holds captions only: remove captions = false", f)
		}
		for _, k := range []struct{ key, v string }{{"annotations", d.Annotations}, {"images", d.Images}} {
			switch {
			case k.v == "":
			case d.Format != "karpathy":
				p.addf(key+"."+k.key, "only used by karpathy datasets")
			default:
				s.checkFile(p, key+"."+k.key, k.v, k.key == "images")
			}
		}
		if d.Language != "" {
			if _, err := prompts.NormalizeLanguage(d.Language); err != nil {
				p.addf(key+".language", "%v", err)
			}
		}
		if d.Captions {
			for _, k := range []struct{ key, v string }{{"prompts", d.Prompts}, {"classnames", d.Classnames}, {"templates", d.Templates}, {"language", d.Language}} {
				if k.v != "" {
					p.addf(key+"."+k.key, "not used by caption datasets (retrieval scores the captions themselves)")
				}
			}
		}
		if d.Classnames != "" {
			s.checkFile(p, key+".classnames", d.Classnames, false)
		}
		if d.Templates != "" {
			s.checkFile(p, key+".templates", d.Templates, false)
		}
		if d.Limit < 0 {
			p.addf(key+".limit", "must be 0 (all samples) or more, got %d", d.Limit)
		}
		if d.ValSplit != "" && d.ValSplit == d.Split {
			p.addf(key+".val_split", "%q is also the evaluated split; validation must not overlap the test split", d.ValSplit)
		}
		if d.TrainSplit == d.Split {
			p.addf(key+".train_split", "%q is also the evaluated split; training must not overlap the test split", d.TrainSplit)
		}
	}
	return names
}

func (s *Suite) validateTasks(p *problems, models, datasets map[string]bool) {
	if len(s.Tasks) == 0 {
		p.errs = append(p.errs, &ConfigError{File: s.Path, Msg: "no [[tasks]]: nothing to run"})
	}
	for i := range s.Tasks {
		t := &s.Tasks[i]
		key := fmt.Sprintf("tasks[%d]", i)
		if t.Type == "" {
			p.addf(key+".type", "missing (expected %s)", orList(kindNames()))
			continue
		}
		k, ok := LookupKind(t.Type)
		if !ok || t.Config == nil {
			p.addf(key+".type", "task type %q is not available in this build of evalclip", t.Type)
			continue
		}
		if k.PerModel {
			s.checkRefs(p, key+".models", "model", t.Models, models, len(s.Models))
			if k.NeedsText {
				for j, name := range t.Models {
					if m := s.model(name); m != nil && m.Supervised {
						p.addf(fmt.Sprintf("%s.models[%d]", key, j), "model %q is supervised (image-only): %s tasks need a text tower", name, t.Type)
					}
				}
			}
			s.checkRefs(p, key+".datasets", "dataset", t.Datasets, datasets, len(s.Datasets))
			for j, name := range t.Datasets {
				d := s.dataset(name)
				switch {
				case d == nil:
				case k.Captions && !d.Captions:
					p.addf(fmt.Sprintf("%s.datasets[%d]", key, j), "dataset %q holds labels, not captions: %s tasks need a caption dataset (set captions = true on it, formats %s)",
						name, t.Type, strings.Join(datasetsCaptionFormats(), ", "))
				case !k.Captions && d.Captions:
					p.addf(fmt.Sprintf("%s.datasets[%d]", key, j), "dataset %q holds captions: %s tasks need labelled images", name, t.Type)
				}
			}
		} else {
			if len(t.Models) > 0 {
				p.addf(key+".models", "not used by %s tasks", t.Type)
			}
			if len(t.Datasets) > 0 {
				p.addf(key+".datasets", "not used by %s tasks", t.Type)
			}
		}
		t.Config.Validate(&Check{Suite: s, Task: t, Index: i, p: p})
	}
}

// dataset returns the dataset called name, or nil.
func (s *Suite) dataset(name string) *Dataset {
	for i := range s.Datasets {
		if s.Datasets[i].Name == name {
			return &s.Datasets[i]
		}
	}
	return nil
}

func datasetsCaptionFormats() []string { return datasets.CaptionFormats() }

// model returns the model called name, or nil.
func (s *Suite) model(name string) *Model {
	for i := range s.Models {
		if s.Models[i].Name == name {
			return &s.Models[i]
		}
	}
	return nil
}

func (s *Suite) checkRefs(p *problems, key, what string, refs []string, defined map[string]bool, n int) {
	if n == 0 {
		p.addf(key, "no %ss are defined in the suite (add a [[%ss]] table)", what, what)
		return
	}
	seen := map[string]bool{}
	for j, r := range refs {
		k := fmt.Sprintf("%s[%d]", key, j)
		switch {
		case !defined[r]:
			p.addf(k, "%s %q is not defined (defined: %s)", what, r, strings.Join(sortedKeys(defined), ", "))
		case seen[r]:
			p.addf(k, "%s %q is listed twice", what, r)
		}
		seen[r] = true
	}
}

func (s *Suite) validateCI(p *problems) {
	if s.CI.Baseline != "" {
		s.checkFile(p, "ci.baseline", s.CI.Baseline, true) // a run folder, or a folder of CLIP_benchmark results
	}
	for _, name := range sortedKeys(s.CI.Tolerance) {
		v := s.CI.Tolerance[name]
		if !(v >= 0) || math.IsInf(v, 0) {
			p.addf("ci.tolerance."+name, "must be a non-negative number (an allowed drop, as a fraction), got %v", v)
		}
		if known := reports.KnownMetrics(); !contains(known, name) {
			msg := "unknown metric"
			if best := closest(name, known); best != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", best)
			}
			p.addf("ci.tolerance."+name, "%s; known: %s", msg, strings.Join(known, ", "))
		}
	}
	if len(s.CI.Tolerance) > 0 && s.CI.Baseline == "" {
		p.addf("ci.tolerance", "set, but ci.baseline is missing: tolerances need a baseline results file")
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
