package hub

// SetFreeSpace replaces how c measures free disk space (tests).
func SetFreeSpace(c *Client, f func(dir string) (int64, error)) { c.freeSpace = f }
