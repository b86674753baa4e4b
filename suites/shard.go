package suites

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one part of a plan split n ways: jobs are dealt to shards
// deterministically, so n machines running the same suite with shards
// 0/n .. n-1/n together run every job exactly once.
type Shard struct {
	Index, Count int
}

// String returns "i/n".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Environment variables read by "--shard auto".
const (
	EnvSlurmTaskID    = "SLURM_ARRAY_TASK_ID"
	EnvSlurmTaskCount = "SLURM_ARRAY_TASK_COUNT"
	EnvSlurmTaskMin   = "SLURM_ARRAY_TASK_MIN"
	EnvSlurmTaskStep  = "SLURM_ARRAY_TASK_STEP"
	EnvK8sIndex       = "JOB_COMPLETION_INDEX"
)

// ParseShard reads a shard spec "I/N" (0 <= I < N). Either part may be
// "auto", and "auto" alone means "auto/auto": the index then comes from a
// Slurm job array (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN, divided
// by SLURM_ARRAY_TASK_STEP) or a Kubernetes Indexed Job
// (JOB_COMPLETION_INDEX), and the count from SLURM_ARRAY_TASK_COUNT. A
// Kubernetes job has no count in its environment: write "auto/N" with N =
// spec.completions. getenv is os.Getenv outside tests.
func ParseShard(spec string, getenv func(string) string) (Shard, error) {
	spec = strings.TrimSpace(spec)
	if spec == "auto" {
		spec = "auto/auto"
	}
	is, ns, ok := strings.Cut(spec, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: expected I/N (e.g. 0/4, shards counted from 0), auto/N or auto", spec)
	}
	var s Shard
	var err error
	if ns == "auto" {
		v := getenv(EnvSlurmTaskCount)
		if v == "" {
			return Shard{}, fmt.Errorf("shard %q: %s is not set; give the shard count as %s/N (for a Kubernetes Indexed Job, N = spec.completions)", spec, EnvSlurmTaskCount, is)
		}
		if s.Count, err = envInt(EnvSlurmTaskCount, v); err != nil {
			return Shard{}, fmt.Errorf("shard %q: %w", spec, err)
		}
	} else if s.Count, err = strconv.Atoi(ns); err != nil || s.Count < 1 {
		return Shard{}, fmt.Errorf("shard %q: shard count %q is not a positive integer", spec, ns)
	}
	if is == "auto" {
		if s.Index, err = shardIndexFromEnv(getenv); err != nil {
			return Shard{}, fmt.Errorf("shard %q: %w", spec, err)
		}
	} else if s.Index, err = strconv.Atoi(is); err != nil || s.Index < 0 {
		return Shard{}, fmt.Errorf("shard %q: shard index %q is not an integer 0 or more", spec, is)
	}
	if s.Index >= s.Count {
		return Shard{}, fmt.Errorf("shard %q: index %d out of range 0..%d (shards are counted from 0)", spec, s.Index, s.Count-1)
	}
	return s, nil
}

func envInt(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q is not an integer 0 or more", name, v)
	}
	return n, nil
}

func shardIndexFromEnv(getenv func(string) string) (int, error) {
	if v := getenv(EnvSlurmTaskID); v != "" {
		id, err := envInt(EnvSlurmTaskID, v)
		if err != nil {
			return 0, err
		}
		lo, step := 0, 1
		if m := getenv(EnvSlurmTaskMin); m != "" {
			if lo, err = envInt(EnvSlurmTaskMin, m); err != nil {
				return 0, err
			}
		}
		if st := getenv(EnvSlurmTaskStep); st != "" {
			if step, err = envInt(EnvSlurmTaskStep, st); err != nil || step < 1 {
				return 0, fmt.Errorf("%s=%q is not a positive integer", EnvSlurmTaskStep, st)
			}
		}
		if id < lo || (id-lo)%step != 0 {
			return 0, fmt.Errorf("%s=%d is not in the array %d, %d, ... (%s, %s)", EnvSlurmTaskID, id, lo, lo+step, EnvSlurmTaskMin, EnvSlurmTaskStep)
		}
		return (id - lo) / step, nil
	}
	if v := getenv(EnvK8sIndex); v != "" {
		return envInt(EnvK8sIndex, v)
	}
	return 0, fmt.Errorf("neither %s (Slurm job array) nor %s (Kubernetes Indexed Job) is set", EnvSlurmTaskID, EnvK8sIndex)
}

// Select returns the jobs of this shard, in plan order. Jobs that share a
// model and dataset (zero-shot and every shot and seed of the linear probe)
// stay on one shard, because they share encoded features; each kernel job
// is a group of its own. Groups are dealt round-robin in plan order. When
// there are fewer groups than shards, single jobs are dealt instead, so
// that no shard idles. The result depends only on the plan.
func (s Shard) Select(jobs []Job) []Job {
	groupOf := make([]int, len(jobs))
	ids := map[string]int{}
	for i := range jobs {
		key := jobs[i].ID
		if jobs[i].Model != nil && jobs[i].Dataset != nil {
			key = "model=" + jobs[i].Model.Name + "/dataset=" + jobs[i].Dataset.Name
		}
		g, ok := ids[key]
		if !ok {
			g = len(ids)
			ids[key] = g
		}
		groupOf[i] = g
	}
	byGroup := len(ids) >= s.Count
	out := make([]Job, 0, len(jobs)/s.Count+1)
	for i := range jobs {
		unit := i
		if byGroup {
			unit = groupOf[i]
		}
		if unit%s.Count == s.Index {
			out = append(out, jobs[i])
		}
	}
	return out
}
