package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/reports/baselines"
)

// Figure is one plot ready to render.
type Figure struct {
	// Name is the file stem ("fewshot_pets").
	Name string
	// Title is the figure's caption in index.html.
	Title string
	Plot  *plot.Plot
	W, H  vg.Length
	// Side, when set, is drawn in a strip at the right (a colour bar).
	Side *plot.Plot
	// ownTicks keeps the tick labels' font the figure chose (sized to fit
	// many class names) when the style is applied.
	ownTicks bool
}

// sideWidth is the share of a figure's width its Side strip takes.
const sideWidth = 0.13

// draw draws the figure onto c: the plot, and its side strip.
func (f *Figure) draw(c draw.Canvas) {
	if f.Side == nil {
		f.Plot.Draw(c)
		return
	}
	w := c.Max.X - c.Min.X
	strip := vg.Length(sideWidth) * w
	f.Plot.Draw(draw.Crop(c, 0, -strip, 0, 0))
	f.Side.Draw(draw.Crop(c, w-strip+vg.Points(6), 0, vg.Points(40), -vg.Points(40)))
}

// Formats are the image formats Render accepts: PNG at PNGDPI, SVG and
// PDF (vector).
var Formats = []string{"png", "svg", "pdf"}

// PNGDPI is the resolution of PNG figures (print quality).
const PNGDPI = 300

// Render encodes the figure as "png", "svg" or "pdf".
func (f *Figure) Render(format string) ([]byte, error) {
	var buf bytes.Buffer
	var wt io.WriterTo
	switch format {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(f.W, f.H), vgimg.UseDPI(PNGDPI))
		f.draw(draw.New(c))
		wt = vgimg.PngCanvas{Canvas: c}
	case "svg":
		c := vgsvg.New(f.W, f.H)
		f.draw(draw.New(c))
		wt = c
	case "pdf":
		c := vgpdf.New(f.W, f.H)
		f.draw(draw.New(c))
		wt = c
	default:
		return nil, fmt.Errorf("plot %s: unknown format %q (expected png, svg or pdf)", f.Name, format)
	}
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plot %s: %w", f.Name, err)
	}
	return buf.Bytes(), nil
}

// Options selects optional figures.
type Options struct {
	// Confusion lists "MODEL/DATASET" pairs whose confusion matrices to
	// draw. Empty means every zero-shot record with a confusion matrix of
	// at most MaxAutoClasses classes.
	Confusion []string
	// Width sizes the figures for a paper: WidthColumn (3.3 in) or
	// WidthPage (7 in, the default).
	Width string
	// Error is what few-shot error bars show: ErrorStd (default) or
	// ErrorCI.
	Error string
}

// MaxAutoClasses bounds the confusion matrices drawn without asking.
const MaxAutoClasses = 102

// Build returns every figure the records support and notes on figures left
// out (no data, no baseline).
func Build(recs []reports.Record, opt Options) ([]*Figure, []string) {
	groups := reports.GroupSeeds(recs)
	var figs []*Figure
	var notes []string
	add := func(f *Figure, note string) {
		if f != nil {
			figs = append(figs, f)
		} else if note != "" {
			notes = append(notes, note)
		}
	}
	for _, d := range datasetsOf(groups, reports.TaskLinearProbe) {
		add(FewShotWith(groups, d, opt.Error), "")
	}
	add(VsSupervised(groups), "")
	add(Throughput(groups), "")
	add(Roofline(recs), "")
	cf, cn := confusions(recs, opt.Confusion)
	figs = append(figs, cf...)
	notes = append(notes, cn...)
	hasPets := false
	for _, g := range groups {
		hasPets = hasPets || reports.DatasetKey(g.Dataset) == "pets"
	}
	if hasPets {
		add(Humans(groups), "")
	}
	for _, f := range figs {
		finish(f, opt.Width)
	}
	return figs, notes
}

// finish applies the figure style at the chosen width, keeping the
// figure's aspect.
func finish(f *Figure, width string) {
	xt, yt := f.Plot.X.Tick.Label.Font.Size, f.Plot.Y.Tick.Label.Font.Size
	style(f.Plot, width)
	if f.ownTicks {
		f.Plot.X.Tick.Label.Font.Size, f.Plot.Y.Tick.Label.Font.Size = xt, yt
	}
	if f.Side != nil {
		style(f.Side, width)
	}
	aspect := 0.66
	if f.W > 0 {
		aspect = float64(f.H / f.W)
	}
	f.W, f.H = figureSize(width, aspect)
}

