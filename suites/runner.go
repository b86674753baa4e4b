package suites

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/evalclip/evalclip/encoders/imageproc"
	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/internal/atomicfile"
	"github.com/evalclip/evalclip/internal/buildinfo"
	"github.com/evalclip/evalclip/internal/panics"
	"github.com/evalclip/evalclip/reports"
)

// ErrInterrupted is wrapped when a run stops because its context was
// cancelled (Ctrl-C). Records of completed jobs are kept.
var ErrInterrupted = errors.New("run interrupted")

// ErrResultsWrite is wrapped when results.json cannot be written (a full
// disk): the run stops, and the summary holds only what the file holds.
var ErrResultsWrite = errors.New("cannot write the results file")

// SuiteCopyFile is the name of the copy of the suite kept in the output
// folder, so that a results folder says what produced it.
const SuiteCopyFile = reports.SuiteCopyFile

// Runner executes a suite's jobs and records their results.
type Runner struct {
	Suite *Suite
	// Jobs to run; nil means Plan(Suite) (unless Prior is set).
	Jobs []Job
	// OutDir must have been prepared with PrepareOutDir.
	OutDir string
	// Stderr receives progress and job summaries.
	Stderr io.Writer
	// Quiet suppresses progress and per-job lines (errors still print).
	Quiet bool
	// FailFast stops at the first failed job instead of running the rest.
	FailFast bool
	// Tasks, when set, replaces the task kinds' implementations (tests): a
	// task type missing from it cannot run.
	Tasks map[TaskType]TaskRunner
	// Shard labels records of a sharded run ("i/n").
	Shard string
	// NoCache bypasses the feature cache (--no-cache).
	NoCache bool
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Prior holds records kept from an earlier run of the same suite in
	// OutDir (evalclip run --resume): they are written with the new ones,
	// all in plan order, and Jobs should leave their jobs out.
	Prior []reports.Record
	// SuiteData, when set, is written as OUT/suite.toml instead of a copy
	// of Suite.Path (a suite built in memory by evalclip eval).
	SuiteData []byte
}

