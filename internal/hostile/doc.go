// Package hostile holds the tests that feed evalclip's readers the crafted
// inputs of testdata/hostile (made by testdata/hostile/make_hostile.py):
// headers that declare gigabytes, members past the end of their archive,
// duplicate and out-of-order label entries, stale copies, templates
// without a class name, image bombs. Each must give an error naming the
// problem, never a panic, a hang or an out-of-memory: the tests run with
// the allocation limit (EVALCLIP_MAX_ALLOC) at 256 MiB and the process's
// address space capped, so that a reader that allocated what a header
// declares fails the test instead of the machine. The package has no code
// of its own.
package hostile
