package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/encoders/zoo"
	"github.com/evalclip/evalclip/internal/hub"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

// evalSuiteFile is the name eval's in-memory suite goes by in messages;
// its relative paths are relative to the working folder.
const evalSuiteFile = "eval.toml"

func init() {
	register(&command{
		name:    "eval",
		args:    "--model M --dataset D [--task T] [flags]",
		summary: "one-off evaluation without a suite file, with CLIP_benchmark's flags and result files",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			var e evalSpec
			fs.Var((*repeated)(&e.models), "model", "model: a folder, an .onnx file, or a Hugging Face Hub repo (owner/name, e.g. immich-app/ViT-B-32__openai); repeatable")
			fs.Var((*repeated)(&e.datasets), "dataset", "dataset: FORMAT:PATH (mnist:data/mnist), a CLIP_benchmark name (wds/vtab/pets) or a Hub dataset (clip-benchmark/wds_mnist); repeatable")
			fs.StringVar(&e.task, "task", "auto", "zeroshot (zeroshot_classification), linear_probe, retrieval (zeroshot_retrieval), or auto: retrieval for caption datasets, else zeroshot")
			fs.StringVar(&e.split, "split", "test", "evaluated split")
			fs.IntVar(&e.batchSize, "batch-size", 64, "images per batch")
			fs.StringVar(&e.language, "language", "en", "language of class names and templates (en, ar, cn, it, jp, or a Babel-ImageNet language for ImageNet)")
			fs.StringVar(&e.templates, "custom-template-file", "", "templates: lines with {c}, or CLIP_benchmark JSON (a list, dataset-keyed, or CuPL per-class prompts)")
			fs.StringVar(&e.classnames, "custom-classname-file", "", "class names: lines, or CLIP_benchmark JSON (a list or dataset-keyed)")
			fs.IntVar(&e.fewshotK, "fewshot-k", -1, "linear_probe: training images per class (-1: all)")
			fs.IntVar(&e.seed, "seed", 0, "linear_probe: sampling seed")
			fs.Var((*intList)(&e.recallK), "recall-k", "retrieval: K of recall@K; repeatable (default 1, 5, 10)")
			fs.StringVar(&e.name, "name", "eval", "suite name (results go to reports/out/NAME/<UTC timestamp> unless --out)")
			fs.StringVar(&e.output, "output", "", "also write one CLIP_benchmark result JSON per record, named by this pattern ({model} {pretrained} {dataset} {task} {language}, and {k} {seed} {prompts}); folders are created")
			fs.BoolVar(&e.skipExisting, "skip-existing", false, "with --output: skip a job whose output file exists")
			fs.BoolVar(&e.printSuite, "print-suite", false, "print the suite TOML the flags make and exit (save it to run the same evaluation with evalclip run)")
			o := runFlags(fs)
			return func(ctx context.Context, stdout, stderr io.Writer, args []string) error {
				if len(args) > 0 {
					return usagef("Run 'evalclip help eval' for usage.", "eval: unexpected arguments %q (models and datasets are given with --model and --dataset)", args)
				}
				data, err := e.suite()
				if err != nil {
					return usagef("Run 'evalclip help eval' for usage.", "eval: %v", err)
				}
				if e.printSuite {
					_, err := stdout.Write(data)
					return err
				}
				s, err := suites.OpenBytes(evalSuiteFile, data)
				if err != nil {
					return fmt.Errorf("eval: the suite the flags make is not valid (see it with --print-suite):\n%w", err)
				}
				o.suiteData = data
				if e.output != "" {
					o.filter = e.skipJobs(o)
					o.after = func(_ string, recs []reports.Record) error { return e.writeOutputs(recs, *o.force, *o.quiet, stderr) }
				}
				return runSuite(ctx, stdout, stderr, s, o)
			}
		},
	})
}

// evalSpec is what evalclip eval's flags ask for.
type evalSpec struct {
	models, datasets               []string
	task, split, language          string
	templates, classnames          string
	batchSize, fewshotK, seed      int
	recallK                        []int
	name, output                   string
	skipExisting, printSuite       bool
	modelNames, datasetNames, hubs map[string]string
}