func datasetsOf(groups []*reports.Group, task string) []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range groups {
		if g.Task == task && !seen[g.Dataset] {
			seen[g.Dataset] = true
			out = append(out, g.Dataset)
		}
	}
	return out
}

// fileStem makes a name safe for a file: letters, digits, '-', '_' and '.'.
func fileStem(parts ...string) string {
	s := strings.Join(parts, "_")
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	return p
}

func hline(p *plot.Plot, x0, x1, y float64, c color.Color, dashes []vg.Length, label string) {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
	if err != nil {
		return // y is NaN: nothing to draw
	}
	l.LineStyle.Color = c
	l.LineStyle.Dashes = dashes
	l.LineStyle.Width = vg.Points(1.2)
	p.Add(l)
	if label != "" {
		p.Legend.Add(label, l)
	}
}

var (
	gray      = color.RGBA{R: 110, G: 110, B: 110, A: 255}
	lightGray = color.RGBA{R: 170, G: 170, B: 170, A: 255}
	dashed    = []vg.Length{vg.Points(5), vg.Points(3)}
	dotted    = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
)

// Error-bar kinds of few-shot curves: ErrorStd (±1 sample standard
// deviation over seeds, the default) or ErrorCI (a 95% normal interval of
// the mean over seeds).
const (
	ErrorStd = "std"
	ErrorCI  = "ci"
)

// errorText names the error bars for captions.
func errorText(kind string) string {
	if kind == ErrorCI {
		return "error bars: 95% CI of the mean over seeds"
	}
	return "error bars: ±1 s.d. over seeds"
}

// FewShot draws accuracy (the dataset's paper metric, %) against labelled
// examples per class on a log2 axis for each model's linear probe (mean
// over seeds, error bars = std or 95% CI, said in the caption), the
// full-data probe as the last point ("all"), each model's zero-shot score
// as a dashed line in its colour, probes on supervised backbones in gray,
// and the CLIP paper's full-data ResNet-50 probe as a light dotted
// reference behind the curves. One shot count, one model or one point
// each draw; a dataset without a finite score draws nothing.
func FewShot(groups []*reports.Group, dataset string) *Figure {
	return FewShotWith(groups, dataset, ErrorStd)
}

