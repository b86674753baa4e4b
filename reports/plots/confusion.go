package plots

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evalclip/evalclip/reports"
)

// MaxDrawClasses bounds the confusion matrices drawn at all, asked for or
// not: drawing builds the dense C×C matrix (ImageNet-21k's 21,841 classes
// would take gigabytes), and a larger one has more rows than a page has
// pixels.
const MaxDrawClasses = 2048

// ConfusionMatrix reads a record's confusion matrix, rows = true label, in
// either stored form: dense (extra "confusion", a list of rows) or sparse
// (extra "confusion_sparse", [true, predicted, count] triples; see
// reports.ExtraConfusionSparse), and the class names (extra "classes";
// "0", "1", ... when absent). It checks that the matrix is square and the
// names match, and refuses matrices of more than MaxDrawClasses classes.
func ConfusionMatrix(r *reports.Record) ([][]float64, []string, error) {
	if _, ok := r.Extra[reports.ExtraConfusion]; !ok {
		if _, ok := r.Extra[reports.ExtraConfusionSparse]; ok {
			return sparseMatrix(r)
		}
		return nil, nil, fmt.Errorf("%s: no %q or %q in extra", r.Identity(), reports.ExtraConfusion, reports.ExtraConfusionSparse)
	}
	rows, err := denseRows(r)
	if err != nil {
		return nil, nil, err
	}
	n := len(rows)
	if err := drawable(r, n); err != nil {
		return nil, nil, err
	}
	m := make([][]float64, n)
	for i, row := range rows {
		vals, ok := row.([]any)
		if !ok || len(vals) != n {
			return nil, nil, fmt.Errorf("%s: extra %q row %d: want %d counts", r.Identity(), reports.ExtraConfusion, i, n)
		}
		m[i] = make([]float64, n)
		for j, v := range vals {
			f, ok := v.(float64)
			if !ok || f < 0 || math.IsNaN(f) {
				return nil, nil, fmt.Errorf("%s: extra %q[%d][%d] = %v is not a count", r.Identity(), reports.ExtraConfusion, i, j, v)
			}
			m[i][j] = f
		}
	}
	names, err := classNames(r, n)
	if err != nil {
		return nil, nil, err
	}
	return m, names, nil
}

// denseRows returns the rows of a record's dense confusion extra as decoded
// from JSON.
func denseRows(r *reports.Record) ([]any, error) {
	raw := r.Extra[reports.ExtraConfusion]
	if rows, ok := raw.([]any); ok {
		return rows, nil
	}
	m, ok := raw.([][]int) // records built in memory
	if !ok {
		return nil, fmt.Errorf("%s: extra %q is %T, want a list of rows", r.Identity(), reports.ExtraConfusion, raw)
	}
	rows := make([]any, len(m))
	for i, row := range m {
		vals := make([]any, len(row))
		for j, v := range row {
			vals[j] = float64(v)
		}
		rows[i] = vals
	}
	return rows, nil
}

// sparseEntries reads and checks a record's sparse confusion extra. The
// class count is the number of class names, or the largest index + 1 when
// the record has none.
func sparseEntries(r *reports.Record) ([][3]int, int, error) {
	raw := r.Extra[reports.ExtraConfusionSparse]
	n := -1
	switch cl := r.Extra[reports.ExtraClasses].(type) {
	case []any:
		n = len(cl)
	case []string:
		n = len(cl)
	}
	var out [][3]int
	switch v := raw.(type) {
	case [][3]int: // records built in memory
		out = v
	case []any:
		out = make([][3]int, len(v))
		for i, e := range v {
			t, ok := e.([]any)
			if !ok || len(t) != 3 {
				return nil, 0, fmt.Errorf("%s: extra %q entry %d: %v is not a [true, predicted, count] triple", r.Identity(), reports.ExtraConfusionSparse, i, e)
			}
			for j, x := range t {
				f, ok := x.(float64)
				if !ok || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
					return nil, 0, fmt.Errorf("%s: extra %q entry %d: %v: element %d is not a non-negative integer", r.Identity(), reports.ExtraConfusionSparse, i, e, j)
				}
				out[i][j] = int(f)
			}
		}
	default:
		return nil, 0, fmt.Errorf("%s: extra %q is %T, want a list of [true, predicted, count] triples", r.Identity(), reports.ExtraConfusionSparse, raw)
	}
	top := 0
	for i, e := range out {
		if e[0] < 0 || e[1] < 0 {
			return nil, 0, fmt.Errorf("%s: extra %q entry %d: negative class in pair (%d, %d)", r.Identity(), reports.ExtraConfusionSparse, i, e[0], e[1])
		}
		if n >= 0 && (e[0] >= n || e[1] >= n) {
			return nil, 0, fmt.Errorf("%s: extra %q entry %d: pair (%d, %d) outside the %d classes 0..%d", r.Identity(), reports.ExtraConfusionSparse, i, e[0], e[1], n, n-1)
		}
		if e[2] < 1 {
			return nil, 0, fmt.Errorf("%s: extra %q entry %d: count %d, want at least 1 (zero counts are left out)", r.Identity(), reports.ExtraConfusionSparse, i, e[2])
		}
		if i > 0 {
			p := out[i-1]
			if e[0] < p[0] || e[0] == p[0] && e[1] <= p[1] {
				return nil, 0, fmt.Errorf("%s: extra %q entry %d: pair (%d, %d) after (%d, %d), want each pair once, sorted by true then predicted class",
					r.Identity(), reports.ExtraConfusionSparse, i, e[0], e[1], p[0], p[1])
			}
		}
		top = max(top, e[0]+1, e[1]+1)
	}
	if n < 0 {
		n = top
	}
	return out, n, nil
}

