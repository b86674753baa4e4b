//go:build cgo

package onnxrt

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	ort "github.com/yalue/onnxruntime_go"
)

// requireLibrary finds the library the way the CLI does; `make test` fetches
// it first (make ort), so a missing one is a failure there. Plain `go test`
// on a machine without it skips.
func requireLibrary(t *testing.T) Library {
	t.Helper()
	lib, err := Find("")
	if err != nil {
		if os.Getenv("EVALCLIP_REQUIRE_ORT") != "" {
			t.Fatalf("ONNX Runtime required: %v", err)
		}
		t.Skipf("no ONNX Runtime library: %v", err)
	}
	return lib
}

// TestNothingFound runs first: once a test has loaded the library, dlopen of
// its bare soname succeeds and the system lookup would find it.
func TestNothingFound(t *testing.T) {
	for _, name := range libNames {
		if _, err := Probe(name); err == nil {
			t.Skipf("a system library %s exists", name)
		}
	}
	old := searchRoots
	defer func() { searchRoots = old }()
	searchRoots = func() []string { return []string{t.TempDir()} }
	t.Setenv(EnvVar, "")
	_, err := Find("")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "make ort") || !strings.Contains(err.Error(), "onnxruntime-node 1.30.0") {
		t.Fatalf("err = %v", err)
	}
}

func TestFindAndRunModel(t *testing.T) {
	lib := requireLibrary(t)
	if tooOld(lib.Version) || lib.Version == "" {
		t.Fatalf("found %+v", lib)
	}
	if err := Init(lib); err != nil {
		t.Fatal(err)
	}
	if err := Init(lib); err != nil {
		t.Fatalf("second Init with the same library: %v", err)
	}
	if got, err := Ensure("", ""); err != nil || got.Path != lib.Path {
		t.Fatalf("Ensure = %+v, %v", got, err)
	}
	model := filepath.Join("..", "..", "testdata", "onnx", "affine.onnx")
	in, out, err := Inspect(model)
	if err != nil {
		t.Fatal(err)
	}
	wantIn := []TensorInfo{{Name: "x", DType: "float", Shape: []int64{-1, 4}}}
	wantOut := []TensorInfo{{Name: "y", DType: "float", Shape: []int64{-1, 4}}}
	if !reflect.DeepEqual(in, wantIn) || !reflect.DeepEqual(out, wantOut) {
		t.Fatalf("inspect: %+v %+v", in, out)
	}

	// Run a real session: y = 2x + 1.
	sess, err := ort.NewDynamicAdvancedSession(model, []string{"x"}, []string{"y"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Destroy()
	x, err := ort.NewTensor(ort.NewShape(2, 4), []float32{0, 1, 2, 3, -1, -0.5, 0.25, 10})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Destroy()
	outs := []ort.Value{nil}
	if err := sess.Run([]ort.Value{x}, outs); err != nil {
		t.Fatal(err)
	}
	defer outs[0].Destroy()
	y := outs[0].(*ort.Tensor[float32]).GetData()
	want := []float32{1, 3, 5, 7, -1, 0, 1.5, 21}
	if !reflect.DeepEqual(y, want) {
		t.Fatalf("y = %v, want %v", y, want)
	}

	if _, _, err := Inspect(filepath.Join(t.TempDir(), "missing.onnx")); err == nil || !strings.Contains(err.Error(), "missing.onnx") {
		t.Errorf("missing model: %v", err)
	}
	if err := Init(Library{Path: "/elsewhere/libonnxruntime.so.1"}); err == nil || !strings.Contains(err.Error(), "already loaded") {
		t.Errorf("switching libraries: %v", err)
	}
}

func TestExplicitMissingLibrary(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	t.Setenv(EnvVar, missing)
	_, err := Find("")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), EnvVar+" = "+missing) || !strings.Contains(err.Error(), "make ort") {
		t.Fatalf("env var: %v", err)
	}
	_, err = Find(missing)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "[runtime] onnxruntime = "+missing) {
		t.Fatalf("config: %v", err)
	}
}

func TestForeignLibrary(t *testing.T) {
	_, err := Probe("libm.so.6")
	if err == nil || !strings.Contains(err.Error(), "not an ONNX Runtime library") {
		t.Fatalf("libm: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	os.WriteFile(junk, []byte("not an ELF file"), 0o644)
	if _, err := Find(junk); err == nil || !strings.Contains(err.Error(), "cannot load") {
		t.Fatalf("junk file: %v", err)
	}
}

// fakeOrt is a shared library that exports OrtGetApiBase like ONNX Runtime
// 1.16 does: it reports its version and serves no C API newer than 16.
const fakeOrt = `
#include <stdint.h>
#include <stddef.h>
typedef struct { const void *(*GetApi)(uint32_t); const char *(*GetVersionString)(void); } base;
static const void *get_api(uint32_t v) { static int api; return v <= 16 ? &api : NULL; }
static const char *version(void) { return VERSION; }
static const base b = { get_api, version };
const base *OrtGetApiBase(void) { return &b; }
`

func buildFake(t *testing.T, version string) string {
	t.Helper()
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc to build a fake old library")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "fake.c")
	os.WriteFile(src, []byte(fakeOrt), 0o644)
	lib := filepath.Join(dir, "libonnxruntime.so.1")
	cmd := exec.Command(cc, "-shared", "-fPIC", `-DVERSION="`+version+`"`, "-o", lib, src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return lib
}

func TestTooOldLibrary(t *testing.T) {
	lib := buildFake(t, "1.16.3")
	t.Setenv(EnvVar, lib)
	_, err := Find("")
	var old *TooOldError
	if !errors.As(err, &old) || old.Version != "1.16.3" {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"ONNX Runtime 1.16.3", "too old", "1.24 or newer", "make ort"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	// A library claiming a new version but not serving API 24 is refused too.
	lib = buildFake(t, "1.99.0")
	if _, err := Probe(lib); !errors.As(err, &old) {
		t.Fatalf("no API 24: %v", err)
	}
}
