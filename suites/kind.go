package suites

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/evalclip/evalclip/reports"
)

// TaskType names a kind of task: the `type` of a [[tasks]] table.
type TaskType string

// UnmarshalText accepts the type of a registered kind, so that an unknown
// type is an error carrying its line.
func (t *TaskType) UnmarshalText(text []byte) error {
	v, err := parseEnum("task type", text, kindNames())
	*t = TaskType(v)
	return err
}

// Kind is one task type. Each kind lives in one file (the built-in ones in
// package suites/tasks), owns the keys of its [[tasks]] tables through its
// [TaskConfig], and registers itself with [RegisterKind]; the suite knows
// only the keys every task has (type, name, models, datasets).
type Kind struct {
	// Type is the `type` value.
	Type TaskType
	// RecordTask is the "task" field of the kind's records.
	RecordTask string
	// PerModel: the kind runs each selected model on each selected dataset
	// (the models and datasets keys select them); otherwise a task is one
	// job without models or datasets.
	PerModel bool
	// NeedsText: the kind needs a text tower, so supervised (image-only)
	// models are left out of its plan, and naming one is an error.
	NeedsText bool
	// Captions: the kind runs on caption datasets (image-text retrieval);
	// otherwise a per-model kind runs on labelled ones. Datasets of the
	// other role are left out of its default plan, and naming one is an
	// error.
	Captions bool
	// NewConfig returns empty options for one [[tasks]] table; the suite
	// decodes the table's other keys into it, then calls SetDefaults.
	NewConfig func() TaskConfig
}

// TaskConfig is a kind's typed options for one [[tasks]] table, decoded
// from the table (toml tags name the keys) or filled by a command line.
type TaskConfig interface {
	// SetDefaults fills options left unset.
	SetDefaults()
	// Validate reports every problem with the options through c, with keys
	// relative to the task's table.
	Validate(c *Check)
	// Plan expands the task into jobs through p.
	Plan(p *Planner)
	// Run executes one of the task's jobs (see [TaskRunner]).
	TaskRunner
}

var (
	kindsMu sync.RWMutex
	kinds   = map[TaskType]Kind{}
)

// RegisterKind makes k available to suites. Kinds register from init;
// registering a type twice, or an incomplete kind, panics.
func RegisterKind(k Kind) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if k.Type == "" || k.NewConfig == nil || k.RecordTask == "" {
		panic(fmt.Sprintf("suites: incomplete task kind %+v", k))
	}
	if _, dup := kinds[k.Type]; dup {
		panic(fmt.Sprintf("suites: task type %q registered twice", k.Type))
	}
	kinds[k.Type] = k
}

// LookupKind returns the kind of task type t.
func LookupKind(t TaskType) (Kind, bool) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[t]
	return k, ok
}

