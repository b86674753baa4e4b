package kernels

// SetCPUBlocks shrinks the CPU path's blocks so that small test problems
// cross block boundaries; the returned function restores the defaults.
func SetCPUBlocks(rows, scores, keyCopy, minCols int) (restore func()) {
	r, s, k, m := cpuBlockRows, cpuBlockScores, cpuKeyCopy, cpuMinCols
	cpuBlockRows, cpuBlockScores, cpuKeyCopy, cpuMinCols = rows, scores, keyCopy, minCols
	return func() { cpuBlockRows, cpuBlockScores, cpuKeyCopy, cpuMinCols = r, s, k, m }
}
