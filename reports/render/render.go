package render

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/evalclip/evalclip/internal/atomicfile"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/reports/gate"
	"github.com/evalclip/evalclip/reports/plots"
	"github.com/evalclip/evalclip/reports/tables"
)

// Table formats.
const (
	FormatMarkdown = "md"
	FormatCSV      = "csv"
	FormatJSON     = "json"
	FormatTeX      = "tex"
	FormatBench    = "bench"
	FormatHTML     = "html"
)

// AllFormats lists the table formats in the order they are written.
var AllFormats = []string{FormatMarkdown, FormatCSV, FormatJSON, FormatTeX, FormatBench, FormatHTML}

// File names inside the output folder (the list is reports').
const (
	MarkdownFile  = reports.MarkdownFile
	TeXFile       = reports.TeXFile
	TeXTablesFile = reports.TeXTablesFile
	JSONFile      = reports.TablesJSON
	BenchFile     = reports.BenchFile
	IndexFile     = reports.IndexFile
	TablesDir     = reports.TablesDir
	PlotsDir      = reports.PlotsDir
)

// Options controls [Render].
type Options struct {
	// Dir is the output folder (created if needed).
	Dir string
	// Formats are table formats (AllFormats' names); Plots are image
	// formats ("png", "svg", "pdf").
	Formats, Plots []string
	// Confusion selects confusion matrices ("MODEL/DATASET"); see
	// plots.Options.
	Confusion []string
	// Title heads index.html; empty means "evalclip report: SUITE".
	Title string
	// Notes are shown in index.html and returned with Render's own.
	Notes []string
	// Sources are the results files the records came from (listed in
	// index.html, relative to Dir when possible).
	Sources []string
	// Gate, when set (evalclip run --ci), is shown near the top of
	// index.html: the verdict and every check.
	Gate *gate.Result
	// FigureWidth sizes the figures (plots.WidthColumn or WidthPage, the
	// default); ErrorBars is what few-shot error bars show (plots.ErrorStd,
	// the default, or ErrorCI).
	FigureWidth, ErrorBars string
}

// Output lists what Render wrote.
type Output struct {
	// Files are the written paths, relative to Dir, in writing order.
	Files []string
	// Notes are problems shown in the report (failed jobs, NaN or missing
	// metrics, plots left out).
	Notes []string
}