// Kinds lists the registered kinds, sorted by type.
func Kinds() []Kind {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	out := make([]Kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

// RegisteredTasks lists the task types this build can run.
func RegisteredTasks() []TaskType {
	var out []TaskType
	for _, k := range Kinds() {
		out = append(out, k.Type)
	}
	return out
}

func kindNames() []string {
	var out []string
	for _, k := range Kinds() {
		out = append(out, string(k.Type))
	}
	return out
}

// RecordTask maps a task type to the "task" field of its records.
func RecordTask(t TaskType) string {
	if k, ok := LookupKind(t); ok {
		return k.RecordTask
	}
	return string(t)
}

// configKeys lists the TOML keys a kind's options take.
func configKeys(k Kind) []string {
	return structKeys(reflect.TypeOf(k.NewConfig()))
}

// Check collects the problems of one task's options; keys are relative to
// the task's table ("shots[1]" is reported as tasks[3].shots[1], at its
// line).
type Check struct {
	// Suite is the suite being validated; Task the task, at Index in
	// Suite.Tasks.
	Suite *Suite
	Task  *Task
	Index int
	p     *problems
}

// Key returns the suite-wide key path of rel ("tasks[3].shots"); rel
// itself when the options are checked outside a suite.
func (c *Check) Key(rel string) string {
	if c.Index < 0 {
		return rel
	}
	if rel == "" {
		return fmt.Sprintf("tasks[%d]", c.Index)
	}
	return fmt.Sprintf("tasks[%d].%s", c.Index, rel)
}

// Addf records a problem at key rel.
func (c *Check) Addf(rel, format string, args ...any) { c.p.addf(c.Key(rel), format, args...) }

// Counts checks a list of non-negative, distinct integers at key rel,
// naming each bad element (what: "shots", "seed").
func (c *Check) Counts(rel, what string, vals []int) {
	seen := map[int]bool{}
	for j, v := range vals {
		k := fmt.Sprintf("%s[%d]", rel, j)
		if v < 0 {
			c.Addf(k, "%s must be 0 or more, got %d", what, v)
		}
		if seen[v] {
			c.Addf(k, "%s %d is listed twice", what, v)
		}
		seen[v] = true
	}
}

// Problem is one problem found by [ValidateConfig]: Key is relative to the
// task's table ("topk", "dtypes[1]").
type Problem struct{ Key, Msg string }

// ValidateConfig checks options filled outside a suite (a command line
// fills a kind's options and maps each problem's key to its flag).
func ValidateConfig(cfg TaskConfig) []Problem {
	s := &Suite{}
	p := &problems{s: s}
	cfg.Validate(&Check{Suite: s, Index: -1, p: p})
	out := make([]Problem, 0, len(p.errs))
	for _, err := range p.errs {
		if ce, ok := err.(*ConfigError); ok {
			out = append(out, Problem{Key: ce.Key, Msg: ce.Msg})
		}
	}
	return out
}

// Planner expands one task into jobs (see [TaskConfig.Plan]).
type Planner struct {
	suite *Suite
	task  *Task
	index int
	kind  Kind
	jobs  *[]Job
}

// Task is the task being planned.
func (p *Planner) Task() *Task { return p.task }

// Pair is one model and dataset a per-model task runs on.
type Pair struct {
	Model   *Model
	Dataset *Dataset
}

// Pairs lists the (model, dataset) pairs the task runs on, models in file
// order, then datasets: those it names (when it names none, all of the
// kind's role: caption datasets for retrieval, labelled ones otherwise),
// less image-only models for kinds that need a text tower.
func (p *Planner) Pairs() []Pair {
	var out []Pair
	for _, m := range selectModels(p.suite, p.task.Models) {
		if p.kind.NeedsText && m.Supervised {
			continue
		}
		for _, d := range selectDatasets(p.suite, p.task.Datasets) {
			if len(p.task.Datasets) == 0 && d.Captions != p.kind.Captions {
				continue
			}
			out = append(out, Pair{m, d})
		}
	}
	return out
}

// Add appends a job. For a per-model kind, on is the pair it runs and
// suffix ends its ID ("/k=4/seed=1"); k and seed go into its key, and
// detail into its progress label ("4-shot seed 1"). A task without models
// passes a zero Pair.
func (p *Planner) Add(on Pair, k, seed int, suffix, detail string) {
	j := Job{Index: len(*p.jobs), TaskIndex: p.index, Task: p.task, Model: on.Model, Dataset: on.Dataset,
		K: k, Seed: seed, Detail: detail}
	id := string(p.task.Type)
	j.Key = reports.Key{Task: p.kind.RecordTask, K: k, Seed: seed}
	if on.Model != nil {
		id += fmt.Sprintf("/model=%s/dataset=%s", on.Model.Name, on.Dataset.Name)
		j.Key.Model, j.Key.Dataset, j.Key.Split = on.Model.Name, on.Dataset.Name, on.Dataset.Split
		if p.task.Name != "" {
			id += "/name=" + p.task.Name
		}
	} else if p.task.Name != "" {
		id += "/name=" + p.task.Name
	} else {
		id += fmt.Sprintf("/task=%d", p.index)
	}
	j.ID = id + suffix
	*p.jobs = append(*p.jobs, j)
}

// List is a TOML array of strings decoded element by element with T's
// UnmarshalText (T's pointer must implement encoding.TextUnmarshaler): a bad
// element does not stop decoding, so that [List.Check] reports every bad
// element at its index with the others.
type List[T any] struct {
	Values []T
	raw    []string
	errs   map[int]error
}

// Of returns a List holding values, as a command line fills one.
func Of[T any](values ...T) List[T] { return List[T]{Values: values} }

// UnmarshalTOML decodes an array of strings.
func (l *List[T]) UnmarshalTOML(data any) error {
	arr, ok := data.([]any)
	if !ok {
		return fmt.Errorf("expected an array of strings, got %T", data)
	}
	*l = List[T]{}
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return fmt.Errorf("element %d: expected a string, got %T", i, e)
		}
		if err := l.add(s); err != nil {
			if l.errs == nil {
				l.errs = map[int]error{}
			}
			l.errs[i] = err
		}
	}
	if l.Values == nil {
		l.Values = []T{}
	}
	return nil
}

