package compare

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// Output formats of [Write].
var Formats = []string{"text", "md", "csv", "json"}

// Verdict is a row's one-word outcome: "worse" or "better" for significant
// changes, "same" otherwise, "n/a" without a delta.
func (r *Row) Verdict() string {
	switch {
	case math.IsNaN(r.Delta):
		return "n/a"
	case !r.Significant && math.IsNaN(r.Lo):
		return "?"
	case !r.Significant:
		return "same"
	case r.Better:
		return "better"
	}
	return "worse"
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", v*100)
}

func pp(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%+.2f", v*100)
}

func interval(r *Row) string {
	if math.IsNaN(r.Lo) {
		return "–"
	}
	return fmt.Sprintf("[%+.2f, %+.2f]", r.Lo*100, r.Hi*100)
}

func shots(r *Row) string {
	if r.Task != "linear_probe" {
		return "-"
	}
	if r.K == 0 {
		return "all"
	}
	return fmt.Sprint(r.K)
}

// Write prints rows as "text" (aligned columns), "md", "csv" or "json".
// Values are percent, deltas and intervals percentage points; the
// confidence level labels the interval column.
func Write(w io.Writer, rows []Row, format string, confidence float64) error {
	ci := fmt.Sprintf("%g%% CI (pp)", math.Round(confidence*1000)/10)
	head := []string{"task", "model", "dataset", "k", "metric", "old (%)", "new (%)", "Δ (pp)", ci, "verdict", "note"}
	cells := func(r *Row) []string {
		return []string{r.Task, r.Model, r.Dataset, shots(r), r.Metric, pct(r.Old), pct(r.New), pp(r.Delta), interval(r), r.Verdict(), r.Note}
	}
	switch format {
	case "text", "":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(head, "\t"))
		for i := range rows {
			fmt.Fprintln(tw, strings.Join(cells(&rows[i]), "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		better, worse := Count(rows)
		_, err := fmt.Fprintf(w, "%d measurements: %d significantly worse, %d significantly better (bootstrap over test samples)\n", len(rows), worse, better)
		return err
	case "md":
		var b strings.Builder
		b.WriteString("| " + strings.Join(head, " | ") + " |\n|")
		for range head {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		for i := range rows {
			b.WriteString("| " + strings.ReplaceAll(strings.Join(cells(&rows[i]), " | "), "\n", " ") + " |\n")
		}
		_, err := io.WriteString(w, b.String())
		return err
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"task", "model", "dataset", "split", "k", "metric", "old", "new", "delta", "lo", "hi", "paired", "verdict", "note"})
		num := func(v float64) string {
			if math.IsNaN(v) {
				return ""
			}
			return fmt.Sprintf("%.6g", v)
		}
		for _, r := range rows {
			cw.Write([]string{r.Task, r.Model, r.Dataset, r.Split, fmt.Sprint(r.K), r.Metric, num(r.Old), num(r.New), num(r.Delta),
				num(r.Lo), num(r.Hi), fmt.Sprint(r.Paired), r.Verdict(), r.Note})
		}
		cw.Flush()
		return cw.Error()
	case "json":
		type jrow struct {
			Task    string   `json:"task"`
			Model   string   `json:"model"`
			Dataset string   `json:"dataset"`
			Split   string   `json:"split,omitempty"`
			K       int      `json:"k"`
			Metric  string   `json:"metric"`
			Old     *float64 `json:"old"`
			New     *float64 `json:"new"`
			Delta   *float64 `json:"delta"`
			Lo      *float64 `json:"lo"`
			Hi      *float64 `json:"hi"`
			Paired  bool     `json:"paired"`
			Verdict string   `json:"verdict"`
			Note    string   `json:"note,omitempty"`
		}
		ptr := func(v float64) *float64 {
			if math.IsNaN(v) {
				return nil
			}
			return &v
		}
		out := make([]jrow, 0, len(rows))
		for _, r := range rows {
			out = append(out, jrow{r.Task, r.Model, r.Dataset, r.Split, r.K, r.Metric, ptr(r.Old), ptr(r.New), ptr(r.Delta),
				ptr(r.Lo), ptr(r.Hi), r.Paired, r.Verdict(), r.Note})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return fmt.Errorf("unknown compare format %q (expected %s)", format, strings.Join(Formats, ", "))
}

// Count returns the numbers of significantly better and worse rows.
func Count(rows []Row) (better, worse int) {
	for _, r := range rows {
		switch r.Verdict() {
		case "better":
			better++
		case "worse":
			worse++
		}
	}
	return better, worse
}
