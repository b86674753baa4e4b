package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/reports/compare"
)

// errSignificantRegression is returned by compare --fail-on-regression.
var errSignificantRegression = errors.New("significant regression")

func init() {
	register(&command{
		name:    "compare",
		args:    "[flags] OLD NEW",
		summary: "compare two results files: deltas with bootstrap confidence intervals",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			metric := fs.String("metric", "", "metric to compare (default: acc1; retrieval: text-to-image recall at the smallest k); intervals need per-sample outcomes (acc1, retrieval recall at its smallest k)")
			resamples := fs.Int("resamples", 10000, "bootstrap replicates")
			confidence := fs.Float64("confidence", 0.95, "confidence level of the intervals")
			seed := fs.Uint64("seed", 1, "bootstrap random seed")
			format := fs.String("format", "text", "output: text, md, csv or json")
			failOn := fs.Bool("fail-on-regression", false, "exit 1 when a change is significantly worse")
			samples := fs.Bool("samples", false, "also list the test samples the two runs judge differently (per-sample correctness; class names with the tasks' top5 = true)")
			samplesLimit := fs.Int("samples-limit", 20, "with --samples, at most this many samples per measurement (0 = all)")
			return func(_ context.Context, stdout, stderr io.Writer, args []string) error {
				if len(args) != 2 {
					return usagef("usage: evalclip compare [flags] OLD NEW", "compare: want two results files (OLD NEW), got %d", len(args))
				}
				if !(*confidence > 0 && *confidence < 1) {
					return usagef("", "compare: --confidence must be between 0 and 1, got %v", *confidence)
				}
				if *resamples < 100 {
					return usagef("", "compare: --resamples must be at least 100, got %d", *resamples)
				}
				files, err := reports.ReadFiles(args)
				if err != nil {
					return usagef("", "compare: %v", err)
				}
				for _, f := range files {
					if err := reports.CheckConsistency(f.Path, f.Records); err != nil {
						return usagef("", "compare: %v", err)
					}
				}
				old, new := files[0], files[1]
				for _, n := range provenanceNotes(old, new) {
					fmt.Fprintf(stderr, "note: %s\n", n)
				}
				rows := compare.Compare(old.Records, new.Records, compare.Options{Metric: *metric, Resamples: *resamples,
					Confidence: *confidence, Seed: *seed})
				if len(rows) == 0 {
					fmt.Fprintln(stderr, "note: no classification records to compare")
				}
				if err := compare.Write(stdout, rows, *format, *confidence); err != nil {
					return usagef("", "compare: %v", err)
				}
				if *samples {
					fmt.Fprintln(stdout)
					if err := compare.WriteSamples(stdout, compare.Disagreements(old.Records, new.Records), *samplesLimit); err != nil {
						return err
					}
				}
				if _, worse := compare.Count(rows); *failOn && worse > 0 {
					return fmt.Errorf("compare: %w: %d measurements significantly worse in %s", errSignificantRegression, worse, new.Path)
				}
				return nil
			}
		},
	})
}

// provenanceNotes says when two results files come from different suites,
// configurations or evalclip versions.
func provenanceNotes(old, new reports.File) []string {
	first := func(f reports.File) *reports.RunInfo {
		if len(f.Records) == 0 {
			return nil
		}
		return &f.Records[0].Run
	}
	a, b := first(old), first(new)
	if a == nil || b == nil {
		return nil
	}
	var notes []string
	if a.Suite != b.Suite {
		notes = append(notes, fmt.Sprintf("%s is from suite %q, %s from suite %q", old.Path, a.Suite, new.Path, b.Suite))
	} else if a.ConfigHash != b.ConfigHash {
		notes = append(notes, fmt.Sprintf("suite %q changed between the runs (config %s vs %s)", a.Suite, a.ConfigHash, b.ConfigHash))
	}
	if a.Version != b.Version {
		notes = append(notes, fmt.Sprintf("evalclip versions differ: %s (%s) vs %s (%s)", a.Version, old.Path, b.Version, new.Path))
	}
	return notes
}
