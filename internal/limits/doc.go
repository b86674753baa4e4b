// Package limits holds the one rule every reader follows before it
// allocates from what a file declares: a declared size (a header's
// dimensions, a member's length, an element count, an image's width and
// height) is multiplied with overflow checks, compared with what the file
// can hold, and kept under a stated limit, so that a damaged or hostile
// file is an error naming it, never a fatal out-of-memory. It also says
// which files may be read as data at all: regular files, under a per-file
// byte limit.
package limits
