package onnxrt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Where a library was found, in lookup order.
const (
	SourceConfig = "config" // [runtime] onnxruntime in the suite
	SourceEnv    = "env"    // EVALCLIP_ORT_LIB
	SourceCache  = "cache"  // .cache/onnxruntime/<version>/ of the project
	SourceSystem = "system" // the dynamic loader's search path
)

// EnvVar names the environment variable that points at a library.
const EnvVar = "EVALCLIP_ORT_LIB"

// CacheDir is the project-relative folder that `make ort` fills, one
// subfolder per ONNX Runtime version.
const CacheDir = ".cache/onnxruntime"

// PinnedVersion is the release `make ort` fetches.
const PinnedVersion = "1.30.0"

// MinMajor and MinMinor give the oldest usable release: onnxruntime_go v1.27
// asks for C API 24, first shipped in ONNX Runtime 1.24.
const (
	MinMajor = 1
	MinMinor = 24
)

// libNames are the file names a library may have, most specific first.
var libNames = []string{"libonnxruntime.so.1", "libonnxruntime.so"}

// HowToGet is appended to every "no usable library" error.
const HowToGet = "get one with `make ort` (fetches onnxruntime-node " + PinnedVersion +
	" from the npm registry into " + CacheDir + "/" + PinnedVersion +
	"), or point " + EnvVar + " or the suite's [runtime] onnxruntime at a libonnxruntime.so of release 1.24 or newer"

// Library is a probed ONNX Runtime shared library.
type Library struct {
	Path    string // file that was (or will be) loaded
	Version string // version string reported by the library, e.g. "1.30.0"
	Source  string // one of the Source constants
}

// ErrNoCgo is returned by every function that needs the ONNX Runtime library
// in a build without cgo.
var ErrNoCgo = errors.New("ONNX Runtime support not built: rebuild with CGO_ENABLED=1 and a C compiler")

// TensorInfo describes one input or output of a model.
type TensorInfo struct {
	Name string
	// DType is the ONNX element type in lower case: "float", "float16",
	// "int32", "int64" ...
	DType string
	// Shape has -1 for dynamic dimensions.
	Shape []int64
}

// ErrNotFound is wrapped by [Find] when no candidate exists at all.
var ErrNotFound = errors.New("ONNX Runtime library not found")

// TooOldError reports a library older than MinMajor.MinMinor.
type TooOldError struct {
	Path, Version string
}

func (e *TooOldError) Error() string {
	return fmt.Sprintf("ONNX Runtime %s at %s is too old: evalclip needs %d.%d or newer (C API 24); %s",
		e.Version, e.Path, MinMajor, MinMinor, HowToGet)
}

// Find locates and probes the library to use. configured is the suite's
// `[runtime] onnxruntime` value (already resolved to a path), or "".
// A library named by the suite or the environment must load: Find does not
// fall back from an explicit choice that fails.
func Find(configured string) (Library, error) {
	if configured != "" {
		return probeExplicit(configured, SourceConfig, "[runtime] onnxruntime")
	}
	if p := os.Getenv(EnvVar); p != "" {
		return probeExplicit(p, SourceEnv, EnvVar)
	}
	var tried []string
	for _, p := range cacheCandidates() {
		tried = append(tried, p)
		lib, err := Probe(p)
		if err != nil {
			return Library{}, fmt.Errorf("cached library: %w", err)
		}
		lib.Source = SourceCache
		return lib, nil
	}
	for _, name := range libNames {
		tried = append(tried, name+" (system loader path)")
		lib, err := Probe(name)
		if err == nil {
			lib.Source = SourceSystem
			return lib, nil
		}
		var old *TooOldError
		if errors.As(err, &old) {
			return Library{}, err
		}
	}
	return Library{}, fmt.Errorf("%w (looked at %s, %s and %s); %s",
		ErrNotFound, SourceConfig+" [runtime] onnxruntime", EnvVar, strings.Join(tried, ", "), HowToGet)
}

func probeExplicit(path, source, what string) (Library, error) {
	if _, err := os.Stat(path); err != nil {
		return Library{}, fmt.Errorf("%s = %s: %w: %v; %s", what, path, ErrNotFound, err, HowToGet)
	}
	lib, err := Probe(path)
	if err != nil {
		return Library{}, fmt.Errorf("%s = %s: %w", what, path, err)
	}
	lib.Source = source
	return lib, nil
}

// cacheCandidates lists cached libraries, newest version first, from the
// project cache folders above the working directory and above the running
// executable.
func cacheCandidates() []string {
	roots := searchRoots()
	seen := map[string]bool{}
	var out []string
	for _, root := range roots {
		dir := filepath.Join(root, CacheDir)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		var versions []string
		for _, e := range ents {
			if _, _, ok := parseVersion(e.Name()); ok && e.IsDir() {
				versions = append(versions, e.Name())
			}
		}
		sort.Slice(versions, func(i, j int) bool { return versionLess(versions[j], versions[i]) })
		for _, v := range versions {
			for _, name := range libNames {
				p := filepath.Join(dir, v, name)
				if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
					out = append(out, p)
					break
				}
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return out
}

// searchRoots lists the folders whose CacheDir may hold a library: the
// working directory and the running executable's folder, and their parents.
// Tests replace it.
var searchRoots = func() []string {
	var roots []string
	if wd, err := os.Getwd(); err == nil {
		roots = append(roots, ancestors(wd)...)
	}
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			roots = append(roots, ancestors(filepath.Dir(exe))...)
		}
	}
	return roots
}

func ancestors(dir string) []string {
	var out []string
	for {
		out = append(out, dir)
		parent := filepath.Dir(dir)
		if parent == dir {
			return out
		}
		dir = parent
	}
}

// parseVersion reads "major.minor[.patch...]".
func parseVersion(v string) (major, minor int, ok bool) {
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return 0, 0, false
	}
	var err1, err2 error
	major, err1 = strconv.Atoi(parts[0])
	minor, err2 = strconv.Atoi(parts[1])
	return major, minor, err1 == nil && err2 == nil
}

func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// tooOld reports whether version is known to predate MinMajor.MinMinor.
func tooOld(version string) bool {
	major, minor, ok := parseVersion(version)
	if !ok {
		return false
	}
	return major < MinMajor || (major == MinMajor && minor < MinMinor)
}