// FewShotWith is FewShot with error bars of the given kind.
func FewShotWith(groups []*reports.Group, dataset, errorKind string) *Figure {
	metric := reports.PaperMetric(dataset)
	type curve struct {
		model      string
		supervised bool
		pts        plotter.XYs
		errs       plotter.YErrors
		ks         []int
	}
	var curves []*curve
	byModel := map[string]*curve{}
	maxK, hasAll := 0, false
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, g := range groups {
		if g.Task != reports.TaskLinearProbe || g.Dataset != dataset {
			continue
		}
		st := g.Stat(metric)
		if !st.OK() {
			continue
		}
		key := fmt.Sprintf("%s/%v", g.Model, g.Supervised)
		c, ok := byModel[key]
		if !ok {
			c = &curve{model: g.Model, supervised: g.Supervised}
			byModel[key] = c
			curves = append(curves, c)
		}
		spread := st.Std
		if errorKind == ErrorCI && st.N > 1 {
			spread = 1.96 * st.Std / math.Sqrt(float64(st.N))
		}
		if math.IsNaN(spread) {
			spread = 0
		}
		c.pts = append(c.pts, plotter.XY{Y: st.Mean * 100})
		c.errs = append(c.errs, struct{ Low, High float64 }{spread * 100, spread * 100})
		c.ks = append(c.ks, g.K)
		lo, hi = math.Min(lo, (st.Mean-spread)*100), math.Max(hi, (st.Mean+spread)*100)
		if g.K == 0 {
			hasAll = true
		} else {
			maxK = max(maxK, g.K)
		}
	}
	if len(curves) == 0 {
		return nil
	}
	// x: k on a log2 axis; all the training data one step past the largest k
	allX := 2 * math.Max(1, float64(maxK))
	xOf := func(k int) float64 {
		if k == 0 {
			return allX
		}
		return float64(k)
	}
	var ticks []plot.Tick
	if maxK > 0 {
		for k := 1; k <= maxK; k *= 2 {
			ticks = append(ticks, plot.Tick{Value: float64(k), Label: fmt.Sprint(k)})
		}
	}
	if hasAll {
		ticks = append(ticks, plot.Tick{Value: allX, Label: "all"})
	}
	x0, x1 := 1.0, allX
	if maxK == 0 {
		x0 = allX
	}
	if !hasAll {
		x1 = math.Max(1, float64(maxK))
	}
	p := newPlot(fmt.Sprintf("Few-shot linear probe: %s", dataset), "labelled examples per class (log2)",
		reports.MetricTitle(metric)+" (%)")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = x0/1.4, x1*1.4
	// references first: drawn behind the curves
	if e, ok := baselines.SupervisedProbe(dataset); ok {
		hline(p, p.X.Min, p.X.Max, e.Value*100, lightGray, dotted, "CLIP paper: ResNet-50 linear probe, all data")
		lo, hi = math.Min(lo, e.Value*100), math.Max(hi, e.Value*100)
	}
	ci := 0
	colors := map[string]int{}
	for _, g := range groups {
		if g.Task == reports.TaskZeroShot && g.Dataset == dataset && !g.Supervised {
			if _, ok := colors[g.Model]; !ok {
				colors[g.Model] = len(colors)
			}
		}
	}
	for _, c := range curves {
		if !c.supervised {
			if _, ok := colors[c.model]; !ok {
				colors[c.model] = len(colors)
			}
		}
	}
	for _, g := range groups {
		if g.Task == reports.TaskZeroShot && g.Dataset == dataset && !g.Supervised {
			if st := g.Stat(metric); st.OK() {
				hline(p, p.X.Min, p.X.Max, st.Mean*100, seriesColor(colors[g.Model]), dashed, g.Model+" zero-shot")
				lo, hi = math.Min(lo, st.Mean*100), math.Max(hi, st.Mean*100)
			}
		}
	}
	for _, c := range curves {
		for i, k := range c.ks {
			c.pts[i].X = xOf(k)
		}
		sort.Sort(byX{c.pts, c.errs})
		col := color.Color(gray)
		shape := draw.GlyphDrawer(draw.SquareGlyph{})
		if !c.supervised {
			col, shape = seriesColor(colors[c.model]), seriesShape(colors[c.model])
			ci++
		}
		l, s, err := plotter.NewLinePoints(c.pts)
		if err != nil {
			continue
		}
		l.LineStyle.Color, l.LineStyle.Width = col, vg.Points(1.5)
		s.GlyphStyle.Color, s.GlyphStyle.Shape, s.GlyphStyle.Radius = col, shape, vg.Points(2.5)
		if c.supervised {
			l.LineStyle.Dashes = dotted
		}
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{c.pts, c.errs})
		if err == nil {
			eb.LineStyle.Color = col
			p.Add(eb)
		}
		p.Add(l, s)
		label := c.model + " linear probe"
		if c.supervised {
			label = c.model + " (supervised) linear probe"
		}
		p.Legend.Add(label, l, s)
	}
	pctAxis(&p.Y, lo, hi)
	var all []plotter.XY
	for _, c := range curves {
		all = append(all, c.pts...)
	}
	for _, g := range groups { // the zero-shot lines run across: sample them
		if g.Task == reports.TaskZeroShot && g.Dataset == dataset && !g.Supervised {
			if st := g.Stat(metric); st.OK() {
				for _, x := range []float64{x0, math.Sqrt(x0 * x1), x1} {
					all = append(all, plotter.XY{X: x, Y: st.Mean * 100})
				}
			}
		}
	}
	emptiestCorner(p, all, true)
	return &Figure{Name: fileStem("fewshot", dataset), Title: "Few-shot linear probe on " + dataset + " (" + errorText(errorKind) + "; \"all\": all the training data)",
		Plot: p, W: 7 * vg.Inch, H: 4.6 * vg.Inch}
}

type byX struct {
	pts  plotter.XYs
	errs plotter.YErrors
}

func (b byX) Len() int           { return len(b.pts) }
func (b byX) Less(i, j int) bool { return b.pts[i].X < b.pts[j].X }
func (b byX) Swap(i, j int) {
	b.pts[i], b.pts[j] = b.pts[j], b.pts[i]
	b.errs[i], b.errs[j] = b.errs[j], b.errs[i]
}

