package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// Update is the -update flag of every test binary that imports the
// package.
var Update = flag.Bool("update", false, "rewrite the golden files in testdata/ instead of comparing with them")

// Check compares got with the golden file at path, byte for byte, or with
// equal when it is not nil (images compared within a tolerance, say).
// Under -update it writes got to path instead. A mismatch is reported
// with a copy of got in the test's temporary folder.
func Check(t testing.TB, path string, got []byte, equal func(got, want []byte) (bool, error)) {
	t.Helper()
	if *Update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	same := bytes.Equal(got, want)
	if !same && equal != nil {
		if same, err = equal(got, want); err != nil {
			t.Fatal(err)
		}
	}
	if !same {
		bad := filepath.Join(t.TempDir(), filepath.Base(path))
		os.WriteFile(bad, got, 0o644)
		t.Errorf("%s differs from its golden file (got %s; go test -update rewrites the golden file)", path, bad)
	}
}
