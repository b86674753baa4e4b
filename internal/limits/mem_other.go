//go:build !linux

package limits

// physicalMemory is unknown off Linux: the default limit applies.
func physicalMemory() int64 { return 0 }