// VsSupervised draws, per dataset, each zero-shot model's score minus a
// full-data linear probe on supervised features (the suite's own
// supervised-backbone probe, else the paper's ResNet-50), in percentage
// points, datasets sorted by the first model's difference (CLIP paper
// Figure 5). Datasets without a baseline are left out.
func VsSupervised(groups []*reports.Group) *Figure {
	var models []string
	deltas := map[string]map[string]float64{}
	var datasets []string
	seenDS := map[string]bool{}
	usedRef := map[string]string{}
	for _, g := range groups {
		if g.Task != reports.TaskZeroShot || g.Supervised {
			continue
		}
		st := g.Stat(reports.PaperMetric(g.Dataset))
		ref, ok := baselines.SupervisedReference(groups, g.Dataset)
		if !st.OK() || !ok {
			continue
		}
		if deltas[g.Model] == nil {
			deltas[g.Model] = map[string]float64{}
			models = append(models, g.Model)
		}
		deltas[g.Model][g.Dataset] = (st.Mean - ref.Value) * 100
		usedRef[ref.Label] = g.Dataset
		if !seenDS[g.Dataset] {
			seenDS[g.Dataset] = true
			datasets = append(datasets, g.Dataset)
		}
	}
	if len(models) == 0 {
		return nil
	}
	first := deltas[models[0]]
	// as the paper draws it: horizontal bars, one row per dataset, sorted
	// by the difference (largest gain at the top)
	sort.SliceStable(datasets, func(i, j int) bool { return first[datasets[i]] < first[datasets[j]] })
	p := newPlot("Zero-shot vs a supervised linear probe", "Δ score (percentage points)", "")
	w := vg.Points(math.Max(4, math.Min(14, 200/float64(len(models)*len(datasets)+1))))
	lo, hi := 0.0, 0.0
	for i, m := range models {
		vals := make(plotter.Values, len(datasets))
		for j, d := range datasets {
			v, ok := deltas[m][d]
			if !ok {
				v = 0
			}
			vals[j] = v
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		bc, err := plotter.NewBarChart(vals, w)
		if err != nil {
			continue
		}
		bc.Horizontal = true
		bc.Color = seriesColor(i)
		bc.LineStyle.Width = 0
		bc.Offset = -w * vg.Length(float64(i)-float64(len(models)-1)/2)
		p.Add(bc)
		p.Legend.Add(m+" zero-shot", bc)
	}
	zero, err := plotter.NewLine(plotter.XYs{{X: 0, Y: -0.5}, {X: 0, Y: float64(len(datasets)) - 0.5}})
	if err == nil {
		zero.LineStyle.Color, zero.LineStyle.Width = color.Black, vg.Points(0.8)
		p.Add(zero)
	}
	p.NominalY(datasets...)
	var refs []string
	for r := range usedRef {
		refs = append(refs, r)
	}
	sort.Strings(refs)
	p.X.Label.Text = "zero-shot minus linear probe (percentage points); baseline: " + strings.Join(refs, "; ")
	pad := math.Max(2, 0.12*(hi-lo))
	p.X.Min, p.X.Max = lo-pad, hi+pad
	p.X.Tick.Marker = intTicks{}
	// the legend in headroom above the bars, clear of the data
	p.Y.Min, p.Y.Max = -0.6, float64(len(datasets))-0.4+0.3*float64(len(models))
	p.Legend.Top = true
	p.Legend.Left = hi < -lo // the side the bars do not reach
	if len(models) == 1 {
		p.Legend = plot.NewLegend() // one model: the title says it all
		p.Y.Max = float64(len(datasets)) - 0.4
	}
	return &Figure{Name: "zeroshot_vs_supervised", Title: "Zero-shot minus a supervised linear probe, per dataset (CLIP paper Figure 5)", Plot: p,
		W: 7 * vg.Inch, H: vg.Length(math.Max(2.4, 0.5+0.28*float64(len(datasets))*math.Max(1, float64(len(models))/2))) * vg.Inch}
}

// intTicks are linear ticks at round whole numbers, labelled without
// decimals ("-25", not "-25.00").
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', -1, 64)
		}
	}
	return ticks
}

