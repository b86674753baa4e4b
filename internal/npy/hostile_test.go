package npy

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// header1 builds a version 1.0 header around dict, without padding.
func header1(dict string) []byte {
	b := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(b[8:], uint16(len(dict)))
	return append(b, dict...)
}

// TestHostileHeaders: sizes a header declares are checked before anything
// is allocated, and a malformed dictionary is an error, not a panic.
func TestHostileHeaders(t *testing.T) {
	dir := t.TempDir()
	v2 := append([]byte("\x93NUMPY\x02\x00"), 0xff, 0xff, 0xff, 0xff)
	cases := map[string]struct {
		data []byte
		want string
	}{
		"overflow":        {header1("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }\n"), "overflow"},
		"huge shape":      {header1("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000), }\n"), "limit on one array"},
		"truncated data":  {header1("{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 1000), }\n"), "truncated: shape [1000 1000] of <f4 needs 4000000 data bytes, the file holds 0"},
		"huge header":     {v2, "longer than the 65536-byte limit"},
		"no newline":      {header1("{'descr': '<f4'"), "bad .npy header"},
		"keys reordered":  {append(header1("{'shape': (2,), 'descr': '<f4', 'fortran_order': False}\n"), make([]byte, 8)...), ""},
		"missing shape":   {header1("{'descr': '<f4', 'fortran_order': False}\n"), `no "shape" key`},
		"negative dim":    {header1("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }\n"), "expected a dimension"},
		"structured type": {header1("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n"), "structured dtypes are not supported"},
		"version 9":       {[]byte("\x93NUMPY\x09\x00\x10\x00"), "unsupported .npy format version 9.0"},
		"not npy":         {[]byte("PK\x03\x04"), "not a NumPy .npy file"},
	}
	for name, c := range cases {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".npy")
		os.WriteFile(p, c.data, 0o644)
		_, _, err := ReadFloat32(p)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want one naming the file and %q", name, err, c.want)
		}
	}
}

// TestNotARegularFile: a FIFO or a folder is refused by name, not read.
func TestNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := ReadFloat32(dir); err == nil || !strings.Contains(err.Error(), "is not a regular file (a folder)") {
		t.Errorf("folder: %v", err)
	}
	if _, _, err := ReadInt64("/dev/zero"); err == nil || !strings.Contains(err.Error(), "/dev/zero is not a regular file (a character device)") {
		t.Errorf("/dev/zero: %v", err)
	}
}

// FuzzRead: any bytes as a .npy file give an array whose length fills its
// shape, or an error; never a panic or an allocation past the file.
func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	w, _ := NewWriter(&b, []int{2, 3})
	w.Write([]float32{1, 2, 3, 4, 5, 6})
	w.Close()
	f.Add(b.Bytes())
	f.Add(header1("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 2), }\n"))
	f.Add(header1("{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "x.npy")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Skip(err)
		}
		x, shape, err := ReadFloat32(p)
		if err == nil {
			n := 1
			for _, d := range shape {
				n *= d
			}
			if len(x) != n || 4*n > len(data)*4 {
				t.Fatalf("%d values for shape %v from %d bytes", len(x), shape, len(data))
			}
		}
		if y, _, err := ReadInt64(p); err == nil && len(y)*1 > len(data) {
			t.Fatalf("%d ints from %d bytes", len(y), len(data))
		}
	})
}