// repeated is a repeatable string flag (no splitting: paths may hold
// commas).
type repeated []string

func (l *repeated) String() string { return strings.Join(*l, " ") }

func (l *repeated) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// intList is a repeatable int flag.
type intList []int

func (l *intList) String() string { return fmt.Sprint([]int(*l)) }

func (l *intList) Set(s string) error {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		return fmt.Errorf("want an integer, got %q", s)
	}
	*l = append(*l, n)
	return nil
}

// retrievalSets are CLIP_benchmark's caption datasets (its task=auto).
var retrievalSets = []string{"flickr30k", "flickr8k", "mscoco_captions", "multilingual_mscoco_captions", "flickr30k-200", "crossmodal3600", "xtd10", "xtd200"}

// taskNames maps eval's --task values to suite task types.
var taskNames = map[string]string{
	"zeroshot": "zeroshot", "zeroshot_classification": "zeroshot",
	"linear_probe": "linear_probe",
	"retrieval":    "retrieval", "zeroshot_retrieval": "retrieval",
}

var badNameChars = regexp.MustCompile(`[^A-Za-z0-9._@+-]+`)

// entryName makes a suite name from a path or repo part: disallowed
// characters become "-", and names already taken get "-2", "-3" ...
func entryName(base string, taken map[string]bool) string {
	n := strings.Trim(badNameChars.ReplaceAllString(base, "-"), "-.")
	if n == "" {
		n = "x"
	}
	if c := n[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
		n = "x" + n
	}
	name := n
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s-%d", n, i)
	}
	taken[name] = true
	return name
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSpace(b.String())
}

// evalDataset is one --dataset, resolved.
type evalDataset struct {
	name, format, path, hub string
	captions                bool
}

// parseDataset reads FORMAT:PATH, wds/NAME or owner/name.
func parseDataset(v string, taken map[string]bool) (evalDataset, error) {
	if f, p, ok := strings.Cut(v, ":"); ok && len(f) > 1 { // "C:\..." is a path, not a format
		if !slices.Contains(datasets.AllFormats(), f) {
			return evalDataset{}, fmt.Errorf("--dataset %s: unknown format %q (want one of %s)", v, f, strings.Join(datasets.AllFormats(), ", "))
		}
		if _, err := os.Stat(p); err != nil {
			return evalDataset{}, fmt.Errorf("--dataset %s: %v", v, err)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return evalDataset{}, err
		}
		base := filepath.Base(abs)
		if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
			base = strings.TrimSuffix(base, filepath.Ext(base))
		}
		return evalDataset{name: entryName(base, taken), format: f, path: abs}, nil
	}
	repo := v
	if name, ok := strings.CutPrefix(v, "wds/"); ok && name != "" {
		repo = "clip-benchmark/wds_" + strings.ReplaceAll(name, "/", "-")
	}
	if _, err := hub.ParseRepo(hub.Dataset, repo); err != nil || !strings.Contains(repo, "/") {
		return evalDataset{}, fmt.Errorf("--dataset %s: want FORMAT:PATH (formats: %s), a CLIP_benchmark name (wds/mnist) or a Hub dataset (clip-benchmark/wds_mnist)", v, strings.Join(datasets.AllFormats(), ", "))
	}
	base := repo[strings.LastIndex(repo, "/")+1:]
	if cb, ok := reports.CBDatasetName(repo); ok {
		base = strings.ReplaceAll(strings.TrimPrefix(cb, "wds/"), "/", "_")
	}
	return evalDataset{name: entryName(base, taken), format: "wds", hub: repo}, nil
}

