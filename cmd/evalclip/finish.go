package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/evalclip/evalclip/internal/atomicfile"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/reports/gate"
	"github.com/evalclip/evalclip/reports/render"
	"github.com/evalclip/evalclip/reports/tables"
	"github.com/evalclip/evalclip/suites"
)

// errRegression is returned when the CI gate trips (exit status 1).
var errRegression = errors.New("CI gate: regression against the baseline")

// CI gate output files in the run folder.
const (
	junitFile     = reports.JUnitFile
	ciSummaryFile = reports.CISummaryFile
)

// suiteFormats returns the suite's [report] formats and plots as strings.
func suiteFormats(s *suites.Suite) (formats, plotFormats []string) {
	for _, f := range s.Report.Formats {
		formats = append(formats, string(f))
	}
	for _, p := range s.Report.Plots {
		plotFormats = append(plotFormats, string(p))
	}
	return formats, plotFormats
}

// renderReport writes the suite's report of recs into dir.
func renderReport(stdout, stderr io.Writer, dir string, recs []reports.Record, s *suites.Suite, quiet bool, verdict *gate.Result) error {
	formats, plotFormats := suiteFormats(s)
	res, err := render.Render(recs, render.Options{Dir: dir, Formats: formats, Plots: plotFormats,
		Sources: []string{filepath.Join(dir, reports.ResultsFile)}, Gate: verdict})
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if !quiet {
		if err := tables.WriteMarkdown(stdout, tables.Build(recs)); err != nil {
			return err
		}
		printRendered(stderr, stderr, dir, res)
	}
	return nil
}

// ciBaseline reads the suite's [ci] baseline before a --ci run, so that a
// missing or foreign baseline stops the run before any work.
func ciBaseline(s *suites.Suite) ([]reports.Record, error) {
	if s.CI.Baseline == "" {
		return nil, s.KeyError("ci", "no baseline: --ci needs [ci] baseline = \"...results.json\" in the suite")
	}
	files, err := reports.ReadFiles([]string{s.CI.Baseline})
	if err != nil {
		return nil, s.KeyError("ci.baseline", "%v", err)
	}
	recs := files[0].Records
	if err := reports.CheckConsistency(s.CI.Baseline, recs); err != nil {
		return nil, s.KeyError("ci.baseline", "%v", err)
	}
	for i := range recs {
		if recs[i].Run.Suite != "" && recs[i].Run.Suite != s.Name {
			return nil, s.KeyError("ci.baseline", "%s: record %d is from suite %q, not %q (point ci.baseline at a results.json of this suite)",
				s.CI.Baseline, i, recs[i].Run.Suite, s.Name)
		}
	}
	return recs, nil
}

// runGate compares the run's records with the baseline, writes JUnit XML
// and the Markdown summary (also to $GITHUB_STEP_SUMMARY when set), prints
// GitHub annotations under GitHub Actions, and returns errRegression when
// the gate trips.
// gateResult compares the run's records with the baseline.
func gateResult(s *suites.Suite, jobs []suites.Job, base []reports.Record, recs []reports.Record) *gate.Result {
	planned := map[string]bool{}
	for _, j := range jobs {
		planned[j.ID] = true
	}
	res := gate.Run(recs, gate.Config{Suite: s.Name, Baseline: base, BaselinePath: s.CI.Baseline, Tolerance: s.CI.Tolerance, Planned: planned})
	if len(base) > 0 && base[0].Run.ConfigHash != "" && base[0].Run.ConfigHash != s.Hash {
		res.Notes = append(res.Notes, fmt.Sprintf("the suite changed since the baseline was recorded (config %s, now %s)", base[0].Run.ConfigHash, s.Hash))
	}
	return res
}

// runGate writes the gate's outcome res: JUnit XML, the Markdown summary
// (also to $GITHUB_STEP_SUMMARY when set), annotations under GitHub
// Actions, lines on stderr; a regression is the returned error.
func runGate(stdout, stderr io.Writer, dir, junitPath string, s *suites.Suite, res *gate.Result, started time.Time) error {
	if junitPath == "" {
		junitPath = filepath.Join(dir, junitFile)
	}
	if err := atomicfile.Write(junitPath, 0o644, func(w io.Writer) error { return res.WriteJUnit(w, started) }); err != nil {
		return fmt.Errorf("CI gate: %w", err)
	}
	var sum strings.Builder
	if err := res.WriteSummary(&sum); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, ciSummaryFile), []byte(sum.String()), 0o644); err != nil {
		return fmt.Errorf("CI gate: %w", err)
	}
	if p := os.Getenv("GITHUB_STEP_SUMMARY"); p != "" {
		if err := appendFile(p, sum.String()); err != nil {
			fmt.Fprintf(stderr, "warning: GITHUB_STEP_SUMMARY: %v\n", err)
		}
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		res.WriteAnnotations(stdout)
	}
	pass, fail, errs, skip := res.Counts()
	fmt.Fprintf(stderr, "CI gate: %d passed, %d failed, %d errors, %d skipped against %s (JUnit: %s)\n", pass, fail, errs, skip, s.CI.Baseline, junitPath)
	for _, n := range res.Notes {
		fmt.Fprintf(stderr, "CI gate: note: %s\n", n)
	}
	for _, c := range res.Cases {
		if c.Status == gate.Fail || c.Status == gate.Error {
			fmt.Fprintf(stderr, "CI gate: %s %s: %s\n", strings.ToUpper(string(c.Status)), c.ID, c.Message)
		}
	}
	if res.Failed() {
		return fmt.Errorf("%w: %d failed, %d errors (see %s)", errRegression, fail, errs, junitPath)
	}
	return nil
}

// appendFile appends text to a file (GitHub's step summary is shared by
// the job's steps, so it is appended to, not replaced).
func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text + "\n")
	return errors.Join(err, f.Close())
}
