package plots

import (
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// One figure style for every plot, applied here: fonts sized for print
// (9 pt labels, 8 pt ticks and legends at a 3.3-inch column; the page
// width scales them up), the Okabe-Ito colour-blind-safe palette with a
// marker shape per series, percent axes clamped to [0, 100].

// okabeIto is the Okabe-Ito palette (Wong, Nature Methods 2011), black
// last.
var okabeIto = []color.Color{
	color.RGBA{R: 0x00, G: 0x72, B: 0xB2, A: 0xff}, // blue
	color.RGBA{R: 0xE6, G: 0x9F, B: 0x00, A: 0xff}, // orange
	color.RGBA{R: 0x00, G: 0x9E, B: 0x73, A: 0xff}, // bluish green
	color.RGBA{R: 0xD5, G: 0x5E, B: 0x00, A: 0xff}, // vermillion
	color.RGBA{R: 0xCC, G: 0x79, B: 0xA7, A: 0xff}, // reddish purple
	color.RGBA{R: 0x56, G: 0xB4, B: 0xE9, A: 0xff}, // sky blue
	color.RGBA{R: 0xF0, G: 0xE4, B: 0x42, A: 0xff}, // yellow
	color.RGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xff}, // black
}

// seriesColor is series i's colour.
func seriesColor(i int) color.Color { return okabeIto[i%len(okabeIto)] }

// seriesShape is series i's marker, so that series differ without colour.
func seriesShape(i int) draw.GlyphDrawer {
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{},
		draw.CrossGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}, draw.PlusGlyph{}}
	return shapes[i%len(shapes)]
}

// Figure widths: a two-column paper's column and its full page.
const (
	WidthColumn = "column"
	WidthPage   = "page"
)

// figureSize is the width and height of a figure of the given width class
// and aspect (height / width).
func figureSize(width string, aspect float64) (vg.Length, vg.Length) {
	w := 7 * vg.Inch
	if width == WidthColumn {
		w = 3.3 * vg.Inch
	}
	return w, vg.Length(aspect) * w
}

// style applies the fonts of a figure of width class width to p.
func style(p *plot.Plot, width string) {
	scale := 1.0
	if width != WidthColumn {
		scale = 1.25
	}
	pt := func(n float64) font.Length { return font.Length(vg.Points(n * scale)) }
	p.Title.TextStyle.Font.Size = pt(10)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = pt(9)
		a.Tick.Label.Font.Size = pt(8)
	}
	p.Legend.TextStyle.Font.Size = pt(8)
	p.Legend.Padding = vg.Points(2)
	p.Legend.ThumbnailWidth = vg.Points(18)
}

// pctAxis fits a percent axis to the values lo..hi with some room, never
// past 0 or 100, with round ticks.
func pctAxis(a *plot.Axis, lo, hi float64) {
	if math.IsNaN(lo) || math.IsNaN(hi) || lo > hi {
		lo, hi = 0, 100
	}
	pad := math.Max(2, 0.08*(hi-lo))
	a.Min = math.Max(0, math.Floor((lo-pad)/5)*5)
	a.Max = math.Min(100, math.Ceil((hi+pad)/5)*5)
	if a.Max-a.Min < 10 {
		a.Min = math.Max(0, a.Max-10)
		a.Max = math.Min(100, a.Min+10)
	}
	a.Tick.Marker = pctTicks{}
}

// pctTicks labels a percent axis every 2, 5, 10 or 20 points (about five
// labels), with unlabelled minor ticks between.
type pctTicks struct{}

func (pctTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 20.0
	for _, s := range []float64{2, 5, 10} {
		if (hi-lo)/s <= 7 {
			step = s
			break
		}
	}
	var out []plot.Tick
	minor := step / 2
	for v := math.Ceil(lo/minor) * minor; v <= hi+1e-9; v += minor {
		t := plot.Tick{Value: v}
		if math.Abs(math.Mod(v, step)) < 1e-9 {
			t.Label = strconv.FormatFloat(v, 'f', -1, 64)
		}
		out = append(out, t)
	}
	return out
}

// emptiestCorner places p's legend in the corner of the data area holding
// the fewest of pts (axis ranges already set; a log x axis compared in
// logs); ties keep the lower right.
func emptiestCorner(p *plot.Plot, pts []plotter.XY, logX bool) {
	norm := func(v, lo, hi float64, log bool) float64 {
		if log {
			if v <= 0 || lo <= 0 {
				return 0
			}
			v, lo, hi = math.Log(v), math.Log(lo), math.Log(hi)
		}
		if hi <= lo {
			return 0.5
		}
		return (v - lo) / (hi - lo)
	}
	type corner struct{ top, left bool }
	order := []corner{{false, false}, {true, false}, {false, true}, {true, true}}
	best, bestN := order[0], math.MaxInt
	for _, c := range order {
		n := 0
		for _, q := range pts {
			x, y := norm(q.X, p.X.Min, p.X.Max, logX), norm(q.Y, p.Y.Min, p.Y.Max, false)
			inX := (c.left && x < 0.45) || (!c.left && x > 0.55)
			inY := (c.top && y > 0.55) || (!c.top && y < 0.45)
			if inX && inY {
				n++
			}
		}
		if n < bestN {
			best, bestN = c, n
		}
	}
	p.Legend.Top, p.Legend.Left = best.top, best.left
}
