package suites

import (
	"fmt"
	"strings"

	"github.com/evalclip/evalclip/reports"
)

// Job is one unit of work: a task on one model and dataset (and, for a
// few-shot task, one shot count and seed). Jobs of tasks without models
// have no model or dataset.
type Job struct {
	// Index is the job's position in the plan, from 0.
	Index int
	// ID names the job uniquely within the plan, in Go benchmark-name style:
	// zeroshot/model=ViT-B-32/dataset=pets, linear_probe/.../k=4/seed=1.
	ID        string
	TaskIndex int
	Task      *Task
	Model     *Model   // nil for tasks without models
	Dataset   *Dataset // nil for tasks without models
	K         int      // shots per class (few-shot tasks); 0 = all data
	Seed      int
	// Key is what the job's records measure (task, model, dataset, split,
	// k, seed; the kind's own dimensions come from each record): the Runner
	// stamps records with it.
	Key reports.Key
	// Detail is the kind's part of the progress label ("4-shot seed 1").
	Detail string
}

// Plan expands the suite's tasks, in file order, into jobs: each task's
// kind plans its own (for per-model kinds: each selected model, each
// selected dataset, then the kind's own repetitions such as shots and
// seeds).
func Plan(s *Suite) []Job {
	var jobs []Job
	for ti := range s.Tasks {
		t := &s.Tasks[ti]
		k, ok := LookupKind(t.Type)
		if !ok || t.Config == nil {
			continue
		}
		t.Config.Plan(&Planner{suite: s, task: t, index: ti, kind: k, jobs: &jobs})
	}
	return jobs
}

func selectModels(s *Suite, names []string) []*Model {
	var out []*Model
	for i := range s.Models {
		if len(names) == 0 || contains(names, s.Models[i].Name) {
			out = append(out, &s.Models[i])
		}
	}
	return out
}

func selectDatasets(s *Suite, names []string) []*Dataset {
	var out []*Dataset
	for i := range s.Datasets {
		if len(names) == 0 || contains(names, s.Datasets[i].Name) {
			out = append(out, &s.Datasets[i])
		}
	}
	return out
}

// Describe returns a short human label for progress lines.
func (j *Job) Describe() string {
	var b strings.Builder
	b.WriteString(j.Task.Label())
	if j.Model != nil {
		fmt.Fprintf(&b, " %s", j.Model.Name)
	}
	if j.Dataset != nil {
		fmt.Fprintf(&b, " on %s/%s", j.Dataset.Name, j.Dataset.Split)
	}
	if j.Detail != "" {
		b.WriteString(" " + j.Detail)
	}
	return b.String()
}
