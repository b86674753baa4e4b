package reports

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Key identifies what a measurement measures, independent of the run that
// made it: two records with equal keys from two runs are comparable, and
// within one run a key (with its job) names one measurement. It is built
// in one place, [Record.Key], from the record's fields and its task's
// dimensions ([TaskInfo.Dims]); every name derived from a measurement (ID,
// group ID, benchmark name, file and gate names) comes from it. Keys are
// comparable and usable as map keys.
type Key struct {
	Task, Model, Dataset, Split string
	// K is the shot count (few-shot tasks; 0 = all data or not applicable).
	K    int
	Seed int
	// Dims holds the task's own dimensions ("impl=cpu/dtype=fp32/...") in
	// the task's order, values sanitised like benchmark-name parts; see
	// [Key.WithDim] and [Key.Dim].
	Dims string
}

// Dim is one of a task's own dimensions: a name and its value.
type Dim struct{ Name, Value string }

// WithDim returns k with dimension name = value appended.
func (k Key) WithDim(name, value string) Key {
	d := name + "=" + namePart(value)
	if k.Dims == "" {
		k.Dims = d
	} else {
		k.Dims += "/" + d
	}
	return k
}

// Dim returns the value of dimension name ("" when absent).
func (k Key) Dim(name string) string {
	for _, d := range strings.Split(k.Dims, "/") {
		if n, v, ok := strings.Cut(d, "="); ok && n == name {
			return v
		}
	}
	return ""
}

// Seedless returns k without its seed: the key of the measurement's group
// over seeds.
func (k Key) Seedless() Key {
	k.Seed = 0
	return k
}

// ID names the measurement completely, seed included:
// zeroshot/model=m/dataset=d/split=test/k=0/seed=0, then the task's own
// dimensions (kernel/.../impl=cpu/dtype=fp32/shape=NxCxD/k=5/device=cpu).
func (k Key) ID() string {
	id := fmt.Sprintf("%s/model=%s/dataset=%s/split=%s/k=%d/seed=%d", namePart(k.Task), namePart(k.Model), namePart(k.Dataset), namePart(k.Split), k.K, k.Seed)
	if k.Dims != "" {
		id += "/" + k.Dims
	}
	return id
}

// GroupID names the measurement over its seeds, as tables, compare and the
// CI gate show it: zeroshot/model=m/dataset=d, linear_probe/.../k=4 (shots
// for few-shot tasks), /split=S unless the split is test, then the task's
// own dimensions (kernel/impl=cpu/dtype=fp32/shape=NxCxD/k=5/device=cpu).
func (k Key) GroupID() string { return namePart(k.Task) + k.tail() }

// BenchName is the Go benchmark name of the measurement, without the
// "Benchmark" prefix: the task's benchmark name ([TaskInfo.Bench]) and
// the same parts as [Key.GroupID]. Seeds repeat the same name, so that
// benchstat summarises them as repeated samples.
func (k Key) BenchName() string { return LookupTask(k.Task).Bench + k.tail() }

func (k Key) tail() string {
	var b strings.Builder
	if k.Model != "" || k.Dataset != "" || k.Dims == "" {
		fmt.Fprintf(&b, "/model=%s/dataset=%s", namePart(k.Model), namePart(k.Dataset))
	}
	if k.Split != "" && k.Split != "test" {
		fmt.Fprintf(&b, "/split=%s", namePart(k.Split))
	}
	if LookupTask(k.Task).Shots {
		fmt.Fprintf(&b, "/k=%d", k.K)
	}
	if k.Dims != "" {
		b.WriteString("/" + k.Dims)
	}
	return b.String()
}

// namePart sanitises one part of a name: benchmark names hold no spaces,
// and "/" and "=" separate parts.
func namePart(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '/', '=':
			return '_'
		}
		return r
	}, s)
}

// Key returns what the record measures (see [Key]).
func (r *Record) Key() Key {
	k := Key{Task: r.Task, Model: r.Model, Dataset: r.Dataset, Split: r.Split, K: r.K, Seed: r.Seed}
	if dims := LookupTask(r.Task).Dims; dims != nil {
		for _, d := range dims(r) {
			k = k.WithDim(d.Name, d.Value)
		}
	}
	return k
}

