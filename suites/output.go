package suites

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
