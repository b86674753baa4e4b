package compare

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/evalclip/evalclip/reports"
)

// Options controls [Compare].
type Options struct {
	// Metric compared; empty means each task's primary metric (acc1;
	// text-to-image recall at the smallest k for retrieval). Intervals need
	// the metric's per-sample outcomes (top-1 correctness, retrieval hits):
	// other metrics get deltas without intervals.
	Metric string
	// Resamples is the number of bootstrap replicates (default 10000).
	Resamples int
	// Confidence is the interval's coverage (default 0.95).
	Confidence float64
	// Seed makes the intervals reproducible.
	Seed uint64
}

func (o *Options) defaults() {
	if o.Resamples <= 0 {
		o.Resamples = 10000
	}
	if !(o.Confidence > 0 && o.Confidence < 1) {
		o.Confidence = 0.95
	}
}

// Row is one compared measurement.
type Row struct {
	Task, Model, Dataset, Split string
	K                           int
	// Key is the measurement's seedless key.
	Key    reports.Key
	Metric string
	// Old and New are means over seeds (NaN when absent); Delta = New - Old.
	Old, New, Delta float64
	// Lo and Hi bound Delta's confidence interval; NaN without per-sample
	// correctness.
	Lo, Hi float64
	// Paired is true when both runs scored the same test samples.
	Paired bool
	// Significant is true when the interval excludes zero; Better says in
	// which direction.
	Significant, Better bool
	// Note explains a row without a delta or interval.
	Note string
}

// ID names the row like a benchmark: zeroshot/model=m/dataset=d[/k=K]
// ([reports.Key.GroupID]).
func (r *Row) ID() string { return r.Key.GroupID() }

// Compare matches the classification records of two runs and returns one
// row per measurement present in either, in the order of old then new.
func Compare(old, new []reports.Record, opt Options) []Row {
	opt.defaults()
	og, ng := reports.GroupSeeds(old), reports.GroupSeeds(new)
	// records pair by their match key: evalclip's and CLIP_benchmark's
	// names of one model and dataset meet
	key := func(g *reports.Group) reports.Key {
		if len(g.Records) > 0 {
			return g.Records[0].MatchKey()
		}
		return g.Key()
	}
	newBy := map[reports.Key]*reports.Group{}
	for _, g := range ng {
		newBy[key(g)] = g
	}
	rng := rand.NewPCG(opt.Seed, 0x5eed)
	var rows []Row
	matched := map[reports.Key]bool{}
	for _, o := range og {
		n := newBy[key(o)]
		if n == nil {
			rows = append(rows, row(o, metricOf(o, opt), "only in OLD"))
			continue
		}
		matched[key(o)] = true
		rows = append(rows, Delta(o, n, opt, rng))
	}
	for _, n := range ng {
		if !matched[key(n)] {
			rows = append(rows, row(n, metricOf(n, opt), "only in NEW"))
		}
	}
	return rows
}

// metricOf is the compared metric of a group: the option, else the task's
// primary metric.
func metricOf(g *reports.Group, opt Options) string {
	if opt.Metric != "" {
		return opt.Metric
	}
	return reports.PrimaryMetric(g.Records[0])
}

func row(g *reports.Group, metric, note string) Row {
	r := Row{Task: g.Task, Model: g.Model, Dataset: g.Dataset, Split: g.Split, K: g.K, Key: g.Key(), Metric: metric,
		Old: math.NaN(), New: math.NaN(), Delta: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Note: note}
	if st := g.Stat(metric); note == "only in OLD" {
		r.Old = st.Mean
	} else {
		r.New = st.Mean
	}
	return r
}

