package suites_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/evalclip/evalclip/suites"
	_ "github.com/evalclip/evalclip/suites/tasks" // the task kinds
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestParseShard(t *testing.T) {
	ok := []struct {
		spec string
		env  func(string) string
		want suites.Shard
	}{
		{"0/4", env(), suites.Shard{0, 4}},
		{" 3/4 ", env(), suites.Shard{3, 4}},
		{"auto", env(suites.EnvSlurmTaskID, "2", suites.EnvSlurmTaskCount, "5"), suites.Shard{2, 5}},
		{"auto", env(suites.EnvSlurmTaskID, "7", suites.EnvSlurmTaskCount, "4", suites.EnvSlurmTaskMin, "1", suites.EnvSlurmTaskStep, "2"), suites.Shard{3, 4}},
		{"auto/8", env(suites.EnvK8sIndex, "6"), suites.Shard{6, 8}},
		{"auto/3", env(suites.EnvSlurmTaskID, "1", suites.EnvK8sIndex, "2"), suites.Shard{1, 3}},
		{"1/auto", env(suites.EnvSlurmTaskCount, "2"), suites.Shard{1, 2}},
	}
	for _, c := range ok {
		got, err := suites.ParseShard(c.spec, c.env)
		if err != nil || got != c.want {
			t.Errorf("%q: %v %v, want %v", c.spec, got, err, c.want)
		}
	}
	bad := []struct {
		spec string
		env  func(string) string
		want string
	}{
		{"4/4", env(), "index 4 out of range 0..3 (shards are counted from 0)"},
		{"1", env(), "expected I/N"},
		{"a/4", env(), `shard index "a" is not an integer`},
		{"0/0", env(), `shard count "0" is not a positive integer`},
		{"auto", env(), "SLURM_ARRAY_TASK_COUNT is not set; give the shard count as auto/N"},
		{"auto/4", env(), "neither SLURM_ARRAY_TASK_ID (Slurm job array) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Job) is set"},
		{"auto/4", env(suites.EnvK8sIndex, "x"), `JOB_COMPLETION_INDEX="x" is not an integer`},
		{"auto", env(suites.EnvSlurmTaskID, "4", suites.EnvSlurmTaskCount, "4", suites.EnvSlurmTaskMin, "1", suites.EnvSlurmTaskStep, "2"), "SLURM_ARRAY_TASK_ID=4 is not in the array 1, 3, ..."},
		{"auto/2", env(suites.EnvK8sIndex, "2"), "index 2 out of range 0..1"},
	}
	for _, c := range bad {
		if _, err := suites.ParseShard(c.spec, c.env); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.spec, err, c.want)
		}
	}
}

func TestShardSelectPartitions(t *testing.T) {
	s := fakeSuite(t, "[[tasks]]\ntype = \"linear_probe\"\nshots = [1, 2]\nseeds = [0, 1]\n[[tasks]]\ntype = \"kernels\"\nshapes = [\"8x8x8\"]\n")
	jobs := suites.Plan(s)
	for n := 1; n <= len(jobs)+2; n++ {
		seen := map[string]int{}
		for i := 0; i < n; i++ {
			part := suites.Shard{i, n}.Select(jobs)
			again := suites.Shard{i, n}.Select(jobs)
			if fmt.Sprint(ids(part)) != fmt.Sprint(ids(again)) {
				t.Fatalf("shard %d/%d not deterministic", i, n)
			}
			for k, j := range part {
				seen[j.ID]++
				if k > 0 && part[k-1].Index >= j.Index {
					t.Fatalf("shard %d/%d out of plan order", i, n)
				}
			}
		}
		for _, j := range jobs {
			if seen[j.ID] != 1 {
				t.Fatalf("n=%d: job %s runs %d times", n, j.ID, seen[j.ID])
			}
		}
	}
	// 4 model x dataset groups + 1 kernel job: with 2 shards, every job of a
	// model and dataset lands on the same shard.
	where := map[string]int{}
	for i := 0; i < 2; i++ {
		for _, j := range (suites.Shard{i, 2}).Select(jobs) {
			if j.Model == nil {
				continue
			}
			key := j.Model.Name + "/" + j.Dataset.Name
			if prev, ok := where[key]; ok && prev != i {
				t.Errorf("%s split across shards", key)
			}
			where[key] = i
		}
	}
}

func ids(jobs []suites.Job) []string {
	var out []string
	for _, j := range jobs {
		out = append(out, j.ID)
	}
	return out
}

func TestCIToleranceUnknownMetric(t *testing.T) {
	s, err := suites.Parse("s.toml", []byte("name = \"s\"\n[[tasks]]\ntype = \"kernels\"\nshapes = [\"2x2x2\"]\n[ci]\nbaseline = \"b.json\"\ntolerance = { acc = 0.01 }\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Validate()
	if err == nil || !strings.Contains(err.Error(), `ci.tolerance.acc: unknown metric (did you mean "acc1"?)`) {
		t.Fatalf("%v", err)
	}
}
