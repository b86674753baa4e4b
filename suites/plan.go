package suites

import (
	"fmt"
	"strings"
)

// Job is one unit of work: a task on one model and dataset (and, for the
// linear probe, one shot count and seed). Kernel jobs have no model or
// dataset.
type Job struct {
	// Index is the job's position in the plan, from 0.
	Index int
	// ID names the job uniquely within the plan, in Go benchmark-name style:
	// zeroshot/model=ViT-B-32/dataset=pets, linear_probe/.../k=4/seed=1.
	ID        string
	TaskIndex int
	Task      *Task
	Model     *Model   // nil for kernels
	Dataset   *Dataset // nil for kernels
	K         int      // shots per class (linear probe); 0 = all data
	Seed      int
}

// Plan expands the suite's tasks, in file order, into jobs: for each task,
// each selected model, each selected dataset, then each shot count and seed.
func Plan(s *Suite) []Job {
	var jobs []Job
	add := func(j Job) {
		j.Index = len(jobs)
		jobs = append(jobs, j)
	}
	for ti := range s.Tasks {
		t := &s.Tasks[ti]
		if !t.Type.NeedsModels() {
			id := string(t.Type)
			if t.Name != "" {
				id += "/name=" + t.Name
			} else {
				id += fmt.Sprintf("/task=%d", ti)
			}
			add(Job{ID: id, TaskIndex: ti, Task: t})
			continue
		}
		for _, m := range selectModels(s, t.Models) {
			if t.Type == TaskZeroShot && m.Supervised {
				continue // image-only models have no zero-shot classifier
			}
			for _, d := range selectDatasets(s, t.Datasets) {
				base := fmt.Sprintf("%s/model=%s/dataset=%s", t.Type, m.Name, d.Name)
				if t.Name != "" {
					base += "/name=" + t.Name
				}
				if t.Type != TaskLinearProbe {
					add(Job{ID: base, TaskIndex: ti, Task: t, Model: m, Dataset: d})
					continue
				}
				for _, k := range t.Shots {
					for _, seed := range t.Seeds {
						add(Job{ID: fmt.Sprintf("%s/k=%d/seed=%d", base, k, seed), TaskIndex: ti, Task: t,
							Model: m, Dataset: d, K: k, Seed: seed})
					}
				}
			}
		}
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
	if j.Task.Type == TaskLinearProbe {
		if j.K == 0 {
			b.WriteString(" all-shot")
		} else {
			fmt.Fprintf(&b, " %d-shot", j.K)
		}
		fmt.Fprintf(&b, " seed %d", j.Seed)
	}
	return b.String()
}
