//go:build unix

package datasets

import (
	"fmt"
	"os"
	"syscall"
)

// statKey is a file's device and inode.
func statKey(st os.FileInfo) string {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("dev%d:ino%d", s.Dev, s.Ino)
	}
	return ""
}
