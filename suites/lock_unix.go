//go:build unix

package suites

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDir takes an exclusive advisory lock (flock) on path, created if
// needed; the system drops it if the process dies.
func lockDir(path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOutputUnusable, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is locked; wait for that run or choose another --out", ErrOutputInUse, path)
		}
		return nil, fmt.Errorf("%w: lock %s: %v", ErrOutputUnusable, path, err)
	}
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return func() error {
		os.Remove(path)
		return f.Close() // closing drops the lock
	}, nil
}
