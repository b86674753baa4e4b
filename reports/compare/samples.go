package compare

import (
	"fmt"
	"io"
	"sort"

	"github.com/evalclip/evalclip/reports"
)

// Sample is one test sample two runs judge differently: its index in
// evaluation order, each run's top-1 class ("" when the record keeps no
// predictions, only correctness) and whether it was right.
type Sample struct {
	Index              int
	OldClass, NewClass string
	OldRight, NewRight bool
}

// Disagreement lists the samples of one measurement (one seed) on which
// two runs differ: top-1 correctness, or, with extra.top5 in both, the
// predicted class.
type Disagreement struct {
	ID   string
	Seed int
	N    int
	// Worse and Better count samples right only in OLD and only in NEW;
	// Changed counts samples wrong in both with different predictions.
	Worse, Better, Changed int
	Samples                []Sample
	// Note says why samples could not be compared ("" when they were).
	Note string
}

// Disagreements pairs the classification records of two runs by
// measurement and seed (as Compare pairs them) and lists the samples they
// disagree on. Records need per-sample correctness (extra.correct) over
// the same samples; predictions (extra.top5, opt-in) name the classes.
func Disagreements(old, new []reports.Record) []Disagreement {
	type key struct {
		k    reports.Key
		seed int
	}
	index := func(recs []reports.Record) (map[key]*reports.Record, []key) {
		m := map[key]*reports.Record{}
		var order []key
		for i := range recs {
			r := &recs[i]
			if r.Error != "" || !reports.Classification(r.Task) {
				continue
			}
			k := key{r.MatchKey(), r.Seed}
			if _, dup := m[k]; !dup {
				order = append(order, k)
			}
			m[k] = r
		}
		return m, order
	}
	om, order := index(old)
	nm, _ := index(new)
	var out []Disagreement
	for _, k := range order {
		o, n := om[k], nm[k]
		if n == nil {
			continue
		}
		d := Disagreement{ID: o.Key().GroupID(), Seed: k.seed, N: o.NSamples}
		oc, ok1 := o.Extra[reports.ExtraCorrect].(string)
		nc, ok2 := n.Extra[reports.ExtraCorrect].(string)
		switch {
		case !ok1 || !ok2:
			d.Note = "no per-sample outcomes in both runs"
		case len(oc) != len(nc) || len(oc) != o.NSamples:
			d.Note = fmt.Sprintf("different samples (%d and %d)", len(oc), len(nc))
		}
		if d.Note != "" {
			out = append(out, d)
			continue
		}
		op, ko, okO, errO := o.Top5()
		np, kn, okN, errN := n.Top5()
		preds := okO && okN && errO == nil && errN == nil
		oNames, nNames := classNames(o), classNames(n)
		name := func(names []string, c int32) string {
			if int(c) < len(names) {
				return names[c]
			}
			return fmt.Sprint(c)
		}
		for i := 0; i < len(oc); i++ {
			s := Sample{Index: i, OldRight: oc[i] == '1', NewRight: nc[i] == '1'}
			if preds {
				s.OldClass, s.NewClass = name(oNames, op[i*ko]), name(nNames, np[i*kn])
			}
			switch {
			case s.OldRight && !s.NewRight:
				d.Worse++
			case !s.OldRight && s.NewRight:
				d.Better++
			case preds && !s.OldRight && s.OldClass != s.NewClass:
				d.Changed++
			default:
				continue
			}
			d.Samples = append(d.Samples, s)
		}
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func classNames(r *reports.Record) []string {
	var out []string
	switch c := r.Extra[reports.ExtraClasses].(type) {
	case []any:
		for _, v := range c {
			out = append(out, fmt.Sprint(v))
		}
	case []string:
		out = c
	}
	return out
}

// WriteSamples prints each measurement's disagreements, at most limit
// samples each (0: all).
func WriteSamples(w io.Writer, ds []Disagreement, limit int) error {
	right := func(b bool) string {
		if b {
			return "right"
		}
		return "wrong"
	}
	for _, d := range ds {
		if d.Note != "" {
			if _, err := fmt.Fprintf(w, "%s seed %d: %s\n", d.ID, d.Seed, d.Note); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(w, "%s seed %d: %d of %d samples differ (%d right only in OLD, %d right only in NEW, %d wrong in both with another class)\n",
			d.ID, d.Seed, len(d.Samples), d.N, d.Worse, d.Better, d.Changed)
		for i, s := range d.Samples {
			if limit > 0 && i == limit {
				fmt.Fprintf(w, "  ... %d more (--samples-limit)\n", len(d.Samples)-limit)
				break
			}
			if s.OldClass != "" || s.NewClass != "" {
				fmt.Fprintf(w, "  sample %d: OLD %q (%s) -> NEW %q (%s)\n", s.Index, s.OldClass, right(s.OldRight), s.NewClass, right(s.NewRight))
			} else {
				fmt.Fprintf(w, "  sample %d: OLD %s -> NEW %s\n", s.Index, right(s.OldRight), right(s.NewRight))
			}
		}
	}
	return nil
}