// sparseMatrix is ConfusionMatrix for a record with a sparse confusion extra.
func sparseMatrix(r *reports.Record) ([][]float64, []string, error) {
	entries, n, err := sparseEntries(r)
	if err != nil {
		return nil, nil, err
	}
	if err := drawable(r, n); err != nil {
		return nil, nil, err
	}
	names, err := classNames(r, n)
	if err != nil {
		return nil, nil, err
	}
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
	}
	for _, e := range entries {
		m[e[0]][e[1]] = float64(e[2])
	}
	return m, names, nil
}

// drawable refuses a confusion matrix of more than MaxDrawClasses classes.
func drawable(r *reports.Record, n int) error {
	if n > MaxDrawClasses {
		return fmt.Errorf("%s: %d classes, more than the %d a confusion matrix plot draws (the counts stay in results.json)", r.Identity(), n, MaxDrawClasses)
	}
	return nil
}

// classNames returns the record's n class names, "0", "1", ... when it has
// none.
func classNames(r *reports.Record, n int) ([]string, error) {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprint(i)
	}
	switch cl := r.Extra[reports.ExtraClasses].(type) {
	case []any:
		if len(cl) != n {
			return nil, fmt.Errorf("%s: %d class names for a %dx%d confusion matrix", r.Identity(), len(cl), n, n)
		}
		for i, c := range cl {
			names[i] = fmt.Sprint(c)
		}
	case []string:
		if len(cl) != n {
			return nil, fmt.Errorf("%s: %d class names for a %dx%d confusion matrix", r.Identity(), len(cl), n, n)
		}
		copy(names, cl)
	}
	return names, nil
}

// confusionClasses returns the class count of a record's confusion matrix
// in either form without building the matrix; ok is false when the record
// has none.
func confusionClasses(r *reports.Record) (n int, ok bool, err error) {
	if _, has := r.Extra[reports.ExtraConfusion]; has {
		rows, err := denseRows(r)
		return len(rows), true, err
	}
	if _, has := r.Extra[reports.ExtraConfusionSparse]; has {
		_, n, err := sparseEntries(r)
		return n, true, err
	}
	return 0, false, nil
}

// confusions draws the requested confusion matrices (or, with no request,
// every zero-shot one up to MaxAutoClasses classes).
func confusions(recs []reports.Record, want []string) ([]*Figure, []string) {
	var figs []*Figure
	var notes []string
	found := map[string]bool{}  // drawn
	failed := map[string]bool{} // asked for, present, but not drawable (noted)
	for i := range recs {
		r := &recs[i]
		if r.Error != "" || !reports.Classification(r.Task) {
			continue
		}
		key := r.Model + "/" + r.Dataset
		if len(want) > 0 {
			if !contains(want, key) || found[key] {
				continue
			}
		} else if r.Task != reports.TaskZeroShot {
			continue
		}
		n, ok, err := confusionClasses(r)
		if !ok {
			continue
		}
		if err == nil && len(want) == 0 && n > MaxAutoClasses {
			if n > MaxDrawClasses {
				notes = append(notes, fmt.Sprintf("confusion matrix of %s left out: %d classes, more than the %d a plot draws", key, n, MaxDrawClasses))
			} else {
				notes = append(notes, fmt.Sprintf("confusion matrix of %s left out: %d classes (ask for it with --confusion %s)", key, n, key))
			}
			continue
		}
		m, names, err := ConfusionMatrix(r)
		if err != nil {
			notes = append(notes, "confusion matrix left out: "+err.Error())
			failed[key] = true
			continue
		}
		found[key] = true
		figs = append(figs, Confusion(r, m, names))
	}
	for _, w := range want {
		if !found[w] && !failed[w] {
			notes = append(notes, fmt.Sprintf("no confusion matrix for %s (want MODEL/DATASET of a record with extra %q or %q)", w, reports.ExtraConfusion, reports.ExtraConfusionSparse))
		}
	}
	return figs, notes
}