// Summary is the outcome of a run.
type Summary struct {
	// Records are all records written to results.json.
	Records []reports.Record
	// Failed lists the IDs of jobs that failed.
	Failed []string
	// Done counts completed jobs (failed ones included).
	Done, Total int
	// ResultsPath is OUT/results.json.
	ResultsPath string
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// lookup returns what runs a job: with Tasks set, the entry for its task
// type (types missing from Tasks cannot run); else its task's options.
func (r *Runner) lookup(j *Job) (TaskRunner, bool) {
	if r.Tasks != nil {
		tr, ok := r.Tasks[j.Task.Type]
		return tr, ok
	}
	if j.Task.Config == nil {
		return nil, false
	}
	return j.Task.Config, true
}

// Run executes the jobs in order. It writes OUT/suite.toml and an empty
// OUT/results.json first, then rewrites results.json atomically after each
// job. A failing job is recorded (its record carries the error) and the run
// goes on unless FailFast; the returned error then lists the failures.
// Cancelling ctx stops the run between jobs or inside one; completed
// records stay and the error wraps ErrInterrupted.
func (r *Runner) Run(ctx context.Context) (sum *Summary, err error) {
	s := r.Suite
	jobs := r.Jobs
	if jobs == nil && r.Prior == nil {
		jobs = Plan(s)
	}
	stderr := r.Stderr
	if stderr == nil {
		stderr = io.Discard
	}
	if err := r.checkImplemented(jobs); err != nil {
		return nil, err
	}
	sum = &Summary{Total: len(jobs), ResultsPath: filepath.Join(r.OutDir, reports.ResultsFile)}
	if err := r.writeSuiteCopy(); err != nil {
		return sum, err
	}
	sum.Records = append(sum.Records, r.Prior...)
	order := planOrder(s, r.Prior)
	if err := reports.WriteResults(sum.ResultsPath, sum.Records); err != nil {
		return sum, fmt.Errorf("%w %s: %v", ErrResultsWrite, sum.ResultsPath, err)
	}

	host, _ := os.Hostname()
	info := reports.RunInfo{
		Version:    buildinfo.Version(),
		Suite:      s.Name,
		ConfigHash: s.Hash,
		StartedAt:  r.now().UTC().Truncate(time.Second),
		Host:       host,
		Provider:   string(s.Runtime.Provider),
		GoVersion:  buildinfo.GoVersion(),
		Shard:      r.Shard,
		Decoder:    imageproc.JPEGDecoder(),
		Threads:    resolveCount(s.Runtime.Threads),
		Workers:    resolveCount(s.Runtime.Workers),
		Device:     "cpu",
	}
	if p := s.Runtime.Provider; p != "" && p != "cpu" {
		info.Device = fmt.Sprintf("%s:%d", p, s.Runtime.Device)
	}
	interactive := !r.Quiet && isTerminal(stderr)
	log := stderr
	if r.Quiet {
		log = io.Discard
	}
	env := &Env{Suite: s, OutDir: r.OutDir, Log: log, Progress: nopProgress{}, NoCache: r.NoCache}
	defer func() {
		if cerrs := env.closeResources(); len(cerrs) > 0 {
			err = errors.Join(append([]error{err}, cerrs...)...)
		}
	}()

	width := len(fmt.Sprint(len(jobs)))
	for i := range jobs {
		job := &jobs[i]
		if ctx.Err() != nil {
			return sum, r.interrupted(sum)
		}
		prefix := fmt.Sprintf("[%*d/%d]", width, i+1, len(jobs))
		var bar *barProgress
		var lines *lineProgress
		switch {
		case interactive:
			bar = &barProgress{w: stderr, prefix: prefix + " " + job.Describe()}
			env.Progress = bar
		case !r.Quiet:
			lines = &lineProgress{w: stderr, prefix: prefix + " " + job.Describe(), now: r.Now}
			env.Progress = lines
		default:
			env.Progress = nopProgress{}
		}
		start := r.now()
		recs, jerr := r.runJob(ctx, env, job)
		elapsed := r.now().Sub(start)
		if bar != nil {
			bar.finish()
		}
		if lines != nil {
			lines.finish()
		}
		if jerr != nil && ctx.Err() != nil {
			return sum, r.interrupted(sum)
		}
		if jerr != nil {
			sum.Failed = append(sum.Failed, job.ID)
			recs = []reports.Record{{Error: jerr.Error(), DurationS: elapsed.Seconds()}}
			fmt.Fprintf(stderr, "%s %s: FAILED: %v\n", prefix, job.Describe(), jerr)
		}
		for k := range recs {
			r.stamp(&recs[k], job, info)
			identify(&recs[k], env, job)
		}
		all := order(append(append([]reports.Record(nil), sum.Records...), recs...))
		if err := reports.WriteResults(sum.ResultsPath, all); err != nil {
			// The file keeps the previous complete write; so does the
			// summary, so that nothing claims records the file lacks.
			return sum, fmt.Errorf("%w %s after %d of %d jobs (it holds the %d records before): %v",
				ErrResultsWrite, sum.ResultsPath, sum.Done, sum.Total, len(sum.Records), err)
		}
		sum.Records = all
		sum.Done++
		if jerr == nil && !r.Quiet {
			fmt.Fprintf(stderr, "%s %s: %s (%s)\n", prefix, job.Describe(), headline(recs), elapsed.Round(time.Millisecond))
		}
		if jerr != nil && r.FailFast {
			break
		}
	}
	if len(sum.Failed) > 0 {
		return sum, fmt.Errorf("%d of %d jobs failed: %s (errors recorded in %s)",
			len(sum.Failed), len(jobs), strings.Join(sum.Failed, ", "), sum.ResultsPath)
	}
	return sum, nil
}

func (r *Runner) interrupted(sum *Summary) error {
	return fmt.Errorf("%w after %d of %d jobs; completed records are in %s", ErrInterrupted, sum.Done, sum.Total, sum.ResultsPath)
}

// checkImplemented fails before any work when a task type has no
// implementation in this build.
func (r *Runner) checkImplemented(jobs []Job) error {
	var errs []error
	seen := map[TaskType]bool{}
	for i := range jobs {
		j := &jobs[i]
		if seen[j.Task.Type] {
			continue
		}
		seen[j.Task.Type] = true
		if _, ok := r.lookup(j); !ok {
			key := fmt.Sprintf("tasks[%d].type", j.TaskIndex)
			errs = append(errs, &ConfigError{File: r.Suite.Path, Line: r.Suite.keys.lineOf(key), Key: key,
				Msg: fmt.Sprintf("task type %q is not available in this build of evalclip", j.Task.Type)})
		}
	}
	return errors.Join(errs...)
}

// runJob calls the task, turning a panic into an error so that one broken
// job does not lose the others' results.
func (r *Runner) runJob(ctx context.Context, env *Env, job *Job) (recs []reports.Record, err error) {
	tr, _ := r.lookup(job)
	defer panics.Recover(&err)
	return tr.Run(ctx, env, job)
}

// stamp fills the identity fields the task left empty from the job's key,
// and the run metadata.
func (r *Runner) stamp(rec *reports.Record, job *Job, info reports.RunInfo) {
	k := job.Key
	if rec.Task == "" {
		rec.Task = k.Task
	}
	if rec.Model == "" {
		rec.Model = k.Model
	}
	if rec.Dataset == "" && k.Dataset != "" {
		rec.Dataset = k.Dataset
		if rec.Split == "" {
			rec.Split = k.Split
		}
	}
	if rec.K == 0 {
		rec.K = k.K
	}
	if rec.Seed == 0 {
		rec.Seed = k.Seed
	}
	if rec.Metrics == nil {
		rec.Metrics = reports.Metrics{}
	}
	if rec.Job == "" {
		rec.Job = job.ID
	}
	rec.Run = info
	if lib, ok := onnxrt.Loaded(); ok {
		rec.Run.ONNXRuntime = lib.Version
	}
	if m := job.Model; m != nil {
		rec.Run.ModelSource = m.Source
		if src := m.Source; src != nil {
			rec.Run.OpenCLIP, rec.Run.Pretrained = src.OpenCLIP, src.Pretrained
		}
		if m.OpenCLIP != "" || m.Pretrained != "" {
			rec.Run.OpenCLIP, rec.Run.Pretrained = m.OpenCLIP, m.Pretrained
		}
		if m.Backend != "" && m.Backend != "onnx" {
			setParam(rec, reports.ParamBackend, string(m.Backend))
		}
	}
	if d := job.Dataset; d != nil {
		rec.Run.DatasetSource = d.Source
		if d.Limit > 0 {
			setParam(rec, reports.ParamLimit, d.Limit)
		}
	}
	if lang := rec.ParamString("language"); lang != "" {
		rec.Run.Language = lang
	}
}

func (r *Runner) writeSuiteCopy() error {
	data := r.SuiteData
	if data == nil {
		var err error
		if data, err = os.ReadFile(r.Suite.Path); err != nil {
			return fmt.Errorf("copy suite into %s: %w", r.OutDir, err)
		}
	}
	return atomicfile.WriteFile(filepath.Join(r.OutDir, SuiteCopyFile), data, 0o644)
}

// planOrder returns how records are ordered when a run resumes: by their
// job's place in the plan (records of unknown jobs last, in their order),
// so that a resumed run's results.json reads like an uninterrupted one.
// Without prior records it keeps the order records arrive in.
func planOrder(s *Suite, prior []reports.Record) func([]reports.Record) []reports.Record {
	if len(prior) == 0 {
		return func(r []reports.Record) []reports.Record { return r }
	}
	index := map[string]int{}
	for _, j := range Plan(s) {
		index[j.ID] = j.Index
	}
	return func(recs []reports.Record) []reports.Record {
		at := func(r *reports.Record) int {
			if i, ok := index[r.Job]; ok {
				return i
			}
			return len(index)
		}
		sort.SliceStable(recs, func(a, b int) bool { return at(&recs[a]) < at(&recs[b]) })
		return recs
	}
}

// headline summarises a job's records for its progress line.
func headline(recs []reports.Record) string {
	if len(recs) == 0 {
		return "no records"
	}
	m := recs[0].Metrics
	var parts []string
	for _, k := range []string{reports.MetricAcc1, reports.MetricAcc5, reports.MetricMeanPerClassRecall} {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%.4f", k, v))
		}
	}
	if len(parts) == 0 {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if len(parts) == 3 {
				break
			}
			parts = append(parts, fmt.Sprintf("%s=%.4g", k, m[k]))
		}
	}
	if len(recs) > 1 {
		parts = append(parts, fmt.Sprintf("(%d records)", len(recs)))
	}
	if len(parts) == 0 {
		return "done"
	}
	return strings.Join(parts, " ")
}

// resolveCount is a thread or worker count as run: 0 means every core.
func resolveCount(n int) int {
	if n <= 0 {
		return runtime.NumCPU()
	}
	return n
}

// setParam sets a record param, making the map when needed.
func setParam(rec *reports.Record, key string, v any) {
	if rec.Params == nil {
		rec.Params = map[string]any{}
	}
	rec.Params[key] = v
}

// identify fills the record's model identity from the model's own files
// (its config) when neither the suite nor the Hub gave one.
func identify(rec *reports.Record, env *Env, job *Job) {
	if job.Model == nil || rec.Run.OpenCLIP != "" || rec.Run.Pretrained != "" {
		return
	}
	m, ok := env.Opened("model/" + job.Model.Name).(interface{ Identity() (string, string) })
	if !ok {
		return
	}
	rec.Run.OpenCLIP, rec.Run.Pretrained = m.Identity()
}
