package tables

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/reports/baselines"
)

// Build returns every table the records support, in report order. Tables
// without data are left out.
func Build(recs []reports.Record) []*Table {
	groups := reports.GroupSeeds(recs)
	var out []*Table
	for _, t := range []*Table{ZeroShot(groups), ZeroShotDetail(groups), FewShot(groups),
		VsSupervised(groups), Throughput(groups), Retrieval(recs), Kernels(recs)} {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}

func filter(groups []*reports.Group, task string, supervised bool) []*reports.Group {
	var out []*reports.Group
	for _, g := range groups {
		if g.Task == task && g.Supervised == supervised {
			out = append(out, g)
		}
	}
	return out
}

// statCell shows a metric of a group: "–" when missing, "NaN" when only
// NaN values, mean (± std over several seeds) otherwise.
func statCell(g *reports.Group, metric string) Cell {
	st := g.Stat(metric)
	switch {
	case st.OK() && st.N > 1:
		return PctStd(st.Mean, st.Std)
	case st.OK():
		return Pct(st.Mean)
	case st.NaN > 0:
		return Txt(TextNaN)
	}
	return Txt(TextMissing)
}

func score(g *reports.Group) reports.Stat { return g.Stat(reports.PaperMetric(g.Dataset)) }

func uniq(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func metricNote(datasets []string) string {
	var mpc []string
	for _, d := range datasets {
		if reports.PaperMetric(d) == reports.MetricMeanPerClassRecall {
			mpc = append(mpc, d)
		}
	}
	if len(mpc) == 0 {
		return "Scores are top-1 accuracy (%)."
	}
	return fmt.Sprintf("Scores are each dataset's paper metric (%%): mean per-class recall for %s, top-1 accuracy otherwise.", strings.Join(mpc, ", "))
}

// ZeroShot is the models x datasets matrix of zero-shot scores (each
// dataset's paper metric), CLIP Table 11 style, with the paper's row under
// each evaluated model that has one.
func ZeroShot(groups []*reports.Group) *Table {
	zs := filter(groups, reports.TaskZeroShot, false)
	if len(zs) == 0 {
		return nil
	}
	var models, datasets []string
	cell := map[[2]string]*reports.Group{}
	for _, g := range zs {
		models = append(models, g.Model)
		datasets = append(datasets, g.Dataset)
		cell[[2]string{g.Model, g.Dataset}] = g
	}
	models, datasets = uniq(models), uniq(datasets)
	t := &Table{Name: "zeroshot", Title: "Zero-shot classification",
		Caption: metricNote(datasets) + " \"CLIP paper\" rows are Radford et al. 2021, Table 11."}
	t.Columns = []Column{{Key: "model", Title: "model"}}
	for _, d := range datasets {
		t.Columns = append(t.Columns, Column{Key: d + "_pct", Title: d, Numeric: true})
	}
	paperDone := map[string]bool{}
	for _, m := range models {
		row := []Cell{Txt(m)}
		for _, d := range datasets {
			if g, ok := cell[[2]string{m, d}]; ok {
				row = append(row, statCell(g, reports.PaperMetric(d)))
			} else {
				row = append(row, Txt(TextMissing))
			}
		}
		t.Rows = append(t.Rows, row)
		prow, found, name := []Cell{{}}, false, ""
		for _, d := range datasets {
			g := cell[[2]string{m, d}]
			if g == nil {
				prow = append(prow, Txt(TextNoBaseline))
				continue
			}
			e, ok, why := baselines.Published(g, baselines.Paper(), baselines.ZeroShot)
			switch {
			case ok && why == "":
				prow = append(prow, Pct(e.Value))
				found, name = true, e.Model
			case ok:
				prow = append(prow, Txt(TextNotComparable))
				t.Notes = append(t.Notes, notComparable(g, e, why))
			default:
				prow = append(prow, Txt(TextNoBaseline))
			}
		}
		if found && !paperDone[name] {
			paperDone[name] = true
			prow[0] = Txt("CLIP paper " + name)
			t.Rows = append(t.Rows, prow)
		}
	}
	// The fully supervised reference (torchvision ResNet-50 ImageNet top-1)
	// where a dataset has one.
	srow, found := []Cell{Txt(baselines.ResNet50 + ", trained on labels")}, false
	for _, d := range datasets {
		if e, ok := baselines.Find(baselines.Paper(), baselines.ResNet50, d, baselines.Supervised); ok {
			srow, found = append(srow, Pct(e.Value)), true
		} else {
			srow = append(srow, Txt(TextNoBaseline))
		}
	}
	if found {
		t.Rows = append(t.Rows, srow)
	}
	return t
}

// notComparable is the table note of a published number left out.
func notComparable(g *reports.Group, e baselines.Entry, why string) string {
	return fmt.Sprintf("%s on %s: not compared with %s: %s", g.Model, g.Dataset, e.Label(), why)
}

// publishedCells returns g's published value in entries and the
// difference to it when the two can be compared ([baselines.Published]);
// "not comparable" (and a note on t saying why) when they cannot; "no
// baseline" when there is none.
func publishedCells(t *Table, g *reports.Group, st reports.Stat, entries []baselines.Entry, protocol string) []Cell {
	e, ok, why := baselines.Published(g, entries, protocol)
	if ok && why != "" {
		t.Notes = append(t.Notes, notComparable(g, e, why))
		return []Cell{Txt(TextNotComparable), Txt(TextMissing)}
	}
	return baselineCells(st, e, ok)
}

// baselineCells returns a published value and the difference to it, or
// "no baseline" twice.
func baselineCells(st reports.Stat, e baselines.Entry, ok bool) []Cell {
	if !ok {
		return []Cell{Txt(TextNoBaseline), Txt(TextMissing)}
	}
	if !st.OK() {
		return []Cell{Pct(e.Value), Txt(TextMissing)}
	}
	return []Cell{Pct(e.Value), Delta(st.Mean - e.Value)}
}

// ZeroShotDetail lists every zero-shot measurement with top-1, top-5 and
// mean per-class recall beside the CLIP paper's and open_clip's published
// numbers.
func ZeroShotDetail(groups []*reports.Group) *Table {
	zs := filter(groups, reports.TaskZeroShot, false)
	if len(zs) == 0 {
		return nil
	}
	t := &Table{Name: "zeroshot_detail", Title: "Zero-shot classification, all metrics",
		Caption: "score = the dataset's paper metric; Δ in percentage points. Published numbers: CLIP paper Table 11; open_clip docs/openclip_results.csv."}
	t.Columns = []Column{{Key: "model", Title: "model"}, {Key: "dataset", Title: "dataset"}, {Key: "split", Title: "split"},
		{Key: "n", Title: "n", Numeric: true}, {Key: "metric", Title: "paper metric"},
		{Key: "score_pct", Title: "score (%)", Numeric: true},
		{Key: "acc1_pct", Title: "top-1 (%)", Numeric: true}, {Key: "acc5_pct", Title: "top-5 (%)", Numeric: true},
		{Key: "mean_per_class_recall_pct", Title: "mean per class (%)", Numeric: true},
		{Key: "clip_paper_pct", Title: "CLIP paper (%)", Numeric: true}, {Key: "delta_clip_paper_pp", Title: "Δ paper", Numeric: true},
		{Key: "openclip_pct", Title: "open_clip (%)", Numeric: true}, {Key: "delta_openclip_pp", Title: "Δ open_clip", Numeric: true}}
	for _, g := range zs {
		metric := reports.PaperMetric(g.Dataset)
		st := g.Stat(metric)
		row := []Cell{Txt(g.Model), Txt(g.Dataset), Txt(g.Split), Num(float64(g.Records[0].NSamples), 0),
			Txt(reports.MetricTitle(metric)), statCell(g, metric),
			statCell(g, reports.MetricAcc1), statCell(g, reports.MetricAcc5), statCell(g, reports.MetricMeanPerClassRecall)}
		row = append(row, publishedCells(t, g, st, baselines.Paper(), baselines.ZeroShot)...)
		row = append(row, publishedCells(t, g, st, baselines.OpenCLIP(), baselines.ZeroShot)...)
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Shots formats a shot count: "all" for 0.
func Shots(k int) string {
	if k == 0 {
		return "all"
	}
	return fmt.Sprint(k)
}

// FewShot lists linear-probe results per model, dataset and shots: mean ±
// std over seeds, the chosen C, and for full-data probes the CLIP paper's
// Table 10 number. Probes on supervised backbones are marked as baselines.
func FewShot(groups []*reports.Group) *Table {
	var lp []*reports.Group
	for _, g := range groups {
		if g.Task == reports.TaskLinearProbe {
			lp = append(lp, g)
		}
	}
	if len(lp) == 0 {
		return nil
	}
	t := &Table{Name: "fewshot", Title: "Linear probe (few-shot and full data)",
		Caption: "Mean ± sample standard deviation over seeds; shots are labelled examples per class (all = the full training split). CLIP paper: Table 10 (full data only)."}
	t.Columns = []Column{{Key: "model", Title: "model"}, {Key: "features", Title: "features"}, {Key: "dataset", Title: "dataset"},
		{Key: "shots", Title: "shots", Numeric: true}, {Key: "seeds", Title: "seeds", Numeric: true},
		{Key: "metric", Title: "paper metric"}, {Key: "score_pct", Title: "score (%)", Numeric: true},
		{Key: "acc1_pct", Title: "top-1 (%)", Numeric: true}, {Key: "acc5_pct", Title: "top-5 (%)", Numeric: true},
		{Key: "C", Title: "C"},
		{Key: "clip_paper_pct", Title: "CLIP paper (%)", Numeric: true}, {Key: "delta_clip_paper_pp", Title: "Δ paper", Numeric: true}}
	for _, g := range lp {
		metric := reports.PaperMetric(g.Dataset)
		kind := "CLIP"
		if g.Supervised {
			kind = "supervised"
		}
		var cs []string
		for _, r := range g.Records {
			switch c := r.Params[reports.ParamC].(type) {
			case float64:
				cs = append(cs, strconv.FormatFloat(c, 'g', 3, 64))
			case nil:
			default:
				cs = append(cs, r.ParamString(reports.ParamC))
			}
		}
		cText := TextMissing
		if len(cs) > 0 {
			cText = strings.Join(uniq(cs), ", ")
		}
		row := []Cell{Txt(g.Model), Txt(kind), Txt(g.Dataset), Txt(Shots(g.K)), Num(float64(len(g.Records)), 0),
			Txt(reports.MetricTitle(metric)), statCell(g, metric), statCell(g, reports.MetricAcc1), statCell(g, reports.MetricAcc5), Txt(cText)}
		if g.K == 0 {
			row = append(row, publishedCells(t, g, g.Stat(metric), baselines.Paper(), baselines.LinearProbe)...)
		} else {
			row = append(row, Txt(TextMissing), Txt(TextMissing))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// VsSupervised compares each zero-shot score with a linear probe on
// supervised features (the CLIP paper's Figure 5): the suite's own
// supervised-backbone probe when present, else the paper's ResNet-50.
func VsSupervised(groups []*reports.Group) *Table {
	zs := filter(groups, reports.TaskZeroShot, false)
	if len(zs) == 0 {
		return nil
	}
	t := &Table{Name: "zeroshot_vs_supervised", Title: "Zero-shot vs a supervised linear probe",
		Caption: "Δ = zero-shot minus the full-data linear probe on supervised features, in percentage points (CLIP paper Figure 5)."}
	t.Columns = []Column{{Key: "model", Title: "model"}, {Key: "dataset", Title: "dataset"}, {Key: "metric", Title: "paper metric"},
		{Key: "zeroshot_pct", Title: "zero-shot (%)", Numeric: true}, {Key: "baseline", Title: "baseline"},
		{Key: "baseline_pct", Title: "baseline (%)", Numeric: true}, {Key: "delta_pp", Title: "Δ", Numeric: true}}
	for _, g := range zs {
		metric := reports.PaperMetric(g.Dataset)
		row := []Cell{Txt(g.Model), Txt(g.Dataset), Txt(reports.MetricTitle(metric)), statCell(g, metric)}
		ref, ok := baselines.SupervisedReference(groups, g.Dataset)
		if !ok {
			row = append(row, Txt(TextNoBaseline), Txt(TextMissing), Txt(TextMissing))
		} else {
			bc := Pct(ref.Value)
			if !math.IsNaN(ref.Std) {
				bc = PctStd(ref.Value, ref.Std)
			}
			d := Txt(TextMissing)
			if st := score(g); st.OK() {
				d = Delta(st.Mean - ref.Value)
			}
			row = append(row, Txt(ref.Label), bc, d)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Throughput lists the cost of each zero-shot evaluation next to its
// score: images per second for the whole task and for the image tower
// alone, milliseconds per image and per batch.
func Throughput(groups []*reports.Group) *Table {
	zs := filter(groups, reports.TaskZeroShot, false)
	var rows [][]Cell
	for _, g := range zs {
		r := g.Records[0]
		ips, okAll := r.Throughput[reports.ThroughputImagesPerS]
		tower, okTower := r.Throughput[reports.ThroughputTowerImagesPerS]
		if !okAll && !okTower {
			continue
		}
		rate := tower
		if !okTower {
			rate = ips
		}
		cell := func(v float64, ok bool, prec int) Cell {
			if !ok {
				return Txt(TextMissing)
			}
			return Num(v, prec)
		}
		msImg := Txt(TextMissing)
		msBatch, batch := Txt(TextMissing), Txt(TextMissing)
		if rate > 0 {
			msImg = Num(1000/rate, 3)
			// A tower request of tb images with conc requests in flight
			// takes tb*conc/rate seconds; records without the tower's own
			// batch fall back to the decode batch.
			tb, okTB := r.ParamFloat(reports.ParamTowerBatch)
			conc, okConc := r.ParamFloat(reports.ParamTowerConcurrency)
			if !okTB {
				tb, okTB = r.ParamFloat(reports.ParamBatchSize)
			}
			if !okConc || conc < 1 {
				conc = 1
			}
			if okTB && tb > 0 {
				msBatch, batch = Num(1000*tb*conc/rate, 1), Num(tb, 0)
			}
		}
		measured := "this run"
		if r.ThroughputCached() {
			measured = "cached" // the run that computed the cached features
		}
		rows = append(rows, []Cell{Txt(g.Model), Txt(g.Dataset), Txt(r.Run.Provider), statCell(g, reports.PaperMetric(g.Dataset)),
			cell(ips, okAll, 1), cell(tower, okTower, 1), msImg, batch, msBatch, Txt(measured)})
	}
	if len(rows) == 0 {
		return nil
	}
	return &Table{Name: "throughput", Title: "Throughput",
		Caption: "images/s for the whole zero-shot task (decode, preprocess, encode, score) and for the image tower alone; ms per image from the tower rate; batch is the images per tower request, ms/batch the time of one request (requests may run concurrently); measured: this run, or cached (the rates of the run that computed the cached features).",
		Columns: []Column{{Key: "model", Title: "model"}, {Key: "dataset", Title: "dataset"}, {Key: "provider", Title: "provider"},
			{Key: "score_pct", Title: "score (%)", Numeric: true},
			{Key: "images_per_s", Title: "images/s", Numeric: true}, {Key: "tower_images_per_s", Title: "tower images/s", Numeric: true},
			{Key: "ms_per_image", Title: "ms/image", Numeric: true}, {Key: "batch_size", Title: "batch", Numeric: true},
			{Key: "ms_per_batch", Title: "ms/batch", Numeric: true}, {Key: "measured", Title: "measured"}},
		Rows: rows}
}

// Retrieval lists image-text retrieval recalls, text to image and image to
// text at each k measured, with open_clip's published numbers under each
// measurement that has them (matched by the model's open_clip name and
// pretrained tag when it came from the Hub, else by its name).
func Retrieval(recs []reports.Record) *Table {
	var rs []*reports.Record
	kset := map[int]bool{}
	for i := range recs {
		r := &recs[i]
		if r.Task != reports.TaskRetrieval || r.Error != "" {
			continue
		}
		rs = append(rs, r)
		for _, k := range r.RecallKs() {
			kset[k] = true
		}
	}
	if len(rs) == 0 {
		return nil
	}
	var ks []int
	for k := range kset {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	t := &Table{Name: "retrieval", Title: "Retrieval",
		Caption: "Recall@K (%): text→image = a caption's own image among its top K images; image→text = one of the image's captions among its top K captions (CLIP_benchmark's zeroshot_retrieval). Published: open_clip docs/openclip_retrieval_results.csv.",
		Columns: []Column{{Key: "model", Title: "model"}, {Key: "dataset", Title: "dataset"}, {Key: "split", Title: "split"},
			{Key: "images", Title: "images", Numeric: true}, {Key: "captions", Title: "captions", Numeric: true}}}
	dirs := []struct{ dir, title, key string }{{reports.ImageRetrieval, "text→image", "t2i"}, {reports.TextRetrieval, "image→text", "i2t"}}
	for _, d := range dirs {
		for _, k := range ks {
			t.Columns = append(t.Columns, Column{Key: fmt.Sprintf("%s_r%d_pct", d.key, k), Title: fmt.Sprintf("%s R@%d", d.title, k), Numeric: true})
		}
	}
	for _, r := range rs {
		row := []Cell{Txt(r.Model), Txt(r.Dataset), Txt(r.Split), Num(float64(r.NSamples), 0), Num(float64(r.ParamInt(reports.ParamCaptions)), 0)}
		pub, found := []Cell{Txt(""), Txt(""), Txt(""), Txt(""), Txt("")}, false
		name, label := r.Model, ""
		if m, tag := r.ModelIdentity(); m != "" {
			name = m + "-" + tag
		}
		for _, d := range dirs {
			for _, k := range ks {
				m := reports.RecallMetric(d.dir, k)
				if v, ok := r.Metrics[m]; ok {
					row = append(row, Pct(v))
				} else {
					row = append(row, Txt(TextMissing))
				}
				if e, ok := baselines.FindMetric(baselines.OpenCLIPRetrieval(), name, r.Dataset, baselines.Retrieval, m); ok {
					pub, found = append(pub, Pct(e.Value)), true
					label = e.Label()
				} else {
					pub = append(pub, Txt(TextNoBaseline))
				}
			}
		}
		t.Rows = append(t.Rows, row)
		if found {
			pub[0] = Txt(label)
			t.Rows = append(t.Rows, pub)
		}
	}
	return t
}

// Kernels lists similarity-kernel timings: milliseconds, GFLOP/s, GB/s and
// the fraction of the measured peak.
func Kernels(recs []reports.Record) *Table {
	var rows [][]Cell
	for i := range recs {
		r := &recs[i]
		if r.Task != reports.TaskKernel || r.Error != "" {
			continue
		}
		m := func(key string, prec int) Cell {
			v, ok := r.Metrics[key]
			if !ok {
				return Txt(TextMissing)
			}
			return Num(v, prec)
		}
		frac := Txt(TextMissing)
		if v, ok := r.Metrics[reports.MetricFracPeak]; ok {
			frac = Pct(v)
		}
		errCell := Txt(TextMissing)
		if v, ok := r.Metrics[reports.MetricMaxAbsErr]; ok {
			errCell = Num(v, 0)
			if errCell.Num {
				errCell.Text = fmt.Sprintf("%.2g", v)
			}
		}
		rows = append(rows, []Cell{Txt(r.ParamString(reports.ParamImpl)), Txt(r.ParamString(reports.ParamDType)),
			Txt(r.ParamString(reports.ParamShape)), Txt(r.ParamString(reports.ParamTopK)), Txt(r.ParamString(reports.ParamDevice)),
			m(reports.MetricMsMedian, 3), m(reports.MetricMsMin, 3), m(reports.MetricGFLOPS, 1), m(reports.MetricGBPS, 2), frac, errCell})
	}
	if len(rows) == 0 {
		return nil
	}
	return &Table{Name: "kernels", Title: "Similarity kernels",
		Caption: "Median and fastest call; GFLOP/s = 2·N·C·D / median time; % of peak against the GEMM ceiling measured in the same run.",
		Columns: []Column{{Key: "impl", Title: "impl"}, {Key: "dtype", Title: "dtype"}, {Key: "shape", Title: "shape (NxCxD)"},
			{Key: "k", Title: "k", Numeric: true}, {Key: "device", Title: "device"},
			{Key: "ms_median", Title: "ms (median)", Numeric: true}, {Key: "ms_min", Title: "ms (min)", Numeric: true},
			{Key: "gflops", Title: "GFLOP/s", Numeric: true}, {Key: "gbps", Title: "GB/s", Numeric: true},
			{Key: "peak_pct", Title: "% of peak", Numeric: true}, {Key: "max_abs_err", Title: "max abs err", Numeric: true}},
		Rows: rows}
}
