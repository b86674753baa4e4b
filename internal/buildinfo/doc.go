// Package buildinfo reports which evalclip build is running.
//
// The version comes from the -ldflags "-X" stamp the Makefile sets from
// `git describe`; a plain `go build` falls back to the module version and VCS
// revision that the Go toolchain embeds. Result records and `evalclip version`
// read it from here.
package buildinfo
