//go:build !unix

package hub

import "context"

// lockFile is a no-op where flock is unavailable: two processes pulling
// the same file at once may both download it (the rename keeps the cache
// consistent).
func lockFile(ctx context.Context, path string, waiting func()) (func(), error) {
	return func() {}, ctx.Err()
}

// freeBytes is unknown here.
func freeBytes(string) (int64, error) { return -1, nil }
