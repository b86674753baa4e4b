package plots

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/evalclip/evalclip/reports"
)

// ConfusionMatrix reads a record's confusion matrix (extra "confusion",
// rows = true label) and class names (extra "classes"; "0", "1", ... when
// absent). It checks that the matrix is square and names match.
func ConfusionMatrix(r *reports.Record) ([][]float64, []string, error) {
	raw, ok := r.Extra[reports.ExtraConfusion]
	if !ok {
		return nil, nil, fmt.Errorf("%s: no %q in extra", r.Identity(), reports.ExtraConfusion)
	}
	rows, ok := raw.([]any)
	if !ok {
		if m, ok2 := raw.([][]int); ok2 { // records built in memory
			rows = make([]any, len(m))
			for i, row := range m {
				vals := make([]any, len(row))
				for j, v := range row {
					vals[j] = float64(v)
				}
				rows[i] = vals
			}
		} else {
			return nil, nil, fmt.Errorf("%s: extra %q is %T, want a list of rows", r.Identity(), reports.ExtraConfusion, raw)
		}
	}
	n := len(rows)
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
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprint(i)
	}
	switch cl := r.Extra[reports.ExtraClasses].(type) {
	case []any:
		if len(cl) != n {
			return nil, nil, fmt.Errorf("%s: %d class names for a %dx%d confusion matrix", r.Identity(), len(cl), n, n)
		}
		for i, c := range cl {
			names[i] = fmt.Sprint(c)
		}
	case []string:
		if len(cl) != n {
			return nil, nil, fmt.Errorf("%s: %d class names for a %dx%d confusion matrix", r.Identity(), len(cl), n, n)
		}
		copy(names, cl)
	}
	return m, names, nil
}

// confusions draws the requested confusion matrices (or, with no request,
// every zero-shot one up to MaxAutoClasses classes).
func confusions(recs []reports.Record, want []string) ([]*Figure, []string) {
	var figs []*Figure
	var notes []string
	found := map[string]bool{}
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
		if _, ok := r.Extra[reports.ExtraConfusion]; !ok {
			continue
		}
		m, names, err := ConfusionMatrix(r)
		if err != nil {
			notes = append(notes, "confusion matrix left out: "+err.Error())
			continue
		}
		if len(want) == 0 && len(names) > MaxAutoClasses {
			notes = append(notes, fmt.Sprintf("confusion matrix of %s left out: %d classes (ask for it with --confusion %s)", key, len(names), key))
			continue
		}
		found[key] = true
		figs = append(figs, Confusion(r, m, names))
	}
	for _, w := range want {
		if !found[w] {
			notes = append(notes, fmt.Sprintf("no confusion matrix for %s (want MODEL/DATASET of a record with extra %q)", w, reports.ExtraConfusion))
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
	h.Rasterized = n > 64
	p.Add(h)
	if n <= 40 {
		var xt, yt []plot.Tick
		for i, name := range names {
			if len(name) > 18 {
				name = name[:17] + "…"
			}
			xt = append(xt, plot.Tick{Value: float64(i), Label: name})
			yt = append(yt, plot.Tick{Value: float64(n - 1 - i), Label: name})
		}
		p.X.Tick.Marker = plot.ConstantTicks(xt)
		p.Y.Tick.Marker = plot.ConstantTicks(yt)
		size := vg.Points(math.Max(5, math.Min(9, 300/float64(n))))
		p.X.Tick.Label.Font.Size, p.Y.Tick.Label.Font.Size = size, size
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = -1, -0.5
	}
	side := vg.Length(math.Max(5, math.Min(9, 3+0.12*float64(n)))) * vg.Inch
	return &Figure{Name: fileStem("confusion", r.Model, r.Dataset), Title: fmt.Sprintf("Confusion matrix of %s on %s", r.Model, r.Dataset),
		Plot: p, W: side, H: side}
}
