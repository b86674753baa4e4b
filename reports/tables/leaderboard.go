package tables

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/evalclip/evalclip/reports"
)

// LeaderboardOptions selects what a leaderboard shows.
type LeaderboardOptions struct {
	// Task is the records' task (reports.TaskZeroShot by default).
	Task string
	// Metric is the shown metric (default: the task's primary metric).
	Metric string
	// K selects linear-probe records by shots (0: all the training data).
	K int
}

// Leaderboard is the wide model x dataset table `clip_benchmark build`
// users pivot their CSV into: one row per model, one column per dataset
// (the metric's mean over seeds), then the average over the model's
// datasets, its rank by that average (among the models with a result on
// every dataset) and its mean rank over datasets (rank 1 is best, ties
// share the better rank). Records from evalclip and
// from CLIP_benchmark result files meet by their match key
// ([reports.Record.MatchKey]): model "ViT-B-32__openai", dataset without
// "wds/". A model without a result on some dataset is averaged over those
// it has, and its average is marked with how many.
func Leaderboard(recs []reports.Record, opt LeaderboardOptions) (*Table, error) {
	if opt.Task == "" {
		opt.Task = reports.TaskZeroShot
	}
	type cell struct {
		vals  []float64
		seeds map[int]string
	}
	cells := map[[2]string]*cell{}
	var models, sets []string
	seenM, seenD := map[string]bool{}, map[string]bool{}
	metric := opt.Metric
	for i := range recs {
		r := &recs[i]
		if r.Task != opt.Task || r.Error != "" || (opt.Task == reports.TaskLinearProbe && r.K != opt.K) || r.Supervised() {
			continue
		}
		if metric == "" {
			metric = reports.PrimaryMetric(r)
		}
		v, ok := r.Value(metric)
		if !ok {
			continue
		}
		k := r.MatchKey()
		name, set := k.Model, k.Dataset
		if k.Dims != "" {
			name += " (" + k.Dims + ")" // a prompts label: its own row
		}
		if k.Split != "test" {
			set += "/" + k.Split
		}
		c := cells[[2]string{name, set}]
		if c == nil {
			c = &cell{seeds: map[int]string{}}
			cells[[2]string{name, set}] = c
		}
		where := r.Job
		if where == "" {
			where = r.Run.Imported + " result"
		}
		if prev, dup := c.seeds[r.Seed]; dup {
			return nil, fmt.Errorf("%s on %s (seed %d) measured twice (%s and %s): give one results file per measurement", name, set, r.Seed, prev, where)
		}
		c.seeds[r.Seed] = where
		c.vals = append(c.vals, v)
		if !seenM[name] {
			seenM[name] = true
			models = append(models, name)
		}
		if !seenD[set] {
			seenD[set] = true
			sets = append(sets, set)
		}
	}
	if len(models) == 0 {
		return nil, fmt.Errorf("no successful %s records with %s to tabulate", taskLabel(opt), orAny(metric))
	}
	sort.Strings(sets)
	mean := func(m, d string) (float64, bool) {
		c := cells[[2]string{m, d}]
		if c == nil {
			return 0, false
		}
		s := 0.0
		for _, v := range c.vals {
			s += v
		}
		return s / float64(len(c.vals)), !math.IsNaN(s)
	}
	higher := reports.HigherIsBetter(metric)
	better := func(a, b float64) bool {
		if higher {
			return a > b
		}
		return a < b
	}
	// per-dataset ranks
	rankSum, rankN := map[string]float64{}, map[string]int{}
	for _, d := range sets {
		var vs []float64
		for _, m := range models {
			if v, ok := mean(m, d); ok {
				vs = append(vs, v)
			}
		}
		for _, m := range models {
			v, ok := mean(m, d)
			if !ok {
				continue
			}
			rank := 1
			for _, o := range vs {
				if better(o, v) {
					rank++
				}
			}
			rankSum[m] += float64(rank)
			rankN[m]++
		}
	}
	avg := map[string]float64{}
	count := map[string]int{}
	for _, m := range models {
		s, n := 0.0, 0
		for _, d := range sets {
			if v, ok := mean(m, d); ok {
				s, n = s+v, n+1
			}
		}
		avg[m], count[m] = math.NaN(), n
		if n > 0 {
			avg[m] = s / float64(n)
		}
	}
	sort.SliceStable(models, func(i, j int) bool {
		a, b := avg[models[i]], avg[models[j]]
		if a != b && !math.IsNaN(a) && !math.IsNaN(b) {
			return better(a, b)
		}
		return models[i] < models[j]
	})
	pct := false
	if u, _ := reports.LookupUnit(metric); u.Fraction {
		pct = true
	}
	val := func(v float64) Cell {
		if pct {
			return Pct(v)
		}
		return Num(v, 3)
	}
	t := &Table{Name: "leaderboard", Title: fmt.Sprintf("%s: %s by model and dataset", taskLabel(opt), metric)}
	t.Caption = "Mean over seeds; average over each model's datasets; rank by average (models with every dataset) and mean rank over datasets (1 is best)."
	t.Columns = append(t.Columns, Column{Key: "model", Title: "model"})
	for _, d := range sets {
		key := d
		if pct {
			key += "_pct"
		}
		t.Columns = append(t.Columns, Column{Key: key, Title: d, Numeric: true})
	}
	avgKey := "average"
	if pct {
		avgKey += "_pct"
	}
	t.Columns = append(t.Columns, Column{Key: avgKey, Title: "average", Numeric: true}, Column{Key: "datasets", Title: "datasets", Numeric: true},
		Column{Key: "rank", Title: "rank", Numeric: true}, Column{Key: "mean_rank", Title: "mean rank", Numeric: true})
	for _, m := range models {
		row := []Cell{Txt(m)}
		for _, d := range sets {
			if v, ok := mean(m, d); ok {
				row = append(row, val(v))
			} else if cells[[2]string{m, d}] != nil {
				row = append(row, Txt(TextNaN))
			} else {
				row = append(row, Txt(TextMissing))
			}
		}
		// rank by average among the models with every dataset: an
		// average over fewer datasets is not comparable
		rankCell := Txt(TextMissing)
		if count[m] == len(sets) && !math.IsNaN(avg[m]) {
			rank := 1
			for _, o := range models {
				if count[o] == len(sets) && !math.IsNaN(avg[o]) && better(avg[o], avg[m]) {
					rank++
				}
			}
			rankCell = Num(float64(rank), 0)
		}
		mr := math.NaN()
		if rankN[m] > 0 {
			mr = rankSum[m] / float64(rankN[m])
		}
		row = append(row, val(avg[m]), Num(float64(count[m]), 0), rankCell, Num(mr, 2))
		t.Rows = append(t.Rows, row)
		if count[m] < len(sets) {
			t.Notes = append(t.Notes, fmt.Sprintf("%s: average over %d of %d datasets, not ranked by it", m, count[m], len(sets)))
		}
	}
	return t, nil
}

func taskLabel(opt LeaderboardOptions) string {
	switch opt.Task {
	case reports.TaskZeroShot:
		return "zero-shot"
	case reports.TaskLinearProbe:
		if opt.K == 0 {
			return "linear probe"
		}
		return fmt.Sprintf("%d-shot linear probe", opt.K)
	}
	return strings.ReplaceAll(opt.Task, "_", " ")
}

func orAny(metric string) string {
	if metric == "" {
		return "any metric"
	}
	return metric
}
