package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// version is set at link time: -ldflags "-X github.com/evalclip/evalclip/internal/buildinfo.version=v0.1.0".
var version string

// Version returns the evalclip version: the link-time stamp when present,
// else the module version, else "devel" with the VCS revision if known.
func Version() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v := "devel-" + rev
	if dirty {
		v += "-dirty"
	}
	return v
}

// GoVersion returns the Go toolchain that built the binary.
func GoVersion() string { return runtime.Version() }

// Tags returns the build tags the binary was built with (for example "cuda"),
// comma-separated, or "" for none.
func Tags() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range bi.Settings {
		if s.Key == "-tags" {
			return strings.TrimSpace(s.Value)
		}
	}
	return ""
}
