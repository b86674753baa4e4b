package suites

import (
	"os"
	"path/filepath"
	"testing"
)

func TestScanKeys(t *testing.T) {
	src := `# comment with key = "value"
name = "a # not a comment"   # comment
description = """
multi = line
"""
[runtime]
threads = 4
"quoted.key" = 1

[[models]]
name = "m0"
mean = [
  0.5, # first
  0.5,
  0.5,
]

[[models]]
name = 'm1'
a.b = { c = 1, d = { e = [1, 2] } }
list = [{ x = 1 }, { y = 2 }]

[ci]
tolerance = { acc1 = 0.005 }
`
	ix := scanKeys([]byte(src))
	want := map[string]int{
		"name":                  2,
		"description":           3,
		"runtime":               6,
		"runtime.threads":       7,
		"runtime.quoted.key":    8,
		"models[0]":             10,
		"models[0].name":        11,
		"models[0].mean":        12,
		"models[1]":             18,
		"models[1].name":        19,
		"models[1].a.b":         20,
		"models[1].a.b.c":       20,
		"models[1].a.b.d.e":     20,
		"models[1].list[0].x":   21,
		"models[1].list[1].y":   21,
		"ci.tolerance.acc1":     24,
		"models[1].a.b.d.e[1]":  20, // via parent lookup
		"models[0].mean[2]":     12,
		"runtime.threads.extra": 7,
	}
	for path, line := range want {
		if got := ix.lineOf(path); got != line {
			t.Errorf("lineOf(%s) = %d, want %d", path, got, line)
		}
	}
	if ks := ix.find([]string{"models", "name"}); len(ks) != 2 || ks[0].path != "models[0].name" || ks[1].path != "models[1].name" {
		t.Errorf("find(models.name) = %+v", ks)
	}
}

// FuzzParse feeds arbitrary bytes to the suite loader: it must return a
// suite or a ConfigError, never panic, and a loaded suite must validate and
// plan without panicking.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.toml"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("name = \"x\"\n[[models]]\nname = \"m\"\nbackend = \"fake\"\n[[tasks]]\ntype = \"zeroshot\"\n"))
	f.Add([]byte("[[a]]\n[[a.b]]\nc = {d = [{e = '''x'''}]}\n"))
	f.Add([]byte("x = \"\"\"\\\"\"\"\"\n[ci]\ntolerance = {"))
	f.Add([]byte("name = \"${HOME}\"\n[runtime]\nonnxruntime = \"~/lib\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		scanKeys(data)
		s, err := Parse("fuzz.toml", data)
		if err != nil {
			if !IsConfigError(err) {
				t.Fatalf("non-config error %T: %v", err, err)
			}
			return
		}
		if err := s.Validate(); err != nil && !IsConfigError(err) {
			t.Fatalf("validate: non-config error %T: %v", err, err)
		}
		Plan(s)
	})
}
