package gate

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/reports/compare"
)

// Config is what the gate checks against.
type Config struct {
	// Suite names the JUnit test suite.
	Suite string
	// Baseline holds the records of the baseline run; BaselinePath names
	// it in messages.
	Baseline     []reports.Record
	BaselinePath string
	// Tolerance maps metric (or throughput) names to the largest allowed
	// worsening; empty means {acc1: 0}.
	Tolerance map[string]float64
	// Planned lists the job IDs this run executed (its shard); a baseline
	// measurement of a planned job that has no result now fails. Nil means
	// every baseline measurement is expected.
	Planned map[string]bool
}

// Status of a testcase.
type Status string

// Statuses.
const (
	Pass  Status = "pass"
	Fail  Status = "fail"  // regression, or a result missing or NaN
	Error Status = "error" // the job failed
	Skip  Status = "skip"  // no baseline to compare with
)

// Check is one gated metric of one measurement.
type Check struct {
	Metric              string
	Baseline, Now       float64
	Tolerance, Limit    float64
	Relative, Regressed bool
	// Interval is the bootstrap interval of Now - Baseline ("" when none).
	Interval string
}

// Case is one testcase: one measurement.
type Case struct {
	// Class is the JUnit classname ("evalclip.SUITE.zeroshot"), Name the
	// measurement ("model=ViT-B-32/dataset=pets").
	Class, Name string
	// ID is the full measurement ID (task/model=.../dataset=...).
	ID      string
	Status  Status
	Message string
	Checks  []Check
	// TimeS is the measurement's duration (summed over seeds).
	TimeS float64
}

// Result is the gate's outcome.
type Result struct {
	Suite, BaselinePath string
	Cases               []Case
	// Notes say what was not compared (measurements of other shards).
	Notes []string
}

// Counts returns how many cases have each status.
func (r *Result) Counts() (pass, fail, errs, skip int) {
	for _, c := range r.Cases {
		switch c.Status {
		case Pass:
			pass++
		case Fail:
			fail++
		case Error:
			errs++
		case Skip:
			skip++
		}
	}
	return
}

// Failed reports whether any case failed or errored: the run must exit 1.
func (r *Result) Failed() bool {
	_, f, e, _ := r.Counts()
	return f+e > 0
}

// unit is one measurement: records of the same classification group over
// seeds, or one kernel configuration.
type unit struct {
	id, task, name string
	group          *reports.Group
	recs           []*reports.Record
	failed         []*reports.Record
}

// match is the unit's pairing name ([reports.Record.MatchKey]).
func (u *unit) match() string {
	for _, rs := range [][]*reports.Record{u.recs, u.failed} {
		if len(rs) > 0 && !bareFailure(rs[0]) {
			return rs[0].MatchKey().GroupID()
		}
	}
	return u.id
}

func (u *unit) stat(metric string) reports.Stat {
	g := u.group
	if g == nil {
		g = &reports.Group{Records: u.recs}
	}
	return g.Stat(metric)
}

// unitOf names a record's measurement over seeds by its key
// ([reports.Key.GroupID]); name is the ID without the task.
func unitOf(r *reports.Record) (id, task, name string) {
	id = r.Key().GroupID()
	return id, r.Task, strings.TrimPrefix(id, r.Task+"/")
}

func units(recs []reports.Record) ([]*unit, map[string]*unit) {
	var order []*unit
	by := map[string]*unit{}
	for i := range recs {
		r := &recs[i]
		id, task, name := unitOf(r)
		match := r.MatchKey().GroupID() // pairs evalclip and CLIP_benchmark records
		if bareFailure(r) {
			// a failed kernel job's bare record: name it by its job
			id, name = "job/"+r.Job, r.Job
			match = id
		}
		u, ok := by[match]
		if !ok {
			u = &unit{id: id, task: task, name: name}
			by[match] = u
			order = append(order, u)
		}
		if r.Error != "" {
			u.failed = append(u.failed, r)
			continue
		}
		u.recs = append(u.recs, r)
	}
	for _, u := range order {
		if len(u.recs) > 0 && reports.Classification(u.task) {
			f := u.recs[0]
			u.group = &reports.Group{Task: f.Task, Model: f.Model, Dataset: f.Dataset, Split: f.Split, K: f.K, Records: u.recs}
		}
	}
	return order, by
}

