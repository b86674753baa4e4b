package tables

import (
	"fmt"
	"math"
	"strconv"
)

// Table is one rendered table.
type Table struct {
	// Name is the file stem ("zeroshot") and the anchor in index.html.
	Name    string
	Title   string
	Caption string
	Columns []Column
	Rows    [][]Cell
	// Notes are printed under the table (missing baselines, NaN metrics).
	Notes []string
}

// Column is one table column.
type Column struct {
	// Key is the CSV and JSON header ("acc1_pct").
	Key string
	// Title is the header in Markdown, LaTeX and HTML ("top-1 (%)").
	Title string
	// Numeric columns are right-aligned.
	Numeric bool
}

// Cell is one table cell: text, or a number with an optional spread.
type Cell struct {
	Text   string  `json:"text,omitempty"`
	Num    bool    `json:"-"`
	V      float64 `json:"value,omitempty"`
	Std    float64 `json:"std,omitempty"`
	HasStd bool    `json:"-"`
	// Prec is the number of decimals shown.
	Prec int `json:"-"`
}

// Text cells.
const (
	TextMissing    = "–"
	TextNaN        = "NaN"
	TextNoBaseline = "no baseline"
	// TextNotComparable marks a published number left out because the
	// measurement is not the one it reports (the table's notes say why).
	TextNotComparable = "not comparable"
)

// Txt is a text cell.
func Txt(s string) Cell { return Cell{Text: s} }

// Num is a number shown with prec decimals; NaN reads "NaN".
func Num(v float64, prec int) Cell {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Cell{Text: TextNaN}
	}
	return Cell{Num: true, V: v, Prec: prec}
}

// Pct is a fraction shown in percent with one decimal.
func Pct(v float64) Cell { return Num(v*100, 1) }

// PctStd is mean ± std of fractions, in percent.
func PctStd(mean, std float64) Cell {
	c := Pct(mean)
	if c.Num && !math.IsNaN(std) {
		c.Std, c.HasStd = std*100, true
	}
	return c
}

// Delta is a difference of fractions in percentage points, signed.
func Delta(d float64) Cell {
	c := Pct(d)
	if c.Num {
		c.Text = fmt.Sprintf("%+.1f", c.V)
	}
	return c
}

// String is the cell as shown in Markdown and HTML.
func (c Cell) String() string {
	switch {
	case !c.Num:
		return c.Text
	case c.Text != "":
		return c.Text
	case c.HasStd:
		return fmt.Sprintf("%.*f ± %.*f", c.Prec, c.V, c.Prec, c.Std)
	}
	return fmt.Sprintf("%.*f", c.Prec, c.V)
}

// raw formats a number for CSV and JSON: rounded to 6 decimals, shortest.
func raw(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)
}

// HasStd reports whether any cell of column j has a spread (CSV then adds a
// KEY_std column).
func (t *Table) HasStd(j int) bool {
	for _, r := range t.Rows {
		if j < len(r) && r[j].HasStd {
			return true
		}
	}
	return false
}
