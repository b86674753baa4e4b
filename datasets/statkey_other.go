//go:build !unix

package datasets

import "os"

// statKey is unknown off unix: files are compared by resolved path.
func statKey(os.FileInfo) string { return "" }
