package suites

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/evalclip/evalclip/internal/atomicfile"
	"github.com/evalclip/evalclip/reports"
)

// ErrOutputExists is wrapped when an output folder already holds results.
var ErrOutputExists = errors.New("output folder already holds results")

// ErrOutputUnusable is wrapped when an output folder cannot be created or
// written.
var ErrOutputUnusable = errors.New("output folder unusable")

// DefaultOutRoot is where runs without --out write.
const DefaultOutRoot = "reports/out"

// DefaultOutDir returns a new folder reports/out/<suite>/<UTC timestamp>
// under root that does not exist yet.
func DefaultOutDir(root, suite string, now time.Time) string {
	base := filepath.Join(root, suite, now.UTC().Format("20060102T150405Z"))
	dir := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
			return dir
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}

// ErrOutputInUse is wrapped when another evalclip run holds the folder.
var ErrOutputInUse = errors.New("output folder in use by another evalclip run")

// LockFile is the lock a run holds in its output folder while it writes.
const LockFile = ".evalclip.lock"

// PrepareOutDir creates dir if needed and checks that it is writable. A dir
// that already holds results.json is refused unless force is set; with
// force, the earlier run's files (results, report, CI files) are removed
// first, so none of them is left beside the new results. It does not keep
// the folder locked: see ClaimOutDir.
func PrepareOutDir(dir string, force bool) error {
	release, err := ClaimOutDir(dir, force)
	if err != nil {
		return err
	}
	return release()
}

// ClaimOutDir is PrepareOutDir that also locks dir for this process until
// release is called (or the process ends): a second run into the same
// folder is refused with ErrOutputInUse instead of interleaving its
// results with the first's.
func ClaimOutDir(dir string, force bool) (release func() error, err error) {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s exists and is not a folder", ErrOutputUnusable, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: cannot create %s: %v", ErrOutputUnusable, dir, unwrapPath(err))
	}
	unlock, err := lockDir(filepath.Join(dir, LockFile))
	if err != nil {
		return nil, err
	}
	fail := func(err error) (func() error, error) {
		unlock()
		return nil, err
	}
	results := filepath.Join(dir, reports.ResultsFile)
	if _, err := os.Stat(results); err == nil {
		if !force {
			return fail(fmt.Errorf("%w: %s is from an earlier run; pass --force to overwrite it or choose another --out", ErrOutputExists, results))
		}
		if err := reports.RemoveOutputs(dir); err != nil {
			return fail(fmt.Errorf("%w: %v", ErrOutputUnusable, err))
		}
	}
	if err := atomicfile.CheckWritable(dir); err != nil {
		return fail(fmt.Errorf("%w: %v", ErrOutputUnusable, err))
	}
	return unlock, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ClaimResume locks an earlier run's output folder to continue it (evalclip
// run --resume): its results.json must exist and is kept.
func ClaimResume(dir string) (release func() error, err error) {
	results := filepath.Join(dir, reports.ResultsFile)
	if fi, err := os.Stat(results); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s: no results.json of an earlier run to resume", ErrOutputUnusable, dir)
	}
	unlock, err := lockDir(filepath.Join(dir, LockFile))
	if err != nil {
		return nil, err
	}
	if err := atomicfile.CheckWritable(dir); err != nil {
		unlock()
		return nil, fmt.Errorf("%w: %v", ErrOutputUnusable, err)
	}
	return unlock, nil
}

// Resumption is what --resume keeps and re-runs.
type Resumption struct {
	// Keep are the earlier records of complete jobs.
	Keep []reports.Record
	// Run are the jobs to run again: never run, failed, or with records
	// that are incomplete or inconsistent.
	Run []Job
	// Reasons says why each re-run job runs, by job ID.
	Reasons map[string]string
}

// Resume splits jobs into those whose earlier records (prior, from the
// same suite) are complete and valid, and those to run again. Records of
// jobs outside the plan are dropped.
func Resume(jobs []Job, prior []reports.Record) Resumption {
	by := map[string][]reports.Record{}
	for _, r := range prior {
		by[r.Job] = append(by[r.Job], r)
	}
	res := Resumption{Reasons: map[string]string{}}
	for _, j := range jobs {
		recs := by[j.ID]
		if why := incomplete(recs); why != "" {
			res.Run = append(res.Run, j)
			res.Reasons[j.ID] = why
			continue
		}
		res.Keep = append(res.Keep, recs...)
	}
	return res
}

// incomplete says why a job's records do not count as done ("" when they
// do).
func incomplete(recs []reports.Record) string {
	if len(recs) == 0 {
		return "not run"
	}
	for i := range recs {
		r := &recs[i]
		if r.Error != "" {
			return "failed: " + firstLine(r.Error)
		}
		if p := r.Inconsistencies(); len(p) > 0 {
			return "inconsistent record: " + p[0]
		}
		for _, m := range reports.LookupTask(r.Task).Required {
			if _, ok := r.Metrics[m]; !ok {
				return "record without " + m
			}
		}
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
