package suites

import (
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

// FuzzScanKeys: the key index tolerates any bytes (the loader's own fuzz
// target, FuzzParse, runs with the task kinds registered).
func FuzzScanKeys(f *testing.F) {
	f.Add([]byte("[[a]]\n[[a.b]]\nc = {d = [{e = '''x'''}]}\n"))
	f.Add([]byte("x = \"\"\"\\\"\"\"\"\n[ci]\ntolerance = {"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ix := scanKeys(data)
		for _, k := range ix.keys {
			ix.lineOf(k.path)
		}
	})
}