// TaskInfo is what reports know about the records of one task: how to
// name them and what they must carry. The built-in tasks are described
// here; a task kind defined elsewhere registers its own with
// [RegisterTask], and an unregistered task gets [DefaultTaskInfo].
type TaskInfo struct {
	// Task is the records' "task" field.
	Task string
	// Bench is the benchmark-name prefix ("ZeroShot").
	Bench string
	// Shots says the shot count k is part of a measurement.
	Shots bool
	// Classification marks classification results (acc1, per-class
	// recall, confusion, per-sample correctness): tables, plots, compare
	// and the gate group them over seeds.
	Classification bool
	// Dims returns the record's own dimensions, from its params, in order;
	// nil means none.
	Dims func(r *Record) []Dim
	// Required lists the metrics each successful record must carry.
	Required []string
	// Primary is the metric compare reports for a record by default; nil
	// means acc1.
	Primary func(r *Record) string
	// Hits returns the per-sample 0/1 outcomes whose mean is metric, when
	// the record stores them: compare bootstraps intervals from them, and
	// the records of a task with Hits are grouped over seeds as
	// classification records are.
	Hits func(r *Record, metric string) (string, bool)
}

// classificationHits: top-1 accuracy is the mean of the per-sample
// correctness.
func classificationHits(r *Record, metric string) (string, bool) {
	if metric != MetricAcc1 {
		return "", false
	}
	s, ok := r.Extra[ExtraCorrect].(string)
	return s, ok && s != ""
}

// PrimaryMetric is the metric compare reports for r by default.
func PrimaryMetric(r *Record) string {
	if t := LookupTask(r.Task); t.Primary != nil {
		return t.Primary(r)
	}
	return MetricAcc1
}

// SampleHits returns r's per-sample 0/1 outcomes for metric, if it stores
// them (see [TaskInfo.Hits]).
func SampleHits(r *Record, metric string) (string, bool) {
	if t := LookupTask(r.Task); t.Hits != nil {
		return t.Hits(r, metric)
	}
	return "", false
}

var (
	tasksMu sync.RWMutex
	tasks   = map[string]TaskInfo{}
)

func init() {
	for _, t := range []TaskInfo{
		{Task: TaskZeroShot, Bench: "ZeroShot", Classification: true, Required: []string{MetricAcc1}, Hits: classificationHits,
			Dims: func(r *Record) []Dim {
				if l := r.ParamString(ParamPromptsLabel); l != "" {
					return []Dim{{"prompts", l}}
				}
				return nil
			}},
		{Task: TaskLinearProbe, Bench: "LinearProbe", Shots: true, Classification: true, Required: []string{MetricAcc1}, Hits: classificationHits,
			Dims: func(r *Record) []Dim {
				if r.Supervised() {
					return []Dim{{"features", "supervised"}}
				}
				return nil
			}},
		{Task: TaskKernel, Bench: "Kernel", Required: []string{MetricMsMedian},
			Dims: ParamDims(ParamImpl, ParamDType, ParamShape, ParamTopK, ParamDevice)},
	} {
		RegisterTask(t)
	}
}

// ParamDims returns a [TaskInfo.Dims] function that reads the named params,
// in order.
func ParamDims(params ...string) func(r *Record) []Dim {
	return func(r *Record) []Dim {
		out := make([]Dim, len(params))
		for i, p := range params {
			out[i] = Dim{p, r.ParamString(p)}
		}
		return out
	}
}

// RegisterTask describes the records of a task. Registering a task twice
// panics.
func RegisterTask(t TaskInfo) {
	tasksMu.Lock()
	defer tasksMu.Unlock()
	if _, dup := tasks[t.Task]; dup || t.Task == "" {
		panic(fmt.Sprintf("reports: task %q registered twice or unnamed", t.Task))
	}
	if t.Bench == "" {
		t.Bench = DefaultTaskInfo(t.Task).Bench
	}
	tasks[t.Task] = t
}

// LookupTask returns what is known about task's records.
func LookupTask(task string) TaskInfo {
	tasksMu.RLock()
	t, ok := tasks[task]
	tasksMu.RUnlock()
	if !ok {
		return DefaultTaskInfo(task)
	}
	return t
}

// DefaultTaskInfo describes a task nothing registered: its benchmark name
// is the task name, it has no own dimensions and no required metrics.
func DefaultTaskInfo(task string) TaskInfo {
	return TaskInfo{Task: task, Bench: namePart(task)}
}

// Tasks lists the registered tasks, sorted.
func Tasks() []string {
	tasksMu.RLock()
	defer tasksMu.RUnlock()
	out := make([]string, 0, len(tasks))
	for t := range tasks {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Classification reports whether a task's records are classification
// results (see [TaskInfo.Classification]).
func Classification(task string) bool { return LookupTask(task).Classification }
