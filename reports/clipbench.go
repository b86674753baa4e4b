package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// CLIP_benchmark's result files: one JSON object per evaluation, as its
// `clip_benchmark eval` writes with Python's json.dump:
//
//	{"dataset": "wds/mnist", "model": "ViT-B-32", "pretrained": "openai",
//	 "task": "zeroshot_classification", "metrics": {"acc1": 0.48, ...},
//	 "language": "en"}
//
// Python writes NaN (acc5 below five classes) as a bare NaN, which JSON
// proper does not allow; evalclip reads and writes it the same way.

// FormatCLIPBenchmark names CLIP_benchmark's result format (export
// --format, the records' "imported_from").
const FormatCLIPBenchmark = "clip_benchmark"

// CLIP_benchmark's task names.
const (
	CBZeroShot    = "zeroshot_classification"
	CBRetrieval   = "zeroshot_retrieval"
	CBLinearProbe = "linear_probe"
)

// cbTasks maps CLIP_benchmark task names to evalclip's.
var cbTasks = map[string]string{CBZeroShot: TaskZeroShot, CBRetrieval: TaskRetrieval, CBLinearProbe: TaskLinearProbe}

// CLIPBenchmarkTask returns CLIP_benchmark's name of an evalclip task ("",
// false for tasks it has none for, such as kernels).
func CLIPBenchmarkTask(task string) (string, bool) {
	for cb, t := range cbTasks {
		if t == task {
			return cb, true
		}
	}
	return "", false
}

// cbKeys are the top-level keys CLIP_benchmark always writes, in its
// order; "classnames" and "templates" appear with --dump_classnames and
// --dump_templates.
var cbKeys = []string{"dataset", "model", "pretrained", "task", "metrics", "language"}

// Linear-probe metrics carry an lp_ prefix in CLIP_benchmark; the other
// entries of its linear-probe "metrics" are settings.
var cbProbeMetrics = map[string]string{"lp_acc1": MetricAcc1, "lp_acc5": MetricAcc5, "lp_mean_per_class_recall": MetricMeanPerClassRecall}

// ParamCBDataset keeps an imported record's CLIP_benchmark dataset name
// ("wds/vtab/pets") so that exporting it again gives the same file.
const ParamCBDataset = "clip_benchmark_dataset"

// IsCLIPBenchmark reports whether data looks like a CLIP_benchmark result
// (a JSON object) rather than an evalclip results file (an array).
func IsCLIPBenchmark(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(t) > 0 && t[0] == '{'
}

