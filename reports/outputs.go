package reports

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// File names evalclip writes into a run folder, beside ResultsFile.
const (
	SuiteCopyFile = "suite.toml"    // a copy of the suite that made the run
	JUnitFile     = "junit.xml"     // the CI gate's testcases (run --ci)
	CISummaryFile = "ci-summary.md" // the CI gate's summary (run --ci)
	MarkdownFile  = "report.md"
	TeXFile       = "report.tex" // a document pdflatex builds
	TeXTablesFile = "tables.tex" // the LaTeX tables alone, to \input
	TablesJSON    = "tables.json"
	BenchFile     = "bench.txt"
	IndexFile     = "index.html"
	TablesDir     = "tables" // tables/NAME.csv
	PlotsDir      = "plots"  // plots/NAME.{png,svg,pdf}
)

// runFiles are the files of a run folder; runDirs the folders whose files
// are all evalclip's.
var (
	runFiles = []string{ResultsFile, SuiteCopyFile, JUnitFile, CISummaryFile, MarkdownFile, TeXFile, TeXTablesFile, TablesJSON, BenchFile, IndexFile}
	runDirs  = []string{TablesDir, PlotsDir}
)

// RemoveOutputs deletes what an earlier evalclip run or report wrote into
// dir (the files above, and the tables/ and plots/ folders' files), so
// that a run with --force leaves nothing of the earlier one beside its own
// results. Other files are left alone; a folder is removed once empty.
func RemoveOutputs(dir string) error {
	var errs []error
	for _, f := range runFiles {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	for _, d := range runDirs {
		p := filepath.Join(dir, d)
		ents, err := os.ReadDir(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range ents {
			if e.Type().IsRegular() {
				if err := os.Remove(filepath.Join(p, e.Name())); err != nil {
					errs = append(errs, err)
				}
			}
		}
		os.Remove(p) // only when empty
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clearing the earlier run in %s: %w", dir, err)
	}
	return nil
}
