package reports

import (
	"math"
)

// Stat summarises one metric over the seeds of a [Group].
type Stat struct {
	// Mean and Std (sample standard deviation, 0 for one value) of the
	// finite values; NaN when there are none.
	Mean, Std float64
	// N counts finite values, NaN counts NaN or infinite ones, Missing
	// counts records without the metric.
	N, NaN, Missing int
}

// OK reports whether the stat has at least one finite value.
func (s Stat) OK() bool { return s.N > 0 }

// Group is the records of one measurement repeated over seeds: the same
// key but for the seed (task, model, dataset, split, shots k, the task's
// own dimensions).
type Group struct {
	Task, Model, Dataset, Split string
	K                           int
	// Supervised marks linear probes on a supervised backbone (baselines).
	Supervised bool
	Records    []*Record
}

// Key returns the group's seedless key: that of its first record, or one
// built from the group's fields when it has none.
func (g *Group) Key() Key {
	if len(g.Records) > 0 {
		return g.Records[0].Key().Seedless()
	}
	r := Record{Task: g.Task, Model: g.Model, Dataset: g.Dataset, Split: g.Split, K: g.K}
	if g.Supervised {
		r.Params = map[string]any{ParamSupervised: true}
	}
	return r.Key()
}

// ID names the group ([Key.GroupID]): linear_probe/model=a/dataset=b/k=4.
func (g *Group) ID() string { return g.Key().GroupID() }

// Seeds returns the seeds of the group's records in order.
func (g *Group) Seeds() []int {
	out := make([]int, len(g.Records))
	for i, r := range g.Records {
		out[i] = r.Seed
	}
	return out
}

// Stat summarises a metric or throughput value over the group's records.
func (g *Group) Stat(name string) Stat {
	return g.StatOf(func(r *Record) (float64, bool) { return r.Value(name) })
}

// StatOf summarises any per-record value over the group's records.
func (g *Group) StatOf(get func(*Record) (float64, bool)) Stat {
	var vals []float64
	st := Stat{Mean: math.NaN(), Std: math.NaN()}
	for _, r := range g.Records {
		v, ok := get(r)
		switch {
		case !ok:
			st.Missing++
		case math.IsNaN(v) || math.IsInf(v, 0):
			st.NaN++
		default:
			vals = append(vals, v)
		}
	}
	st.N = len(vals)
	if st.N == 0 {
		return st
	}
	var sum float64
	for _, v := range vals {
		sum += v
	}
	st.Mean = sum / float64(st.N)
	st.Std = 0
	if st.N > 1 {
		var ss float64
		for _, v := range vals {
			ss += (v - st.Mean) * (v - st.Mean)
		}
		st.Std = math.Sqrt(ss / float64(st.N-1))
	}
	return st
}

// GroupSeeds gathers the successful classification records (and those of
// tasks that store per-sample outcomes, as retrieval does) into groups
// over seeds, in order of first appearance. Failed records (Error set) and
// kernel records are left out.
func GroupSeeds(recs []Record) []*Group {
	var out []*Group
	index := map[Key]*Group{}
	for i := range recs {
		r := &recs[i]
		if t := LookupTask(r.Task); r.Error != "" || (!t.Classification && t.Hits == nil) {
			continue
		}
		g := &Group{Task: r.Task, Model: r.Model, Dataset: r.Dataset, Split: r.Split, K: r.K, Supervised: r.Supervised()}
		key := r.Key().Seedless()
		if have, ok := index[key]; ok {
			have.Records = append(have.Records, r)
			continue
		}
		g.Records = []*Record{r}
		index[key] = g
		out = append(out, g)
	}
	return out
}
