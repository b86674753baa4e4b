//go:build !unix

package suites

import (
	"errors"
	"fmt"
	"os"
)

// lockDir creates path exclusively; a run that crashed leaves it behind,
// and the error says to remove it.
func lockDir(path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%w: %s exists (remove it if no run is writing there)", ErrOutputInUse, path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOutputUnusable, err)
	}
	return func() error {
		f.Close()
		return os.Remove(path)
	}, nil
}