// Run compares a run's records with the baseline.
func Run(recs []reports.Record, cfg Config) *Result {
	tol := cfg.Tolerance
	if len(tol) == 0 {
		tol = map[string]float64{reports.MetricAcc1: 0}
	}
	metrics := make([]string, 0, len(tol))
	for m := range tol {
		metrics = append(metrics, m)
	}
	sort.Strings(metrics)
	res := &Result{Suite: cfg.Suite, BaselinePath: cfg.BaselinePath}
	newUnits, newBy := units(recs)
	baseUnits, baseBy := units(cfg.Baseline)
	for _, u := range newUnits {
		c := Case{Class: "evalclip." + cfg.Suite + "." + u.task, Name: u.name, ID: u.id}
		for _, r := range append(append([]*reports.Record(nil), u.recs...), u.failed...) {
			c.TimeS += r.DurationS
		}
		if len(u.failed) > 0 {
			c.Status = Error
			c.Message = fmt.Sprintf("%d of %d jobs failed: %s", len(u.failed), len(u.failed)+len(u.recs), firstLine(u.failed[0].Error))
			res.Cases = append(res.Cases, c)
			continue
		}
		b := baseBy[u.match()]
		if b == nil || len(b.recs) == 0 {
			c.Status, c.Message = Skip, "no baseline: "+u.id+" is not in "+cfg.BaselinePath
			res.Cases = append(res.Cases, c)
			continue
		}
		c.Status = Pass
		var failures, unmeasured []string
		for _, m := range metrics {
			if side := cachedThroughput(m, u, b); side != "" {
				// By rule: a rate from the feature cache was measured by
				// another run, not this one.
				unmeasured = append(unmeasured, fmt.Sprintf("%s not measured: the %s run's image features came from the cache (run with --no-cache to measure it)", m, side))
				continue
			}
			bs := b.stat(m)
			if !bs.OK() {
				if bs.NaN > 0 {
					// A null baseline would pass anything: refuse it.
					failures = append(failures, fmt.Sprintf("%s: the baseline's value is null (NaN) in %s; record a new baseline", m, cfg.BaselinePath))
					c.Checks = append(c.Checks, Check{Metric: m, Baseline: math.NaN(), Now: u.stat(m).Mean, Tolerance: tol[m], Limit: math.NaN(), Regressed: true})
				}
				continue // the baseline does not measure it here
			}
			ns := u.stat(m)
			if !ns.OK() {
				state := "missing"
				if ns.NaN > 0 {
					state = "NaN"
				}
				failures = append(failures, fmt.Sprintf("%s is %s (baseline %s)", m, state, fmtValue(m, bs.Mean)))
				c.Checks = append(c.Checks, Check{Metric: m, Baseline: bs.Mean, Now: math.NaN(), Tolerance: tol[m], Limit: math.NaN(), Regressed: true})
				continue
			}
			ch := check(m, bs.Mean, ns.Mean, tol[m])
			if u.group != nil && b.group != nil && m == reports.MetricAcc1 {
				if d := compare.Delta(b.group, u.group, compare.Options{Metric: m, Resamples: 2000}, nil); !math.IsNaN(d.Lo) {
					ch.Interval = fmt.Sprintf("95%% CI [%+.2f, %+.2f] pp", d.Lo*100, d.Hi*100)
				}
			}
			c.Checks = append(c.Checks, ch)
			if ch.Regressed {
				failures = append(failures, ch.String())
			}
		}
		switch {
		case len(failures) > 0:
			c.Status, c.Message = Fail, strings.Join(append(failures, unmeasured...), "; ")
		case len(c.Checks) == 0 && len(unmeasured) > 0:
			c.Status, c.Message = Skip, strings.Join(unmeasured, "; ")
		case len(c.Checks) == 0:
			c.Status, c.Message = Skip, fmt.Sprintf("no baseline: %s has none of the gated metrics (%s) in %s", u.id, strings.Join(metrics, ", "), cfg.BaselinePath)
		default:
			var parts []string
			for _, ch := range c.Checks {
				parts = append(parts, ch.String())
			}
			c.Message = strings.Join(append(parts, unmeasured...), "; ")
		}
		res.Cases = append(res.Cases, c)
	}
	other := 0
	for _, b := range baseUnits {
		if _, ok := newBy[b.match()]; ok || len(b.recs) == 0 {
			continue
		}
		if cfg.Planned != nil && !planned(b, cfg.Planned) {
			other++
			continue
		}
		res.Cases = append(res.Cases, Case{Class: "evalclip." + cfg.Suite + "." + b.task, Name: b.name, ID: b.id, Status: Fail,
			Message: fmt.Sprintf("missing from this run: %s is in %s", b.id, cfg.BaselinePath)})
	}
	if other > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d baseline measurements belong to jobs outside this run (other shards or removed from the suite) and were not compared", other))
	}
	return res
}