// Throughput draws each zero-shot model's score against its image-tower
// throughput (images/s, log scale; the whole task's rate when the tower's is
// missing), one marker series per dataset, labelled with the model: the
// "which backbone" plot.
func Throughput(groups []*reports.Group) *Figure {
	type pt struct {
		xy    plotter.XY
		label string
	}
	series := map[string][]pt{}
	var datasets []string
	for _, g := range groups {
		if g.Task != reports.TaskZeroShot || g.Supervised {
			continue
		}
		st := g.Stat(reports.PaperMetric(g.Dataset))
		rate := g.Stat(reports.ThroughputTowerImagesPerS)
		if !rate.OK() {
			rate = g.Stat(reports.ThroughputImagesPerS)
		}
		if !st.OK() || !rate.OK() || rate.Mean <= 0 {
			continue
		}
		if _, ok := series[g.Dataset]; !ok {
			datasets = append(datasets, g.Dataset)
		}
		series[g.Dataset] = append(series[g.Dataset], pt{plotter.XY{X: rate.Mean, Y: st.Mean * 100}, g.Model})
	}
	if len(datasets) == 0 {
		return nil
	}
	models := map[string]bool{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, d := range datasets {
		for _, q := range series[d] {
			models[q.label] = true
			lo, hi = math.Min(lo, q.xy.Y), math.Max(hi, q.xy.Y)
		}
	}
	p := newPlot("Accuracy vs throughput", "image tower images/s (log scale)", "score (%, paper metric)")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	for i, d := range datasets {
		var xys plotter.XYs
		var labels []string
		for _, q := range series[d] {
			xys = append(xys, q.xy)
			labels = append(labels, q.label)
		}
		// the Pareto front: no other point is both faster and better
		if front := paretoFront(xys); len(front) > 1 {
			if l, err := plotter.NewLine(front); err == nil {
				l.LineStyle.Color, l.LineStyle.Dashes, l.LineStyle.Width = seriesColor(i), dashed, vg.Points(1)
				p.Add(l)
			}
		}
		s, err := plotter.NewScatter(xys)
		if err != nil {
			continue
		}
		s.GlyphStyle.Color = seriesColor(i)
		s.GlyphStyle.Shape = seriesShape(i)
		s.GlyphStyle.Radius = vg.Points(3)
		p.Add(s)
		p.Legend.Add(d, s)
		if len(models) > 1 { // one model: the title names it; no label repeated at every point
			if l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels}); err == nil {
				for j := range l.TextStyle {
					l.TextStyle[j].Font.Size = vg.Points(7)
				}
				l.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(2)}
				p.Add(l)
			}
		}
	}
	padLog(&p.X)
	pctAxis(&p.Y, lo, hi)
	var all []plotter.XY
	for _, d := range datasets {
		for _, q := range series[d] {
			all = append(all, q.xy)
		}
	}
	emptiestCorner(p, all, true)
	title := "Accuracy vs image-tower throughput per backbone (dashed: Pareto front)"
	if len(models) == 1 {
		for m := range models {
			p.Title.Text += ": " + m
		}
	}
	return &Figure{Name: "accuracy_vs_throughput", Title: title, Plot: p, W: 7 * vg.Inch, H: 4.6 * vg.Inch}
}

// paretoFront returns the points no other point beats on both axes
// (faster and higher), by increasing x.
func paretoFront(pts plotter.XYs) plotter.XYs {
	sorted := append(plotter.XYs(nil), pts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].X > sorted[j].X })
	var front plotter.XYs
	best := math.Inf(-1)
	for _, q := range sorted {
		if q.Y > best {
			front = append(front, q)
			best = q.Y
		}
	}
	sort.Slice(front, func(i, j int) bool { return front[i].X < front[j].X })
	return front
}

// padLog widens a log axis by a factor 1.6 on each side (room for labels).
func padLog(a *plot.Axis) {
	a.Min /= 1.6
	a.Max *= 1.6
}

// padLinear widens a linear axis by d on each side.
func padLinear(a *plot.Axis, d float64) {
	a.Min -= d
	a.Max += d
}