// parseModel reads a folder, an .onnx file or a Hub repo.
func parseModel(v string, taken map[string]bool) (name, path, repo string, err error) {
	if fi, err := os.Stat(v); err == nil {
		abs, err := filepath.Abs(v)
		if err != nil {
			return "", "", "", err
		}
		base := filepath.Base(abs)
		if !fi.IsDir() {
			base = strings.TrimSuffix(base, filepath.Ext(base))
			if base == "model" { // a combined export: name it after its folder
				base = filepath.Base(filepath.Dir(abs))
			}
		}
		return entryName(base, taken), abs, "", nil
	}
	repo = strings.TrimPrefix(v, "hub:")
	if _, err := hub.ParseRepo(hub.Model, repo); err != nil || !strings.Contains(repo, "/") {
		return "", "", "", fmt.Errorf("--model %s: no such file or folder, and not a Hub repo (owner/name)", v)
	}
	return entryName(repo[strings.LastIndex(repo, "/")+1:], taken), "", repo, nil
}

// suite writes the suite TOML the flags describe.
func (e *evalSpec) suite() ([]byte, error) {
	var errs []error
	switch {
	case len(e.models) == 0:
		errs = append(errs, errors.New("--model is required"))
	case len(e.datasets) == 0:
		errs = append(errs, errors.New("--dataset is required"))
	case e.skipExisting && e.output == "":
		errs = append(errs, errors.New("--skip-existing needs --output (the files whose existence skips a job)"))
	}
	task := e.task
	if task != "auto" {
		if task = taskNames[e.task]; task == "" {
			errs = append(errs, fmt.Errorf("--task %q: want zeroshot, linear_probe, retrieval or auto (CLIP_benchmark's zeroshot_classification and zeroshot_retrieval too)", e.task))
		}
	}
	if e.output != "" {
		if _, err := (reports.CBNames{Model: "m", Pretrained: "p", Dataset: "d", Task: "t", Language: "en"}).OutputName(e.output, 0, 0); err != nil {
			errs = append(errs, fmt.Errorf("--output: %v", err))
		}
	}
	if e.batchSize < 1 {
		errs = append(errs, fmt.Errorf("--batch-size %d: want at least 1", e.batchSize))
	}
	if e.fewshotK == 0 || e.fewshotK < -1 {
		errs = append(errs, fmt.Errorf("--fewshot-k %d: want -1 (all) or at least 1", e.fewshotK))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# made by: evalclip eval %s\n", strings.Join(e.argv(), " "))
	fmt.Fprintf(&b, "name = %s\n\n[runtime]\nbatch_size = %d\n", tomlString(e.name), e.batchSize)
	taken := map[string]bool{}
	for _, m := range e.models {
		name, path, repo, err := parseModel(m, taken)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(&b, "\n[[models]]\nname = %s\n", tomlString(name))
		if repo != "" {
			fmt.Fprintf(&b, "hub = %s\n", tomlString(repo))
		} else {
			fmt.Fprintf(&b, "path = %s\n", tomlString(path))
		}
	}
	taken = map[string]bool{}
	kinds := map[string][]string{}
	for _, d := range e.datasets {
		ds, err := parseDataset(d, taken)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t := task
		if t == "auto" {
			t = "zeroshot"
			if slices.Contains(retrievalSets, ds.name) || !slices.Contains(datasets.Formats(), ds.format) { // caption-only formats (karpathy)
				t = "retrieval"
			}
		}
		kinds[t] = append(kinds[t], ds.name)
		fmt.Fprintf(&b, "\n[[datasets]]\nname = %s\nformat = %s\n", tomlString(ds.name), tomlString(ds.format))
		if ds.hub != "" {
			fmt.Fprintf(&b, "hub = %s\n", tomlString(ds.hub))
		} else {
			fmt.Fprintf(&b, "path = %s\n", tomlString(ds.path))
		}
		if e.split != "test" {
			fmt.Fprintf(&b, "split = %s\n", tomlString(e.split))
		}
		if t == "retrieval" && slices.Contains(datasets.Formats(), ds.format) {
			b.WriteString("captions = true\n")
		}
		if e.language != "" && e.language != "en" {
			fmt.Fprintf(&b, "language = %s\n", tomlString(e.language))
		}
		for _, f := range []struct{ key, v string }{{"templates", e.templates}, {"classnames", e.classnames}} {
			if f.v == "" {
				continue
			}
			abs, err := filepath.Abs(f.v)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&b, "%s = %s\n", f.key, tomlString(abs))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, t := range []string{"zeroshot", "linear_probe", "retrieval"} {
		names := kinds[t]
		if len(names) == 0 {
			continue
		}
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = tomlString(n)
		}
		fmt.Fprintf(&b, "\n[[tasks]]\ntype = %q\n", t)
		if len(kinds) > 1 {
			fmt.Fprintf(&b, "datasets = [%s]\n", strings.Join(quoted, ", "))
		}
		switch t {
		case "linear_probe":
			k := max(e.fewshotK, 0)
			fmt.Fprintf(&b, "shots = [%d]\nseeds = [%d]\n", k, e.seed)
		case "retrieval":
			if len(e.recallK) > 0 {
				fmt.Fprintf(&b, "recall_at = %s\n", strings.ReplaceAll(fmt.Sprint(e.recallK), " ", ", "))
			}
		}
	}
	return []byte(b.String()), nil
}

// argv is the flags as given, for the suite's header comment.
func (e *evalSpec) argv() []string {
	var out []string
	for _, m := range e.models {
		out = append(out, "--model", m)
	}
	for _, d := range e.datasets {
		out = append(out, "--dataset", d)
	}
	if e.task != "auto" {
		out = append(out, "--task", e.task)
	}
	return out
}

// protoRecord is the record a job will write, as far as output names need
// it (before the run).
func protoRecord(j *suites.Job) reports.Record {
	r := reports.Record{Task: j.Key.Task, Model: j.Key.Model, Dataset: j.Key.Dataset, K: j.K, Seed: j.Seed, Run: reports.RunInfo{Language: "en"}}
	if j.Dataset != nil && j.Dataset.Language != "" {
		r.Run.Language = j.Dataset.Language
	}
	if j.Model != nil && j.Model.Hub != "" {
		if m, p, ok := zoo.FromRepo(j.Model.Hub); ok {
			r.Run.OpenCLIP, r.Run.Pretrained = m, p
		}
	}
	if j.Dataset != nil && j.Dataset.Hub != "" {
		r.Run.DatasetSource = &reports.Source{Hub: j.Dataset.Hub}
	}
	return r
}

// outputPath is a record's --output file.
func (e *evalSpec) outputPath(r *reports.Record) (string, bool, error) {
	n, err := reports.CLIPBenchmarkNames(r)
	if err != nil {
		return "", false, nil // no CLIP_benchmark form: no file
	}
	p, err := n.OutputName(e.output, r.K, r.Seed)
	return p, err == nil, err
}

// skipJobs drops, with --skip-existing, jobs whose output file exists.
func (e *evalSpec) skipJobs(o *runOptions) func([]suites.Job, io.Writer) []suites.Job {
	return func(jobs []suites.Job, stderr io.Writer) []suites.Job {
		if !e.skipExisting {
			return jobs
		}
		out := []suites.Job{}
		for i := range jobs {
			r := protoRecord(&jobs[i])
			p, ok, _ := e.outputPath(&r)
			if ok {
				if _, err := os.Stat(p); err == nil {
					fmt.Fprintf(stderr, "skip %s: %s exists (--skip-existing)\n", jobs[i].ID, p)
					continue
				}
			}
			out = append(out, jobs[i])
		}
		return out
	}
}

// writeOutputs writes each record's CLIP_benchmark file. An existing file
// is refused unless force (with --skip-existing its job did not run).
func (e *evalSpec) writeOutputs(recs []reports.Record, force, quiet bool, stderr io.Writer) error {
	var errs []error
	for i := range recs {
		r := &recs[i]
		p, ok, err := e.outputPath(r)
		if err != nil {
			return usagef("", "eval: --output: %v", err)
		}
		if !ok || r.Error != "" {
			continue
		}
		if _, err := os.Lstat(p); err == nil && !force {
			errs = append(errs, fmt.Errorf("%s exists (from an earlier evaluation; --force overwrites, --skip-existing skips its job)", p))
			continue
		}
		data, err := reports.CLIPBenchmarkResult(r)
		if err == nil {
			err = writeCreatingFolders(p, data)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !quiet {
			fmt.Fprintf(stderr, "wrote %s\n", p)
		}
	}
	return errors.Join(errs...)
}
