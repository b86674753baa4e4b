package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

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
}

// Formats are the image formats Render accepts.
var Formats = []string{"png", "svg"}

// Render encodes the figure as "png" or "svg".
func (f *Figure) Render(format string) ([]byte, error) {
	if format != "png" && format != "svg" {
		return nil, fmt.Errorf("plot %s: unknown format %q (expected png or svg)", f.Name, format)
	}
	wt, err := f.Plot.WriterTo(f.W, f.H, format)
	if err != nil {
		return nil, fmt.Errorf("plot %s: %w", f.Name, err)
	}
	var buf bytes.Buffer
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
		add(FewShot(groups, d), "")
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
	return figs, notes
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

// FewShot draws accuracy (the dataset's paper metric, %) against labelled
// examples per class on a log2 axis for each model's linear probe (mean
// over seeds, error bars = std), each model's zero-shot score as a dashed
// horizontal line in its colour, probes on supervised backbones in gray,
// and the CLIP paper's full-data ResNet-50 probe as a dotted reference.
// Full-data probes (k = 0) are not on the shots axis; they show as the
// reference lines' labels in the tables instead.
func FewShot(groups []*reports.Group, dataset string) *Figure {
	metric := reports.PaperMetric(dataset)
	type curve struct {
		model      string
		supervised bool
		pts        plotter.XYs
		errs       plotter.YErrors
	}
	var curves []*curve
	byModel := map[string]*curve{}
	maxK := 1
	for _, g := range groups {
		if g.Task != reports.TaskLinearProbe || g.Dataset != dataset || g.K < 1 {
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
		c.pts = append(c.pts, plotter.XY{X: float64(g.K), Y: st.Mean * 100})
		c.errs = append(c.errs, struct{ Low, High float64 }{st.Std * 100, st.Std * 100})
		maxK = max(maxK, g.K)
	}
	if len(curves) == 0 {
		return nil
	}
	p := newPlot(fmt.Sprintf("Few-shot linear probe: %s", dataset), "labelled examples per class (log2)",
		reports.MetricTitle(metric)+" (%)")
	p.X.Scale = plot.LogScale{}
	var ticks []plot.Tick
	for k := 1; k <= maxK; k *= 2 {
		ticks = append(ticks, plot.Tick{Value: float64(k), Label: fmt.Sprint(k)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	x0, x1 := 1.0, float64(maxK)
	p.X.Min, p.X.Max = x0, x1
	ci := 0
	colors := map[string]color.Color{}
	for _, c := range curves {
		sort.Sort(byX{c.pts, c.errs})
		col := color.Color(gray)
		if !c.supervised {
			col = plotutil.Color(ci)
			colors[c.model] = col
			ci++
		}
		l, s, err := plotter.NewLinePoints(c.pts)
		if err != nil {
			continue
		}
		l.LineStyle.Color, l.LineStyle.Width = col, vg.Points(1.5)
		s.GlyphStyle.Color, s.GlyphStyle.Shape = col, draw.CircleGlyph{}
		if c.supervised {
			l.LineStyle.Dashes = dotted
			s.GlyphStyle.Shape = draw.SquareGlyph{}
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
	for _, g := range groups {
		if g.Task == reports.TaskZeroShot && g.Dataset == dataset && !g.Supervised {
			col, ok := colors[g.Model]
			if !ok {
				col = plotutil.Color(ci)
				ci++
			}
			if st := g.Stat(metric); st.OK() {
				hline(p, x0, x1, st.Mean*100, col, dashed, g.Model+" zero-shot")
			}
		}
	}
	if e, ok := baselines.SupervisedProbe(dataset); ok {
		hline(p, x0, x1, e.Value*100, lightGray, dotted, "CLIP paper ResNet-50 linear probe (all data)")
	}
	p.Y.Max += 2
	p.Y.Min = math.Max(0, p.Y.Min-0.35*(p.Y.Max-p.Y.Min))
	p.Legend.Top = false
	p.Legend.Left = false
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	return &Figure{Name: fileStem("fewshot", dataset), Title: "Few-shot linear probe on " + dataset, Plot: p, W: 6 * vg.Inch, H: 4.5 * vg.Inch}
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
	sort.SliceStable(datasets, func(i, j int) bool { return first[datasets[i]] > first[datasets[j]] })
	p := newPlot("Zero-shot vs a supervised linear probe", "", "Δ score (percentage points)")
	w := vg.Points(min(40, 240/float64(len(models)*len(datasets)+1)))
	for i, m := range models {
		vals := make(plotter.Values, len(datasets))
		for j, d := range datasets {
			v, ok := deltas[m][d]
			if !ok {
				v = 0
			}
			vals[j] = v
		}
		bc, err := plotter.NewBarChart(vals, w)
		if err != nil {
			continue
		}
		bc.Color = plotutil.Color(i)
		bc.LineStyle.Width = 0
		bc.Offset = w * vg.Length(float64(i)-float64(len(models)-1)/2)
		p.Add(bc)
		p.Legend.Add(m+" zero-shot", bc)
	}
	hline(p, -0.5, float64(len(datasets))-0.5, 0, color.Black, nil, "")
	p.NominalX(datasets...)
	var refs []string
	for r := range usedRef {
		refs = append(refs, r)
	}
	sort.Strings(refs)
	p.X.Label.Text = "baseline: " + strings.Join(refs, "; ")
	p.X.Label.TextStyle.Font.Size = vg.Points(7)
	lo, hi := math.Min(p.Y.Min, 0), math.Max(p.Y.Max, 0)
	p.Y.Min, p.Y.Max = lo-0.05*(hi-lo), hi+0.08*float64(len(models)+1)*(hi-lo)
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	return &Figure{Name: "zeroshot_vs_supervised", Title: "Zero-shot minus a supervised linear probe (Figure 5 style)", Plot: p,
		W: vg.Length(math.Max(5, 1.2*float64(len(datasets)))) * vg.Inch, H: 4 * vg.Inch}
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
		s, err := plotter.NewScatter(xys)
		if err != nil {
			continue
		}
		s.GlyphStyle.Color = plotutil.Color(i)
		s.GlyphStyle.Shape = plotutil.Shape(i)
		s.GlyphStyle.Radius = vg.Points(3.5)
		p.Add(s)
		p.Legend.Add(d, s)
		if l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels}); err == nil {
			for j := range l.TextStyle {
				l.TextStyle[j].Font.Size = vg.Points(7)
			}
			l.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(2)}
			p.Add(l)
		}
	}
	padLog(&p.X)
	padLinear(&p.Y, 5)
	p.Legend.Top = false
	return &Figure{Name: "accuracy_vs_throughput", Title: "Accuracy vs image-tower throughput per backbone", Plot: p, W: 6 * vg.Inch, H: 4.5 * vg.Inch}
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
		l.LineStyle.Dashes = plotutil.Dashes(i + 1)
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
		sc.GlyphStyle.Color = plotutil.Color(i)
		sc.GlyphStyle.Shape = plotutil.Shape(i)
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
	kindColor := []color.Color{lightGray, plotutil.Color(0), plotutil.Color(1)}
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
	p.Y.Tick.Label.Font.Size = vg.Points(8)
	p.Legend.Top = false
	p.Legend.Left = false
	p.Legend.TextStyle.Font.Size = vg.Points(8)
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
				t.Label = strconv.FormatFloat(v, 'g', 4, 64)
				major++
			}
			out = append(out, t)
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