// Roofline draws each kernel measurement's achieved GFLOP/s against its
// arithmetic intensity (FLOP per byte = GFLOP/s ÷ GB/s), on log-log axes,
// under the ceilings measured in the same run: min(peak GFLOP/s, intensity
// × peak GB/s) per device and peak.
func Roofline(recs []reports.Record) *Figure {
	type ceiling struct {
		device       string
		gflops, gbps float64
		dtypes       []string
	}
	var ceilings []*ceiling
	type series struct {
		label string
		pts   plotter.XYs
	}
	var ss []*series
	byLabel := map[string]*series{}
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for i := range recs {
		r := &recs[i]
		if r.Task != reports.TaskKernel || r.Error != "" {
			continue
		}
		gf, gb := r.Metrics[reports.MetricGFLOPS], r.Metrics[reports.MetricGBPS]
		if !(gf > 0) || !(gb > 0) || math.IsInf(gf, 0) || math.IsInf(gb, 0) {
			continue
		}
		ai := gf / gb
		device, dtype := r.ParamString(reports.ParamDevice), r.ParamString(reports.ParamDType)
		label := fmt.Sprintf("%s %s (%s)", r.ParamString(reports.ParamImpl), dtype, device)
		s, ok := byLabel[label]
		if !ok {
			s = &series{label: label}
			byLabel[label] = s
			ss = append(ss, s)
		}
		s.pts = append(s.pts, plotter.XY{X: ai, Y: gf})
		xmin, xmax = math.Min(xmin, ai), math.Max(xmax, ai)
		pg, pb := r.Metrics[reports.MetricPeakGFLOPS], r.Metrics[reports.MetricPeakGBPS]
		if pg > 0 && pb > 0 && !math.IsInf(pg, 0) && !math.IsInf(pb, 0) {
			found := false
			for _, c := range ceilings {
				if c.device == device && c.gflops == pg && c.gbps == pb {
					found = true
					if !contains(c.dtypes, dtype) {
						c.dtypes = append(c.dtypes, dtype)
					}
				}
			}
			if !found {
				ceilings = append(ceilings, &ceiling{device: device, gflops: pg, gbps: pb, dtypes: []string{dtype}})
			}
			xmin, xmax = math.Min(xmin, pg/pb), math.Max(xmax, pg/pb)
		}
	}
	if len(ss) == 0 {
		return nil
	}
	xmin, xmax = xmin/4, xmax*10
	p := newPlot("Similarity kernels: roofline", "arithmetic intensity (FLOP/byte, log scale)", "GFLOP/s (log scale)")
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Min, p.X.Max = xmin, xmax
	for i, c := range ceilings {
		ridge := c.gflops / c.gbps
		var xys plotter.XYs
		if xmin < ridge {
			xys = append(xys, plotter.XY{X: xmin, Y: xmin * c.gbps}, plotter.XY{X: ridge, Y: c.gflops})
		} else {
			xys = append(xys, plotter.XY{X: xmin, Y: c.gflops})
		}
		xys = append(xys, plotter.XY{X: xmax, Y: c.gflops})
		l, err := plotter.NewLine(xys)
		if err != nil {
			continue
		}
		l.LineStyle.Color = gray
		l.LineStyle.Dashes = [][]vg.Length{nil, dashed, dotted, {vg.Points(6), vg.Points(2), vg.Points(1), vg.Points(2)}}[i%4]
		l.LineStyle.Width = vg.Points(1.2)
		p.Add(l)
		label := fmt.Sprintf("%s %s peak: %.4g GFLOP/s, %.4g GB/s", c.device, strings.Join(c.dtypes, "/"), c.gflops, c.gbps)
		addLabel(p, plotter.XY{X: xmax, Y: c.gflops}, label, vg.Point{X: 0, Y: vg.Points(2)}, -1)
	}
	for i, s := range ss {
		sc, err := plotter.NewScatter(s.pts)
		if err != nil {
			continue
		}
		sc.GlyphStyle.Color = seriesColor(i)
		sc.GlyphStyle.Shape = seriesShape(i)
		sc.GlyphStyle.Radius = vg.Points(3.5)
		p.Add(sc)
		addLabel(p, s.pts[0], s.label, vg.Point{X: vg.Points(6), Y: vg.Points(-3)}, 0)
	}
	p.Y.Min /= 3
	p.Y.Max *= 3
	p.X.Tick.Marker, p.Y.Tick.Marker = logTicks{}, logTicks{}
	return &Figure{Name: "roofline", Title: "Kernel roofline: achieved GFLOP/s vs arithmetic intensity", Plot: p, W: 6.5 * vg.Inch, H: 4.5 * vg.Inch}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Humans draws the CLIP paper's Table 2 on Oxford-IIIT Pets (human zero-,
// one- and two-shot accuracy; zero-shot CLIP ViT-L/14@336px) beside the
// evaluated models' zero-shot and 1- and 2-shot linear-probe scores (mean
// per-class recall, %).
func Humans(groups []*reports.Group) *Figure {
	type bar struct {
		label string
		v     float64
		kind  int // 0 human, 1 paper, 2 evaluated
	}
	var bars []bar
	for _, e := range baselines.Humans() {
		bars = append(bars, bar{e.Model, e.Value * 100, 0})
	}
	if e, ok := baselines.Find(baselines.Paper(), baselines.PetsZeroShotModel, "pets", baselines.ZeroShot); ok {
		bars = append(bars, bar{"CLIP paper " + e.Model + " zero-shot", e.Value * 100, 1})
	}
	evaluated := 0
	metric := reports.MetricMeanPerClassRecall
	for _, g := range groups {
		if reports.DatasetKey(g.Dataset) != "pets" || g.Supervised {
			continue
		}
		var label string
		switch {
		case g.Task == reports.TaskZeroShot:
			label = g.Model + " zero-shot"
		case g.Task == reports.TaskLinearProbe && (g.K == 1 || g.K == 2):
			label = fmt.Sprintf("%s %d-shot probe", g.Model, g.K)
		default:
			continue
		}
		if st := g.Stat(metric); st.OK() {
			bars = append(bars, bar{label, st.Mean * 100, 2})
			evaluated++
		}
	}
	if evaluated == 0 {
		return nil
	}
	p := newPlot("CLIP vs humans on Oxford-IIIT Pets", "mean per-class accuracy (%)", "")
	names := make([]string, len(bars))
	kindColor := []color.Color{lightGray, seriesColor(0), seriesColor(1)}
	kindName := []string{"human (paper Table 2)", "CLIP paper", "evaluated here"}
	legend := map[int]bool{}
	// Bars run top to bottom in list order: position i is drawn at y = n-1-i.
	for i, b := range bars {
		names[len(bars)-1-i] = fmt.Sprintf("%s (%.1f)", b.label, b.v)
		bc, err := plotter.NewBarChart(plotter.Values{b.v}, vg.Points(12))
		if err != nil {
			continue
		}
		bc.Horizontal = true
		bc.XMin = float64(len(bars) - 1 - i)
		bc.Color = kindColor[b.kind]
		bc.LineStyle.Width = 0
		p.Add(bc)
		if !legend[b.kind] {
			legend[b.kind] = true
			p.Legend.Add(kindName[b.kind], bc)
		}
	}
	p.NominalY(names...)
	p.X.Min, p.X.Max = 0, 100
	// the legend in headroom above the bars, clear of the data
	p.Y.Min, p.Y.Max = -0.6, float64(len(bars))-0.4+0.55*float64(len(legend))
	p.Legend.Top = true
	p.Legend.Left = false
	return &Figure{Name: "pets_humans", Title: "CLIP vs humans on Oxford-IIIT Pets (paper Table 2)", Plot: p,
		W: 6.5 * vg.Inch, H: vg.Length(1.2+0.25*float64(len(bars))) * vg.Inch}
}

// addLabel writes text at a data point; xalign -1 ends the text at the
// point, 0 starts it there.
func addLabel(p *plot.Plot, at plotter.XY, text string, off vg.Point, xalign float64) {
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{at}, Labels: []string{text}})
	if err != nil {
		return
	}
	l.TextStyle[0].Font.Size = vg.Points(7)
	l.TextStyle[0].XAlign = draw.XAlignment(xalign)
	l.Offset = off
	p.Add(l)
}

// logTicks marks 1, 2 and 5 times powers of ten, labelling each, and
// minor ticks at the other integers times powers of ten.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	var out []plot.Tick
	major := 0
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := float64(m) * base
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = tickLabel(v)
				major++
			}
			out = append(out, t)
		}
	}
	if major < 2 { // less than a decade: label every tick
		for i := range out {
			out[i].Label = tickLabel(out[i].Value)
		}
	}
	if major > 12 { // wide range: label powers of ten only
		for i := range out {
			if m := out[i].Value / math.Pow(10, math.Floor(math.Log10(out[i].Value)+1e-9)); math.Abs(m-1) > 1e-9 {
				out[i].Label = ""
			}
		}
	}
	return out
}

// tickLabel writes a log-axis value plainly: 0.5, 20, 5000, 20k, 3M.
func tickLabel(v float64) string {
	switch {
	case v >= 1e6 && math.Mod(v, 1e6) == 0:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e4 && math.Mod(v, 1e3) == 0:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