// CheckFormats reports unknown table or plot format names.
func CheckFormats(formats, plotFormats []string) error {
	for _, f := range formats {
		if !contains(AllFormats, f) {
			return fmt.Errorf("unknown report format %q (expected %s)", f, strings.Join(AllFormats, ", "))
		}
	}
	for _, f := range plotFormats {
		if !contains(plots.Formats, f) {
			return fmt.Errorf("unknown plot format %q (expected %s)", f, strings.Join(plots.Formats, ", "))
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Render writes the report for recs into opt.Dir.
func Render(recs []reports.Record, opt Options) (*Output, error) {
	if err := CheckFormats(opt.Formats, opt.Plots); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	out := &Output{Notes: append(append([]string(nil), opt.Notes...), reports.Check(recs)...)}
	out.Notes = uniq(out.Notes)
	write := func(rel string, fill func(w io.Writer) error) error {
		var buf bytes.Buffer
		if err := fill(&buf); err != nil {
			return fmt.Errorf("report: %s: %w", rel, err)
		}
		p := filepath.Join(opt.Dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if err := atomicfile.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			return err
		}
		out.Files = append(out.Files, rel)
		return nil
	}
	tbls := tables.Build(recs)
	has := func(f string) bool { return contains(opt.Formats, f) }
	if has(FormatMarkdown) {
		if err := write(MarkdownFile, func(w io.Writer) error { return tables.WriteMarkdown(w, tbls) }); err != nil {
			return out, err
		}
	}
	if has(FormatCSV) {
		for _, t := range tbls {
			if err := write(filepath.Join(TablesDir, t.Name+".csv"), func(w io.Writer) error { return tables.WriteCSV(w, t) }); err != nil {
				return out, err
			}
		}
	}
	if has(FormatJSON) {
		if err := write(JSONFile, func(w io.Writer) error { return tables.WriteJSON(w, tbls) }); err != nil {
			return out, err
		}
	}
	if has(FormatBench) {
		if err := write(BenchFile, func(w io.Writer) error { return reports.WriteBench(w, recs) }); err != nil {
			return out, err
		}
	}
	var figs []*plots.Figure
	if len(opt.Plots) > 0 {
		var pnotes []string
		figs, pnotes = plots.Build(recs, plots.Options{Confusion: opt.Confusion, Width: opt.FigureWidth, Error: opt.ErrorBars})
		out.Notes = append(out.Notes, pnotes...)
		for _, f := range figs {
			for _, format := range opt.Plots {
				data, err := f.Render(format)
				if err != nil {
					return out, err
				}
				if err := write(filepath.Join(PlotsDir, f.Name+"."+format), func(w io.Writer) error {
					_, err := w.Write(data)
					return err
				}); err != nil {
					return out, err
				}
			}
		}
	}
	if has(FormatTeX) {
		// report.tex: a document pdflatex builds, with the figures (PDF
		// when written, else PNG); tables.tex: the tables to \input
		var texFigs []tables.Figure
		if img := texImageFormat(opt.Plots); img != "" {
			for _, f := range figs {
				texFigs = append(texFigs, tables.Figure{Path: PlotsDir + "/" + f.Name + "." + img, Caption: f.Title, Label: f.Name})
			}
		}
		title := opt.Title
		if title == "" {
			title = "evalclip report"
		}
		if err := write(TeXFile, func(w io.Writer) error { return tables.WriteLaTeXDocument(w, title, tbls, texFigs) }); err != nil {
			return out, err
		}
		if err := write(TeXTablesFile, func(w io.Writer) error { return tables.WriteLaTeX(w, tbls) }); err != nil {
			return out, err
		}
	}
	if has(FormatHTML) {
		if err := write(IndexFile, func(w io.Writer) error { return writeIndex(w, recs, tbls, figs, out, opt) }); err != nil {
			return out, err
		}
	}
	return out, nil
}

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

const style = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left}
th{border-bottom:2px solid #888}
.num{text-align:right;font-variant-numeric:tabular-nums}
.caption{color:#555;font-size:.9em}
.note{color:#8a4b00}
.verdict{padding:0 .4em;border-radius:3px;color:#fff}.verdict.pass{background:#1a7f37}.verdict.fail{background:#cf222e}
td.fail,td.error{color:#cf222e;font-weight:600}td.pass{color:#1a7f37}
figure{display:inline-block;margin:0 1em 1.5em 0;vertical-align:top}
figure img{max-width:100%;border:1px solid #eee}
dl.run{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dl.run dt{color:#555}`

func writeIndex(w io.Writer, recs []reports.Record, tbls []*tables.Table, figs []*plots.Figure, out *Output, opt Options) error {
	var b strings.Builder
	suitesSeen, versions, hosts, providers := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	orts, devices, decoders, threads := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	var first, last time.Time
	for _, r := range recs {
		suitesSeen[r.Run.Suite] = true
		versions[r.Run.Version] = true
		hosts[r.Run.Host] = true
		providers[r.Run.Provider] = true
		orts[r.Run.ONNXRuntime] = true
		devices[r.Run.Device] = true
		decoders[r.Run.Decoder] = true
		if r.Run.Threads > 0 {
			threads[fmt.Sprintf("%d intra-op, %d decode workers", r.Run.Threads, r.Run.Workers)] = true
		}
		if t := r.Run.StartedAt; !t.IsZero() {
			if first.IsZero() || t.Before(first) {
				first = t
			}
			if t.After(last) {
				last = t
			}
		}
	}
	title := opt.Title
	if title == "" {
		title = "evalclip report: " + joinSet(suitesSeen)
	}
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n<style>\n%s\n</style>\n</head>\n<body>\n<h1>%s</h1>\n",
		html.EscapeString(title), style, html.EscapeString(title))
	b.WriteString("<dl class=\"run\">\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "<dt>%s</dt><dd>%s</dd>\n", html.EscapeString(k), html.EscapeString(v))
		}
	}
	row("suite", joinSet(suitesSeen))
	row("evalclip", joinSet(versions))
	row("host", joinSet(hosts))
	row("provider", joinSet(providers))
	row("device", joinSet(devices))
	row("ONNX Runtime", joinSet(orts))
	row("JPEG decoder", joinSet(decoders))
	row("threads", joinSet(threads))
	if !first.IsZero() {
		started := first.UTC().Format(time.RFC3339)
		if !last.Equal(first) {
			started += " … " + last.UTC().Format(time.RFC3339)
		}
		row("started", started)
	}
	row("records", fmt.Sprint(len(recs)))
	var srcs []string
	for _, s := range opt.Sources {
		if rel, err := filepath.Rel(opt.Dir, s); err == nil && !strings.HasPrefix(rel, "..") {
			s = rel
		}
		srcs = append(srcs, s)
	}
	row("results", strings.Join(srcs, ", "))
	b.WriteString("</dl>\n")
	if len(tbls)+len(figs) > 0 {
		b.WriteString("<nav><ul>\n")
		for _, t := range tbls {
			fmt.Fprintf(&b, "<li><a href=\"#%s\">%s</a></li>\n", html.EscapeString(t.Name), html.EscapeString(t.Title))
		}
		if len(figs) > 0 {
			b.WriteString("<li><a href=\"#plots\">Plots</a></li>\n")
		}
		b.WriteString("</ul></nav>\n")
	}
	if opt.Gate != nil {
		if err := opt.Gate.WriteHTML(&b); err != nil {
			return err
		}
	}
	if len(out.Notes) > 0 {
		b.WriteString("<section id=\"notes\">\n<h2>Notes</h2>\n<ul>\n")
		for _, n := range out.Notes {
			fmt.Fprintf(&b, "<li class=\"note\">%s</li>\n", html.EscapeString(n))
		}
		b.WriteString("</ul>\n</section>\n")
	}
	if len(tbls) == 0 {
		b.WriteString("<p>No successful records to tabulate.</p>\n")
	}
	for _, t := range tbls {
		var tb strings.Builder
		if err := tables.WriteHTML(&tb, t); err != nil {
			return err
		}
		b.WriteString(tb.String())
	}
	if len(figs) > 0 {
		b.WriteString("<section id=\"plots\">\n<h2>Plots</h2>\n")
		// the page shows the PNG (drawn exactly as printed; an SVG's text
		// takes the browser's fonts), links every format
		img := "png"
		if !contains(opt.Plots, "png") {
			img = opt.Plots[0]
			if contains(opt.Plots, "svg") {
				img = "svg"
			}
		}
		for _, f := range figs {
			src := PlotsDir + "/" + f.Name + "." + img
			fmt.Fprintf(&b, "<figure id=\"%s\"><a href=\"%s\"><img src=\"%s\" alt=\"%s\"></a><figcaption>%s",
				html.EscapeString(f.Name), html.EscapeString(src), html.EscapeString(src), html.EscapeString(f.Title), html.EscapeString(f.Title))
			for _, format := range opt.Plots {
				p := PlotsDir + "/" + f.Name + "." + format
				fmt.Fprintf(&b, " <a href=\"%s\">%s</a>", html.EscapeString(p), strings.ToUpper(format))
			}
			b.WriteString("</figcaption></figure>\n")
		}
		b.WriteString("</section>\n")
	}
	var files []string
	for _, f := range out.Files {
		if f != IndexFile && !strings.HasPrefix(f, PlotsDir+string(filepath.Separator)) {
			files = append(files, filepath.ToSlash(f))
		}
	}
	if len(files) > 0 {
		b.WriteString("<section id=\"files\">\n<h2>Files</h2>\n<ul>\n")
		for _, f := range files {
			fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a></li>\n", html.EscapeString(f), html.EscapeString(f))
		}
		b.WriteString("</ul>\n</section>\n")
	}
	b.WriteString("</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func joinSet(m map[string]bool) string {
	var out []string
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// texImageFormat is the figure format report.tex includes: PDF, else PNG
// ("" without either).
func texImageFormat(formats []string) string {
	for _, f := range []string{"pdf", "png"} {
		if contains(formats, f) {
			return f
		}
	}
	return ""
}