// Delta compares one measurement of two runs (each over its seeds). rng
// drives the bootstrap; nil uses a fixed seed.
func Delta(old, new *reports.Group, opt Options, rng rand.Source) Row {
	opt.defaults()
	if rng == nil {
		rng = rand.NewPCG(opt.Seed, 0x5eed)
	}
	metric := metricOf(old, opt)
	r := Row{Task: old.Task, Model: old.Model, Dataset: old.Dataset, Split: old.Split, K: old.K, Key: old.Key(), Metric: metric,
		Lo: math.NaN(), Hi: math.NaN()}
	os, ns := old.Stat(metric), new.Stat(metric)
	r.Old, r.New = os.Mean, ns.Mean
	r.Delta = r.New - r.Old
	switch {
	case !os.OK() && !ns.OK():
		r.Note = "metric missing or NaN in both runs"
		return r
	case !os.OK():
		r.Note = "metric missing or NaN in OLD"
		return r
	case !ns.OK():
		r.Note = "metric missing or NaN in NEW"
		return r
	}
	oc, err1 := correctness(old, metric)
	nc, err2 := correctness(new, metric)
	if err1 != nil || err2 != nil {
		r.Note = "delta only, no interval: " + firstErr(err1, err2).Error()
		for _, g := range []*reports.Group{old, new} {
			if len(g.Records) > 0 && g.Records[0].Run.Imported != "" {
				r.Note = fmt.Sprintf("delta only, no interval: %s result files hold no per-sample outcomes", g.Records[0].Run.Imported)
			}
		}
		return r
	}
	alpha := (1 - opt.Confidence) / 2
	var reps []float64
	if len(oc[0]) == len(nc[0]) {
		r.Paired = true
		n := len(oc[0])
		d := make([]float64, n)
		for i := range d {
			d[i] = meanAt(nc, i) - meanAt(oc, i)
		}
		reps = bootstrap(buckets(d), n, opt.Resamples, rng)
	} else {
		o := make([]float64, len(oc[0]))
		for i := range o {
			o[i] = meanAt(oc, i)
		}
		nn := make([]float64, len(nc[0]))
		for i := range nn {
			nn[i] = meanAt(nc, i)
		}
		ro := bootstrap(buckets(o), len(o), opt.Resamples, rng)
		rn := bootstrap(buckets(nn), len(nn), opt.Resamples, rng)
		reps = make([]float64, opt.Resamples)
		for i := range reps {
			reps[i] = rn[i] - ro[i]
		}
	}
	sort.Float64s(reps)
	r.Lo, r.Hi = quantile(reps, alpha), quantile(reps, 1-alpha)
	if r.Lo > 0 || r.Hi < 0 {
		r.Significant = true
		r.Better = r.Delta > 0 == reports.HigherIsBetter(metric)
	}
	return r
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// correctness reads each record's per-sample outcomes for metric (top-1
// correctness, retrieval hits) as 0/1 values; all seeds must cover the
// same number of samples.
func correctness(g *reports.Group, metric string) ([][]float64, error) {
	var out [][]float64
	for _, r := range g.Records {
		s, ok := reports.SampleHits(r, metric)
		if !ok {
			if p := reports.PrimaryMetric(r); p != metric {
				if _, ok := reports.SampleHits(r, p); ok {
					return nil, fmt.Errorf("per-sample outcomes measure %s only", p)
				}
			}
			return nil, fmt.Errorf("%s stores no per-sample outcomes for %s", r.Identity(), metric)
		}
		v := make([]float64, len(s))
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '0':
			case '1':
				v[i] = 1
			default:
				return nil, fmt.Errorf("%s: per-sample outcomes for %s: sample %d is %q, want '0' or '1'", r.Identity(), metric, i, s[i])
			}
		}
		if len(out) > 0 && len(v) != len(out[0]) {
			return nil, fmt.Errorf("%s: %d samples, other seeds have %d", r.Identity(), len(v), len(out[0]))
		}
		out = append(out, v)
	}
	return out, nil
}

func meanAt(c [][]float64, i int) float64 {
	var s float64
	for _, v := range c {
		s += v[i]
	}
	return s / float64(len(c))
}

type bucket struct {
	v float64
	n int
}

// buckets counts each distinct value.
func buckets(vals []float64) []bucket {
	idx := map[float64]int{}
	var out []bucket
	for _, v := range vals {
		if j, ok := idx[v]; ok {
			out[j].n++
			continue
		}
		idx[v] = len(out)
		out = append(out, bucket{v, 1})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].v < out[j].v })
	return out
}

// bootstrap returns reps means of n values resampled with replacement from
// the bucketed values: each replicate draws the bucket counts from a
// multinomial (sequential binomials).
func bootstrap(bs []bucket, n, reps int, src rand.Source) []float64 {
	out := make([]float64, reps)
	for r := range out {
		left, mass, sum := n, 1.0, 0.0
		for j, b := range bs {
			if left == 0 {
				break
			}
			p := float64(b.n) / float64(n)
			var c int
			if j == len(bs)-1 || p >= mass {
				c = left
			} else {
				c = int(distuv.Binomial{N: float64(left), P: p / mass, Src: src}.Rand())
			}
			sum += float64(c) * b.v
			left -= c
			mass -= p
		}
		out[r] = sum / float64(n)
	}
	return out
}

// quantile of sorted values, linear interpolation.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	i := int(math.Floor(pos))
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i]*(1-f) + sorted[i+1]*f
}