// ReadCLIPBenchmark parses one CLIP_benchmark result file into a record.
// Errors name path and the key at fault.
func ReadCLIPBenchmark(path string, data []byte) (Record, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(pyJSON(data), &raw); err != nil {
		return Record{}, fmt.Errorf("%s: not a CLIP_benchmark result (a JSON object): %w", path, err)
	}
	var missing []string
	for _, k := range cbKeys {
		if _, ok := raw[k]; !ok {
			missing = append(missing, fmt.Sprintf("%q", k))
		}
	}
	if len(missing) > 0 {
		return Record{}, fmt.Errorf("%s: not a CLIP_benchmark result: no %s (want the keys %s)", path, strings.Join(missing, ", "), strings.Join(cbKeys, ", "))
	}
	str := func(key string, null bool) (string, error) {
		var v *string
		if err := json.Unmarshal(raw[key], &v); err != nil || (v == nil && !null) {
			return "", fmt.Errorf("%s: %q is %s, want a string", path, key, string(raw[key]))
		}
		if v == nil {
			return "", nil
		}
		return *v, nil
	}
	var f struct{ dataset, model, pretrained, task, language string }
	var err error
	if f.dataset, err = str("dataset", false); err != nil {
		return Record{}, err
	}
	if f.model, err = str("model", false); err != nil {
		return Record{}, err
	}
	if f.pretrained, err = str("pretrained", true); err != nil {
		return Record{}, err
	}
	if f.task, err = str("task", false); err != nil {
		return Record{}, err
	}
	if f.language, err = languageOf(raw["language"]); err != nil {
		return Record{}, fmt.Errorf("%s: %w", path, err)
	}
	task, ok := cbTasks[f.task]
	if !ok {
		return Record{}, fmt.Errorf("%s: task %q has no evalclip counterpart (want %s, %s or %s)", path, f.task, CBZeroShot, CBRetrieval, CBLinearProbe)
	}
	if f.dataset == "" || f.model == "" {
		return Record{}, fmt.Errorf("%s: empty \"dataset\" or \"model\"", path)
	}
	var metrics map[string]json.RawMessage
	if err := json.Unmarshal(raw["metrics"], &metrics); err != nil || metrics == nil {
		return Record{}, fmt.Errorf("%s: \"metrics\" is %.40s, want an object of metric values", path, string(raw["metrics"]))
	}
	tag := f.pretrained
	if tag == f.model {
		tag = "" // evalclip's export of a model without a known tag
	}
	r := Record{Task: task, Model: JoinModelName(f.model, f.pretrained), Dataset: strings.TrimPrefix(f.dataset, "wds/"), Split: "test",
		Metrics: Metrics{}, Params: map[string]any{ParamCBDataset: f.dataset},
		Run: RunInfo{OpenCLIP: f.model, Pretrained: tag, Language: f.language, Imported: FormatCLIPBenchmark}}
	names := make([]string, 0, len(metrics))
	for k := range metrics {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if err := r.setCBMetric(k, metrics[k]); err != nil {
			return Record{}, fmt.Errorf("%s: metrics.%s: %w", path, k, err)
		}
	}
	for _, m := range LookupTask(task).Required {
		if _, ok := r.Metrics[m]; !ok && !(task == TaskRetrieval) {
			return Record{}, fmt.Errorf("%s: metrics has no %s for task %s", path, cbMetricName(task, m), f.task)
		}
	}
	if task == TaskRetrieval && len(r.Metrics) == 0 {
		return Record{}, fmt.Errorf("%s: metrics has no image_retrieval_recall@K or text_retrieval_recall@K", path)
	}
	for k, v := range r.Metrics {
		if u, _ := LookupUnit(k); u.Fraction && !math.IsNaN(v) && (v < 0 || v > 1) {
			return Record{}, fmt.Errorf("%s: metrics.%s = %v is outside [0, 1]", path, cbMetricName(task, k), v)
		}
	}
	return r, nil
}

// languageOf reads "language": a string, or a one-element list.
func languageOf(raw json.RawMessage) (string, error) {
	var s *string
	if json.Unmarshal(raw, &s) == nil {
		if s == nil {
			return "en", nil
		}
		return *s, nil
	}
	var l []string
	if json.Unmarshal(raw, &l) == nil && len(l) == 1 {
		return l[0], nil
	}
	return "", fmt.Errorf("\"language\" is %.40s, want a language code", string(raw))
}

// setCBMetric stores one entry of a CLIP_benchmark "metrics" object:
// accuracies and recalls as metrics, linear-probe settings as the
// record's k, seed and params.
func (r *Record) setCBMetric(k string, raw json.RawMessage) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	num := func() (float64, error) {
		switch x := v.(type) {
		case float64:
			return x, nil
		case nil:
			return math.NaN(), nil // NaN as Python wrote it
		}
		return 0, fmt.Errorf("%s, want a number", string(raw))
	}
	integer := func() (int, error) {
		x, err := num()
		if err != nil || x != math.Trunc(x) || math.Abs(x) > 1<<31 {
			return 0, fmt.Errorf("%s, want an integer", string(raw))
		}
		return int(x), nil
	}
	if r.Task == TaskLinearProbe {
		switch k {
		case "fewshot_k":
			n, err := integer()
			if err != nil {
				return err
			}
			if n > 0 {
				r.K = n // -1: all the training data, evalclip's k = 0
			}
			return nil
		case "seed":
			n, err := integer()
			r.Seed = n
			return err
		case "normalized":
			b, ok := v.(bool)
			if !ok {
				return fmt.Errorf("%s, want true or false", string(raw))
			}
			r.Params[ParamNormalize] = b
			return nil
		case "weight_decay", "epochs":
			x, err := num()
			r.Params[k] = x
			return err
		}
		if m, ok := cbProbeMetrics[k]; ok {
			x, err := num()
			r.Metrics[m] = x
			return err
		}
	}
	_, recall, _ := ParseRecallMetric(k)
	if _, ok := v.(float64); ok || v == nil || recall > 0 || k == MetricAcc1 || k == MetricAcc5 || k == MetricMeanPerClassRecall {
		x, err := num()
		r.Metrics[k] = x
		return err
	}
	r.Params[k] = v // any other setting a newer CLIP_benchmark writes
	return nil
}

