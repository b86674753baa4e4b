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

// GPUVersion is the release `make ort-gpu` fetches with the CUDA provider,
// into CacheDir/GPUVersion-cuda.
const GPUVersion = "1.29.0"

// HowToGetGPU ends every "no usable execution provider" error.
const HowToGetGPU = "run `make ort-gpu` (fetches ONNX Runtime " + GPUVersion + " with its CUDA 13 / cuDNN 9 provider from the npm registry into " +
	CacheDir + "/" + GPUVersion + "-cuda, preferred for provider = \"cuda\"), or point " + EnvVar +
	" or the suite's [runtime] onnxruntime at a libonnxruntime.so with the provider's libraries beside it"

// Library is a probed ONNX Runtime shared library.
type Library struct {
	Path    string // file that was (or will be) loaded
	Version string // version string reported by the library, e.g. "1.30.0"
	Source  string // one of the Source constants
	// Providers are the execution providers the build knows
	// (GetAvailableProviders: "CUDAExecutionProvider", ...), nil when
	// unknown. A provider built as a shared library is listed even when its
	// file is missing: see [CheckProvider].
	Providers []string
}

// ProviderInfo describes an execution provider a suite can ask for.
type ProviderInfo struct {
	// Name is the suite's value: cpu, cuda, tensorrt.
	Name string
	// ORTName is ONNX Runtime's name, as GetAvailableProviders lists it.
	ORTName string
	// File is the provider library ONNX Runtime loads from its own folder
	// ("" for the built-in CPU provider).
	File string
	// Needs says what else the provider loads at run time.
	Needs string
}

// SharedProviderFile is the bridge every shared-library provider needs
// beside the core library.
const SharedProviderFile = "libonnxruntime_providers_shared.so"

// Providers lists the execution providers evalclip knows, CPU first.
var Providers = []ProviderInfo{
	{Name: "cpu", ORTName: "CPUExecutionProvider"},
	{Name: "cuda", ORTName: "CUDAExecutionProvider", File: "libonnxruntime_providers_cuda.so",
		Needs: "the NVIDIA driver and the CUDA runtime, cuBLAS, cuRAND and cuDNN libraries the provider was built for on the loader path"},
	{Name: "tensorrt", ORTName: "TensorrtExecutionProvider", File: "libonnxruntime_providers_tensorrt.so",
		Needs: "the TensorRT libraries, and everything the CUDA provider needs, on the loader path"},
}

// LookupProvider returns the provider a suite calls name ("" = cpu).
func LookupProvider(name string) (ProviderInfo, bool) {
	if name == "" {
		name = "cpu"
	}
	for _, p := range Providers {
		if p.Name == name {
			return p, true
		}
	}
	return ProviderInfo{}, false
}

// CheckProvider reports whether lib can run sessions on the named execution
// provider: the build knows it, its library and the shared bridge sit beside
// lib, and its library loads (so its dependencies are on the loader path;
// checked only in cgo builds). The error names what is missing and how to
// get a library that has it.
func CheckProvider(lib Library, name string) error {
	p, ok := LookupProvider(name)
	if !ok {
		var names []string
		for _, q := range Providers {
			names = append(names, q.Name)
		}
		return fmt.Errorf("unknown execution provider %q (%s)", name, strings.Join(names, ", "))
	}
	if p.File == "" {
		return nil
	}
	where := fmt.Sprintf("execution provider %s is not available in ONNX Runtime %s at %s", p.Name, lib.Version, lib.Path)
	if lib.Providers != nil && !contains(lib.Providers, p.ORTName) {
		return fmt.Errorf("%s: the build has no %s (it has %s); %s", where, p.ORTName, strings.Join(lib.Providers, ", "), HowToGetGPU)
	}
	dir := filepath.Dir(lib.Path)
	var missing []string
	for _, f := range []string{p.File, SharedProviderFile} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || !fi.Mode().IsRegular() {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: %s not beside it in %s (the npm onnxruntime-node build ships without provider libraries); %s",
			where, strings.Join(missing, " and "), dir, HowToGetGPU)
	}
	if err := loadable(filepath.Join(dir, p.File)); err != nil {
		return fmt.Errorf("%s: %s does not load: %v (it needs %s)", where, p.File, err, p.Needs)
	}
	return nil
}

// HasProviderFile reports whether the folder of lib holds the named
// provider's library (always true for cpu).
func HasProviderFile(libPath, name string) bool {
	p, ok := LookupProvider(name)
	if !ok {
		return false
	}
	if p.File == "" {
		return true
	}
	fi, err := os.Stat(filepath.Join(filepath.Dir(libPath), p.File))
	return err == nil && fi.Mode().IsRegular()
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
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
func Find(configured string) (Library, error) { return FindFor(configured, "") }

// FindFor is [Find] for a suite whose models run on the named execution
// provider: among cached libraries, the newest whose folder holds that
// provider's library (`make ort-gpu`) comes first. An explicit library
// (configured, EVALCLIP_ORT_LIB) is used as it is; [CheckProvider] says
// whether it can serve the provider.
func FindFor(configured, provider string) (Library, error) {
	if configured != "" {
		return probeExplicit(configured, SourceConfig, "[runtime] onnxruntime")
	}
	if p := os.Getenv(EnvVar); p != "" {
		return probeExplicit(p, SourceEnv, EnvVar)
	}
	var tried []string
	for _, p := range cacheCandidates(provider) {
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
// executable; with a provider other than cpu, those whose folder holds the
// provider's library come first.
func cacheCandidates(provider string) []string {
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
			sort.SliceStable(out, func(i, j int) bool {
				return HasProviderFile(out[i], provider) && !HasProviderFile(out[j], provider)
			})
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