// grid is a row-normalised confusion matrix as a heat-map grid: column c is
// the predicted class, row r the true class, drawn top to bottom.
type grid struct{ m [][]float64 }

func (g grid) Dims() (c, r int)   { return len(g.m), len(g.m) }
func (g grid) Z(c, r int) float64 { return g.m[len(g.m)-1-r][c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }
func (g grid) Min() float64       { return 0 }
func (g grid) Max() float64       { return 1 }

// blues runs from white to dark blue.
type blues []color.Color

func (b blues) Colors() []color.Color { return b }

func newBlues(n int) blues {
	out := make(blues, n)
	for i := range out {
		t := float64(i) / float64(n-1)
		out[i] = color.RGBA{R: uint8(255 - t*(255-8)), G: uint8(255 - t*(255-48)), B: uint8(255 - t*(255-107)), A: 255}
	}
	return out
}

// Confusion draws a row-normalised confusion matrix (each row sums to one:
// the recall of the true class spread over predictions) of one record.
// Class names label the axes up to 40 classes; larger matrices are drawn
// as a raster.
func Confusion(r *reports.Record, counts [][]float64, names []string) *Figure {
	n := len(counts)
	norm := make([][]float64, n)
	for i, row := range counts {
		var sum float64
		for _, v := range row {
			sum += v
		}
		norm[i] = make([]float64, n)
		for j, v := range row {
			if sum > 0 {
				norm[i][j] = v / sum
			} else {
				norm[i][j] = math.NaN()
			}
		}
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Confusion matrix: %s on %s (%s, row-normalised)", r.Model, r.Dataset, strings.ReplaceAll(r.Task, "_", " "))
	p.X.Label.Text = "predicted class"
	p.Y.Label.Text = "true class"
	h := plotter.NewHeatMap(grid{norm}, newBlues(64))
	h.NaN = color.RGBA{R: 230, G: 230, B: 230, A: 255}
	h.Min, h.Max = 0, 1 // the colour bar's scale
	h.Rasterized = n > 64
	p.Add(h)
	if n <= 40 {
		var xt, yt []plot.Tick
		for i, name := range names { // full names: the x labels are turned upright
			xt = append(xt, plot.Tick{Value: float64(i), Label: name})
			yt = append(yt, plot.Tick{Value: float64(n - 1 - i), Label: name})
		}
		p.X.Tick.Marker = plot.ConstantTicks(xt)
		p.Y.Tick.Marker = plot.ConstantTicks(yt)
		size := vg.Points(math.Max(4, math.Min(9, 280/float64(n)))) // fits a 7-inch figure
		p.X.Tick.Label.Font.Size, p.Y.Tick.Label.Font.Size = size, size
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = -1, -0.5
	}
	side := vg.Length(math.Max(5, math.Min(9, 3+0.12*float64(n)))) * vg.Inch
	// the colour bar: the fraction of a true class's samples
	cb := plot.New()
	cb.HideX()
	cb.Y.Label.Text = "fraction of the true class"
	cb.Y.Padding = 0
	bar := &plotter.ColorBar{ColorMap: &bluesMap{p: newBlues(64), max: 1}, Vertical: true}
	cb.Add(bar)
	cb.Y.Min, cb.Y.Max = 0, 1
	return &Figure{Name: fileStem("confusion", r.Model, r.Dataset), Title: fmt.Sprintf("Confusion matrix of %s on %s (rows: true class, normalised to one)", r.Model, r.Dataset),
		Plot: p, W: side * 1.15, H: side, Side: cb, ownTicks: n <= 40}
}

// bluesMap is the blues palette as a colour map over [min, max], for the
// colour bar.
type bluesMap struct {
	p        blues
	min, max float64
}

func (m *bluesMap) At(v float64) (color.Color, error) {
	if v < m.min || v > m.max || m.max <= m.min {
		return nil, fmt.Errorf("value %v outside [%v, %v]", v, m.min, m.max)
	}
	i := int((v - m.min) / (m.max - m.min) * float64(len(m.p)-1))
	return m.p[i], nil
}
func (m *bluesMap) Max() float64                { return m.max }
func (m *bluesMap) SetMax(v float64)            { m.max = v }
func (m *bluesMap) Min() float64                { return m.min }
func (m *bluesMap) SetMin(v float64)            { m.min = v }
func (m *bluesMap) Alpha() float64              { return 1 }
func (m *bluesMap) SetAlpha(float64)            {}
func (m *bluesMap) Palette(int) palette.Palette { return m.p }