// cbMetricName is CLIP_benchmark's name of an evalclip metric.
func cbMetricName(task, m string) string {
	if task == TaskLinearProbe {
		for cb, ev := range cbProbeMetrics {
			if ev == m {
				return cb
			}
		}
	}
	return m
}

// JoinModelName names a model by its open_clip name and pretrained tag as
// the immich exports on the Hub do ("ViT-B-32__openai"); a tag that is a
// checkpoint path contributes its file name without extension, and a tag
// already in the name (or equal to it, or empty) adds nothing.
func JoinModelName(model, pretrained string) string {
	p := pretrained
	if strings.ContainsAny(p, `/\`) {
		p = strings.TrimSuffix(filepath.Base(filepath.FromSlash(strings.ReplaceAll(p, `\`, "/"))), filepath.Ext(p))
	}
	if p == "" || p == model || strings.HasSuffix(model, "__"+p) {
		return model
	}
	return model + "__" + p
}

// ModelIdentity is the record's model as open_clip names it, name and
// pretrained tag, when known: the run's (the suite's keys, the model's
// config, a CLIP_benchmark file), else its Hub source's.
func (r *Record) ModelIdentity() (model, pretrained string) {
	model, pretrained = r.Run.OpenCLIP, r.Run.Pretrained
	if src := r.Run.ModelSource; src != nil && model == "" && pretrained == "" {
		model, pretrained = src.OpenCLIP, src.Pretrained
	}
	return model, pretrained
}

// hubCBDataset is CLIP_benchmark's name of the record's dataset when it
// came from one of CLIP_benchmark's Hub repositories.
func (r *Record) hubCBDataset() (string, bool) {
	if src := r.Run.DatasetSource; src != nil {
		return CBDatasetName(src.Hub)
	}
	return "", false
}

// MatchKey is the key under which records from evalclip and from
// CLIP_benchmark files are paired (compare, the CI gate): the seedless
// key with the dataset named as CLIP_benchmark does without "wds/" (a
// CLIP_benchmark Hub dataset's own name, "vtab/pets"), and the model by its
// open_clip name and pretrained tag when the record knows them
// ("ViT-B-32__openai").
func (r *Record) MatchKey() Key {
	k := r.Key().Seedless()
	k.Dataset = strings.TrimPrefix(k.Dataset, "wds/")
	if name, ok := r.hubCBDataset(); ok {
		k.Dataset = strings.TrimPrefix(name, "wds/")
	}
	if arch, tag := r.ModelIdentity(); arch != "" && tag != "" {
		k.Model = JoinModelName(arch, tag)
	}
	if k.Split == "" {
		k.Split = "test"
	}
	return k
}

// CBNames are the names a record takes in CLIP_benchmark's result JSON
// and output file names.
type CBNames struct {
	// Dataset is CLIP_benchmark's dataset name ("wds/vtab/pets").
	Dataset string
	// Model is the open_clip model name when known, else the record's
	// model; Pretrained is the pretrained tag when known, else the
	// record's model name (always a string: `clip_benchmark build` fails
	// on null).
	Model, Pretrained string
	// Task is CLIP_benchmark's task name; Language its language code.
	Task, Language string
	// Prompts is a zero-shot task's own prompts label ("" for the
	// datasets' prompts).
	Prompts string
}

// CLIPBenchmarkNames returns the names r takes in CLIP_benchmark's files
// (its metrics need not be there yet: eval names files before jobs run).
// Kernel records and failed records have none.
func CLIPBenchmarkNames(r *Record) (CBNames, error) {
	task, ok := CLIPBenchmarkTask(r.Task)
	if !ok {
		return CBNames{}, fmt.Errorf("task %s has no CLIP_benchmark result form", r.Task)
	}
	if r.Error != "" {
		return CBNames{}, fmt.Errorf("failed (%s): CLIP_benchmark writes no result for a failed evaluation", firstLine(r.Error))
	}
	if r.Model == "" || r.Dataset == "" || r.K < 0 {
		return CBNames{}, fmt.Errorf("no model, no dataset or a negative k: not a measurement CLIP_benchmark can name")
	}
	n := CBNames{Model: r.Model, Pretrained: r.Model, Task: task, Language: r.Run.Language, Prompts: r.ParamString(ParamPromptsLabel)}
	arch, tag := r.ModelIdentity()
	if arch != "" {
		n.Model = arch
	}
	if tag != "" {
		n.Pretrained = tag
	}
	if n.Dataset = r.ParamString(ParamCBDataset); n.Dataset == "" {
		n.Dataset = r.Dataset
		if name, ok := r.hubCBDataset(); ok {
			n.Dataset = name
		}
	}
	if n.Language == "" {
		n.Language = "en"
	}
	return n, nil
}

// CBDefaultOutput is CLIP_benchmark's default --output pattern.
const CBDefaultOutput = "{dataset}_{pretrained}_{model}_{language}_{task}.json"

// OutputName fills a CLIP_benchmark --output pattern: {model},
// {pretrained}, {dataset} (without "wds/", "/" turned into "_"), {task},
// {language}, and evalclip's {k}, {seed} and {prompts} (a zero-shot task's
// prompts label, empty for the datasets' prompts); "{{" and "}}" are literal
// braces, as in Python's str.format. A "/" in a filled-in name becomes
// "_" (the pattern's own "/" separate folders).
func (n CBNames) OutputName(pattern string, k, seed int) (string, error) {
	slug := func(s string) string { return strings.ReplaceAll(s, "/", "_") }
	// a checkpoint path as pretrained gives its file name, as in CLIP_benchmark
	fields := map[string]string{
		"model": slug(n.Model), "pretrained": slug(path.Base(n.Pretrained)), "dataset": slug(strings.TrimPrefix(n.Dataset, "wds/")),
		"task": n.Task, "language": n.Language, "k": strconv.Itoa(k), "seed": strconv.Itoa(seed), "prompts": slug(n.Prompts),
	}
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '{' && i+1 < len(pattern) && pattern[i+1] == '{', c == '}' && i+1 < len(pattern) && pattern[i+1] == '}':
			b.WriteByte(c)
			i++
		case c == '{':
			end := strings.IndexByte(pattern[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("output pattern %q: unclosed {", pattern)
			}
			name := pattern[i+1 : i+end]
			v, ok := fields[name]
			if !ok {
				return "", fmt.Errorf("output pattern %q: unknown field {%s} (want {model}, {pretrained}, {dataset}, {task}, {language}, {k}, {seed} or {prompts})", pattern, name)
			}
			b.WriteString(v)
			i += end
		case c == '}':
			return "", fmt.Errorf("output pattern %q: single } (write }} for a brace)", pattern)
		default:
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("output pattern %q gives an empty file name", pattern)
	}
	return b.String(), nil
}

// CLIPBenchmarkResult renders a record as CLIP_benchmark's result JSON,
// keys in the order it writes them (names from [CLIPBenchmarkNames]).
func CLIPBenchmarkResult(r *Record) ([]byte, error) {
	n, err := CLIPBenchmarkNames(r)
	if err != nil {
		return nil, err
	}
	for _, m := range LookupTask(r.Task).Required {
		if _, ok := r.Metrics[m]; !ok {
			return nil, fmt.Errorf("no %s: CLIP_benchmark's %s result needs it", m, n.Task)
		}
	}
	if r.Task == TaskRetrieval {
		recalls := 0
		for m := range r.Metrics {
			if _, _, ok := ParseRecallMetric(m); ok {
				recalls++
			}
		}
		if recalls == 0 {
			return nil, fmt.Errorf("no recall@K: CLIP_benchmark's %s result needs one", n.Task)
		}
	}
	var b bytes.Buffer
	str := func(s string) {
		q, _ := json.Marshal(s)
		b.Write(q)
	}
	b.WriteByte('{')
	for i, k := range cbKeys {
		if i > 0 {
			b.WriteString(", ")
		}
		str(k)
		b.WriteString(": ")
		switch k {
		case "dataset":
			str(n.Dataset)
		case "model":
			str(n.Model)
		case "pretrained":
			str(n.Pretrained)
		case "task":
			str(n.Task)
		case "language":
			str(n.Language)
		case "metrics":
			writeCBMetrics(&b, r)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// writeCBMetrics writes a record's "metrics" object as CLIP_benchmark
// names and orders them.
func writeCBMetrics(b *bytes.Buffer, r *Record) {
	type kv struct {
		k string
		v string
	}
	var out []kv
	num := func(k, m string) {
		v, ok := r.Metrics[m]
		if !ok {
			return
		}
		out = append(out, kv{k, PyFloat(v)})
	}
	acc5 := func(k string) { // CLIP_benchmark writes NaN below five classes; evalclip leaves it out
		if _, ok := r.Metrics[MetricAcc5]; ok {
			num(k, MetricAcc5)
		} else {
			out = append(out, kv{k, "NaN"})
		}
	}
	switch r.Task {
	case TaskZeroShot:
		num("acc1", MetricAcc1)
		acc5("acc5")
		num("mean_per_class_recall", MetricMeanPerClassRecall)
		if l := r.ParamString(ParamPromptsLabel); l != "" {
			// evalclip's own: a task's prompt set, part of the record's key
			q, _ := json.Marshal(l)
			out = append(out, kv{ParamPromptsLabel, string(q)})
		}
	case TaskLinearProbe:
		num("lp_acc1", MetricAcc1)
		acc5("lp_acc5")
		num("lp_mean_per_class_recall", MetricMeanPerClassRecall)
		for _, p := range []string{"weight_decay", "epochs"} { // imported records' settings
			if v, ok := r.ParamFloat(p); ok {
				s := PyFloat(v)
				if p == "epochs" && v == math.Trunc(v) && math.Abs(v) < 1<<53 {
					s = strconv.FormatInt(int64(v), 10)
				}
				out = append(out, kv{p, s})
			}
		}
		k := r.K
		if k == 0 {
			k = -1 // CLIP_benchmark's "all the training data"
		}
		out = append(out, kv{"seed", strconv.Itoa(r.Seed)}, kv{"fewshot_k", strconv.Itoa(k)})
		if n, ok := r.Params[ParamNormalize].(bool); ok {
			out = append(out, kv{"normalized", strconv.FormatBool(n)})
		}
		if sup, _ := r.Params[ParamSupervised].(bool); sup {
			// evalclip's own: a supervised backbone's probe (a baseline)
			out = append(out, kv{ParamSupervised, "true"})
		}
	case TaskRetrieval:
		var ks []string
		for m := range r.Metrics {
			if _, _, ok := ParseRecallMetric(m); ok {
				ks = append(ks, m)
			}
		}
		sort.Slice(ks, func(i, j int) bool {
			di, ki, _ := ParseRecallMetric(ks[i])
			dj, kj, _ := ParseRecallMetric(ks[j])
			if ki != kj {
				return ki < kj
			}
			return di < dj // image_retrieval before text_retrieval, as CLIP_benchmark
		})
		for _, m := range ks {
			num(m, m)
		}
	}
	b.WriteByte('{')
	for i, e := range out {
		if i > 0 {
			b.WriteString(", ")
		}
		q, _ := json.Marshal(e.k)
		b.Write(q)
		b.WriteString(": ")
		b.WriteString(e.v)
	}
	b.WriteByte('}')
}

// CBDatasetName is CLIP_benchmark's dataset name of one of its
// webdataset repositories on the Hub: "clip-benchmark/wds_vtab-pets" is
// "wds/vtab/pets".
func CBDatasetName(repo string) (string, bool) {
	name, ok := strings.CutPrefix(repo, "clip-benchmark/wds_")
	if !ok || name == "" {
		return "", false
	}
	return "wds/" + strings.ReplaceAll(name, "-", "/"), true
}

// PyFloat formats v as Python's repr does (what json.dump writes):
// shortest round-trip digits, "1.0" not "1", exponents below 1e-4 and from
// 1e16, and NaN, Infinity and -Infinity bare.
func PyFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	e := strconv.FormatFloat(v, 'e', -1, 64) // d.ddde±XX
	mant, exps, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(exps)
	if exp < -4 || exp >= 16 {
		sign := "+"
		if exp < 0 {
			sign, exp = "-", -exp
		}
		return fmt.Sprintf("%se%s%02d", mant, sign, exp)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// pyJSON turns the bare NaN, Infinity and -Infinity that Python's json
// writes into null, outside strings, so that encoding/json can read the
// document (null reads back as NaN in [Metrics]).
func pyJSON(data []byte) []byte {
	if !bytes.Contains(data, []byte("NaN")) && !bytes.Contains(data, []byte("Infinity")) {
		return data
	}
	out := make([]byte, 0, len(data))
	inStr := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inStr {
			out = append(out, c)
			switch c {
			case '\\':
				if i+1 < len(data) {
					i++
					out = append(out, data[i])
				}
			case '"':
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
		case bytes.HasPrefix(data[i:], []byte("NaN")):
			out, i = append(out, "null"...), i+2
			continue
		case bytes.HasPrefix(data[i:], []byte("-Infinity")):
			out, i = append(out, "null"...), i+8
			continue
		case bytes.HasPrefix(data[i:], []byte("Infinity")):
			out, i = append(out, "null"...), i+7
			continue
		}
		out = append(out, c)
	}
	return out
}