func planned(u *unit, jobs map[string]bool) bool {
	for _, r := range u.recs {
		if r.Job == "" || jobs[r.Job] {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// check applies one tolerance: absolute for accuracies, relative otherwise,
// in the metric's worse direction.
func check(metric string, base, now, tol float64) Check {
	c := Check{Metric: metric, Baseline: base, Now: now, Tolerance: tol, Relative: !reports.IsAccuracy(metric)}
	higher := reports.HigherIsBetter(metric)
	switch {
	case !c.Relative && higher:
		c.Limit = base - tol
	case !c.Relative:
		c.Limit = base + tol
	case higher:
		c.Limit = base * (1 - tol)
	default:
		c.Limit = base * (1 + tol)
	}
	const eps = 1e-12 // values equal to the limit pass
	if higher {
		c.Regressed = now < c.Limit-eps
	} else {
		c.Regressed = now > c.Limit+eps
	}
	return c
}

func fmtValue(metric string, v float64) string {
	if reports.IsAccuracy(metric) {
		return fmt.Sprintf("%.2f%%", v*100)
	}
	return fmt.Sprintf("%.4g", v)
}

// String describes the check: "acc1 80.81% < limit 86.26% (baseline 86.76%
// - 0.50 pp; Δ -5.95 pp, 95% CI [...])".
func (c Check) String() string {
	if math.IsNaN(c.Now) {
		return fmt.Sprintf("%s missing (baseline %s)", c.Metric, fmtValue(c.Metric, c.Baseline))
	}
	op := ">="
	if !reports.HigherIsBetter(c.Metric) {
		op = "<="
	}
	if c.Regressed {
		op = "<"
		if !reports.HigherIsBetter(c.Metric) {
			op = ">"
		}
	}
	sign := "-"
	if !reports.HigherIsBetter(c.Metric) {
		sign = "+"
	}
	var tol, delta string
	if c.Relative {
		tol = fmt.Sprintf("%s %g%%", sign, c.Tolerance*100)
		delta = fmt.Sprintf("Δ %+.1f%%", (c.Now/c.Baseline-1)*100)
	} else {
		tol = fmt.Sprintf("%s %.2f pp", sign, c.Tolerance*100)
		delta = fmt.Sprintf("Δ %+.2f pp", (c.Now-c.Baseline)*100)
	}
	if c.Interval != "" {
		delta += ", " + c.Interval
	}
	return fmt.Sprintf("%s %s %s limit %s (baseline %s %s; %s)", c.Metric, fmtValue(c.Metric, c.Now), op,
		fmtValue(c.Metric, c.Limit), fmtValue(c.Metric, c.Baseline), tol, delta)
}

// cachedThroughput says which side ("new" or "baseline") holds metric m as
// a throughput taken from the feature cache, "" when neither does.
func cachedThroughput(m string, now, base *unit) string {
	for _, side := range []struct {
		name string
		u    *unit
	}{{"new", now}, {"baseline", base}} {
		for _, r := range side.u.recs {
			if _, ok := r.Throughput[m]; ok && r.ThroughputCached() {
				return side.name
			}
		}
	}
	return ""
}

// bareFailure reports whether r is the bare record of a failed job that
// has no model (a kernel job): it is named by its job.
func bareFailure(r *reports.Record) bool {
	return r.Error != "" && r.Job != "" && r.Model == "" && len(r.Params) == 0
}
