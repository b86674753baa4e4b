// Package kerneltest is the shared correctness suite of the similarity
// kernels: every implementation's test calls Run with its Scorer in one line,
// and the suite checks it against kernels.Reference, the float64
// specification.
//
// Data flow: the suite draws fresh random problems (Gaussian embeddings,
// with planted exact ties, zero rows and duplicated keys) from a seed that
// changes every run and is logged (set EVALCLIP_KERNELTEST_SEED to replay
// one), poisons the output buffers (NaN scores and logits, index -7), runs
// the implementation through kernels.ScoreInto, and compares with the
// reference's logits: the top-k index sets must match except where scores
// tie within the dtype's precision, every score must be within a tolerance
// derived from the dtype's rounding and D, exact ties must keep the lower
// index first, and no poisoned element may survive. Compare is exported for
// the timing harness and for device tests.
package kerneltest
