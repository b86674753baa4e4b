package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/reports/plots"
	"github.com/evalclip/evalclip/reports/render"
)

// listFlag is a comma-separated list flag; repeating it appends.
type listFlag struct {
	vals []string
	set  bool
}

func (l *listFlag) String() string { return strings.Join(l.vals, ",") }

func (l *listFlag) Set(s string) error {
	if !l.set {
		l.vals, l.set = nil, true
	}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			l.vals = append(l.vals, v)
		}
	}
	return nil
}

func init() {
	register(&command{
		name:    "report",
		args:    "[flags] RESULTS...",
		summary: "render tables, plots and index.html from results.json files without re-running",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			out := fs.String("out", "", "output folder (default: the folder of the one RESULTS file)")
			formats := &listFlag{vals: append([]string(nil), render.AllFormats...)}
			fs.Var(formats, "formats", "table formats, comma-separated: md, csv, json, tex, bench, html")
			plotFormats := &listFlag{vals: []string{"svg", "png", "pdf"}}
			fs.Var(plotFormats, "plots", `plot formats, comma-separated: png (300 dpi), svg, pdf ("" for none)`)
			width := fs.String("figure-width", plots.WidthPage, "figure size for a paper: column (3.3 in) or page (7 in)")
			errorBars := fs.String("error", plots.ErrorStd, "few-shot error bars: std (±1 s.d. over seeds) or ci (95% CI of the mean)")
			confusion := &listFlag{}
			fs.Var(confusion, "confusion", "draw the confusion matrix of MODEL/DATASET (repeatable; at most 2048 classes; default: every zero-shot one up to 102 classes)")
			title := fs.String("title", "", "title of index.html")
			quiet := fs.Bool("q", false, "print nothing but errors")
			return func(_ context.Context, stdout, stderr io.Writer, args []string) error {
				if len(args) == 0 {
					return usagef("usage: evalclip report [flags] RESULTS...", "report: no results files given (results.json files or run folders)")
				}
				if err := render.CheckFormats(formats.vals, plotFormats.vals); err != nil {
					return usagef("", "report: %v", err)
				}
				if *width != plots.WidthPage && *width != plots.WidthColumn {
					return usagef("", "report: --figure-width %q: want column or page", *width)
				}
				if *errorBars != plots.ErrorStd && *errorBars != plots.ErrorCI {
					return usagef("", "report: --error %q: want std or ci", *errorBars)
				}
				dir := *out
				if dir == "" {
					if len(args) > 1 {
						return usagef("", "report: --out is required with several results files")
					}
					dir = filepath.Dir(reports.ResolveResults(args[0]))
				}
				files, err := reports.ReadFiles(args)
				if err != nil {
					return usagef("", "report: %v", err)
				}
				recs, notes, err := reports.Combine(files)
				if err != nil {
					return usagef("", "report: %v", err)
				}
				var sources []string
				for _, f := range files {
					sources = append(sources, f.Path)
				}
				res, err := render.Render(recs, render.Options{Dir: dir, Formats: formats.vals, Plots: plotFormats.vals,
					Confusion: confusion.vals, Title: *title, Notes: notes, Sources: sources, FigureWidth: *width, ErrorBars: *errorBars})
				if err != nil {
					return err
				}
				if !*quiet {
					printRendered(stdout, stderr, dir, res)
				}
				return nil
			}
		},
	})
}

// printRendered lists the report's notes (stderr) and where it went.
func printRendered(stdout, stderr io.Writer, dir string, res *render.Output) {
	for _, n := range res.Notes {
		fmt.Fprintf(stderr, "note: %s\n", n)
	}
	index := ""
	for _, f := range res.Files {
		if f == render.IndexFile {
			index = " (open " + filepath.Join(dir, f) + ")"
		}
	}
	fmt.Fprintf(stdout, "report: %d files in %s%s\n", len(res.Files), dir, index)
}
