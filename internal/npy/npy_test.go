package npy

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f.npy")
	data := []float32{1, -2.5, 3, 4, 5, 6}
	if err := WriteFloat32(f, data, 2, 1, 3); err != nil {
		t.Fatal(err)
	}
	got, shape, err := ReadFloat32(f)
	if err != nil || !reflect.DeepEqual(got, data) || !reflect.DeepEqual(shape, []int{2, 1, 3}) {
		t.Fatalf("%v %v %v", got, shape, err)
	}
	raw, _ := os.ReadFile(f)
	if (len(raw)-len(data)*4)%64 != 0 {
		t.Errorf("header not padded to 64 bytes: %d", len(raw)-len(data)*4)
	}
	i := filepath.Join(dir, "i.npy")
	if err := WriteInt64(i, []int64{7, -1, 1 << 40}); err != nil {
		t.Fatal(err)
	}
	ints, shape, err := ReadInt64(i)
	if err != nil || !reflect.DeepEqual(ints, []int64{7, -1, 1 << 40}) || !reflect.DeepEqual(shape, []int{3}) {
		t.Fatalf("%v %v %v", ints, shape, err)
	}
	if err := WriteFloat32(f, data, 4, 2); err == nil {
		t.Error("wrong shape accepted")
	}
	if _, _, err := ReadInt64(f); err == nil || !strings.Contains(err.Error(), "f.npy") {
		t.Errorf("float file read as int: %v", err)
	}
	os.WriteFile(f, []byte("not numpy"), 0o644)
	if _, _, err := ReadFloat32(f); err == nil || !strings.Contains(err.Error(), "not a NumPy .npy file") {
		t.Errorf("junk: %v", err)
	}
}

// TestNumPyReadsIt checks the header with NumPy itself when it is installed.
func TestNumPyReadsIt(t *testing.T) {
	py := ""
	for _, cand := range []string{"python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(cand); err == nil && exec.Command(p, "-c", "import numpy").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("no python3 with numpy")
	}
	f := filepath.Join(t.TempDir(), "x.npy")
	WriteFloat32(f, []float32{0, 1, 2, 3, 4, 5}, 3, 2)
	out, err := exec.Command(py, "-c", "import numpy as np, sys; a = np.load(sys.argv[1]); print(a.dtype, a.shape, a[2, 1])", f).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "float32 (3, 2) 5.0" {
		t.Fatalf("numpy: %s %v", out, err)
	}
}