// Parse fills the list from strings, as a command line's comma-separated
// flag gives them.
func (l *List[T]) Parse(items []string) {
	arr := make([]any, len(items))
	for i, s := range items {
		arr[i] = s
	}
	l.UnmarshalTOML(arr) // an array of strings always decodes
}

func (l *List[T]) add(s string) error {
	l.raw = append(l.raw, s)
	var v T
	u, ok := any(&v).(encoding.TextUnmarshaler)
	if !ok {
		return fmt.Errorf("%T cannot be read from text", v)
	}
	if err := u.UnmarshalText([]byte(s)); err != nil {
		return err
	}
	l.Values = append(l.Values, v)
	return nil
}

// Set reports whether the key was written (an empty array counts).
func (l *List[T]) Set() bool { return l.Values != nil || len(l.errs) > 0 }

// Len is the number of elements written, good or bad.
func (l *List[T]) Len() int { return len(l.Values) + len(l.errs) }

// Check reports each element that did not decode, at rel[i].
func (l *List[T]) Check(c *Check, rel string) {
	idx := make([]int, 0, len(l.errs))
	for i := range l.errs {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		c.Addf(fmt.Sprintf("%s[%d]", rel, i), "%v", l.errs[i])
	}
}

// MarshalJSON writes the elements as written.
func (l List[T]) MarshalJSON() ([]byte, error) {
	if l.raw == nil && l.Values != nil {
		out := make([]string, len(l.Values))
		for i, v := range l.Values {
			out[i] = fmt.Sprint(v)
		}
		return json.Marshal(out)
	}
	return json.Marshal(l.raw)
}

// Strings returns the elements as written.
func (l *List[T]) Strings() []string {
	if l.raw == nil {
		out := make([]string, len(l.Values))
		for i, v := range l.Values {
			out[i] = fmt.Sprint(v)
		}
		return out
	}
	return append([]string(nil), l.raw...)
}

// taskCommon holds the keys every [[tasks]] table has.
type taskCommon struct {
	Type     TaskType `toml:"type"`
	Name     string   `toml:"name"`
	Models   []string `toml:"models"`
	Datasets []string `toml:"datasets"`
}

// commonTaskKeys are the keys every [[tasks]] table may have.
var commonTaskKeys = structKeys(reflect.TypeOf(taskCommon{}))

// structKeys lists the toml tags of a struct type's fields, sorted.
func structKeys(t reflect.Type) []string {
	for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Tag.Get("toml") == "" {
			keys = append(keys, structKeys(f.Type)...)
			continue
		}
		if tag, _, _ := strings.Cut(f.Tag.Get("toml"), ","); tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	sort.Strings(keys)
	return keys
}
