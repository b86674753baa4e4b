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

// PrepareOutDir creates dir if needed and checks that it is writable. A dir
// that already holds results.json is refused unless force is set.
func PrepareOutDir(dir string, force bool) error {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return fmt.Errorf("%w: %s exists and is not a folder", ErrOutputUnusable, dir)
	}
	results := filepath.Join(dir, reports.ResultsFile)
	if _, err := os.Stat(results); err == nil && !force {
		return fmt.Errorf("%w: %s is from an earlier run; pass --force to overwrite it or choose another --out", ErrOutputExists, results)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%w: cannot create %s: %v", ErrOutputUnusable, dir, unwrapPath(err))
	}
	if err := atomicfile.CheckWritable(dir); err != nil {
		return fmt.Errorf("%w: %v", ErrOutputUnusable, err)
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
