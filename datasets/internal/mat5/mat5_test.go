package mat5

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
)

const fixtures = "../../../testdata/datasets"

// TestMetaMat reads the struct array written by scipy.io.savemat in
// tools/fixtures/make_datasets.py (uncompressed).
func TestMetaMat(t *testing.T) {
	vars, err := ReadFile(fixtures+"/imagenet-devkit/ILSVRC2012_devkit_t12/data/meta.mat", "synsets")
	if err != nil {
		t.Fatal(err)
	}
	s := vars["synsets"]
	if s.Class != Struct || s.Len() != 4 || len(s.StructElem) != 4 {
		t.Fatalf("synsets: class %d, dims %v", s.Class, s.Dims)
	}
	w, err := s.Field(3, "WNID").String()
	if err != nil || w != "n01440000" {
		t.Errorf("synsets(4).WNID = %q, %v", w, err)
	}
	id, err := s.Field(3, "ILSVRC2012_ID").Float64s()
	if err != nil || len(id) != 1 || id[0] != 1001 {
		t.Errorf("synsets(4).ILSVRC2012_ID = %v, %v", id, err)
	}
	if s.Field(0, "nope") != nil {
		t.Error("unknown field found")
	}
	if _, err := s.Field(0, "WNID").Float64s(); err == nil {
		t.Error("char array converted to numbers")
	}
}

// TestCompressed reads SVHN-shaped variables from a compressed file and
// skips variables not asked for.
func TestCompressed(t *testing.T) {
	vars, err := ReadFile(fixtures+"/svhn/test_32x32.mat", "y")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := vars["X"]; ok {
		t.Error("X decoded though only y was asked for")
	}
	y, _ := vars["y"].Float64s()
	if len(y) != 4 || y[0] != 10 || y[1] != 1 {
		t.Errorf("y = %v", y)
	}
	all, err := ReadFile(fixtures + "/svhn/train_32x32.mat")
	if err != nil {
		t.Fatal(err)
	}
	x := all["X"]
	if b, ok := x.Bytes(); !ok || len(b) != 32*32*3*6 || x.Class != Uint8 {
		t.Errorf("X: class %d dims %v", x.Class, x.Dims)
	}
	if _, err := ReadFile(fixtures+"/svhn/train_32x32.mat", "Z"); err == nil || !strings.Contains(err.Error(), `no variable "Z"`) {
		t.Errorf("missing variable: %v", err)
	}
}

func TestRejects(t *testing.T) {
	_, err := ReadFile(fixtures + "/svhn-v73/train_32x32.mat")
	if !errors.Is(err, ErrV73) {
		t.Errorf("v7.3 file: %v", err)
	}
	// A bare HDF5 file (no MATLAB header) is rejected the same way.
	h5 := append([]byte("\x89HDF\r\n\x1a\n"), make([]byte, 200)...)
	if _, err := Read(bytes.NewReader(h5)); !errors.Is(err, ErrV73) {
		t.Errorf("bare HDF5: %v", err)
	}
	if _, err := Read(bytes.NewReader(nil)); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty: %v", err)
	}
	if _, err := Read(bytes.NewReader(make([]byte, 50))); err == nil || !strings.Contains(err.Error(), "shorter than the 128-byte header") {
		t.Errorf("short: %v", err)
	}
	v4 := make([]byte, 200) // level-4 files have no text header or endian mark
	if _, err := Read(bytes.NewReader(v4)); err == nil || !strings.Contains(err.Error(), "level-4") {
		t.Errorf("level 4: %v", err)
	}
}

// TestBigEndianAndTruncation writes a big-endian file by hand: a 1x3 int16
// matrix "a" followed by a 1x2 char array "s".
func TestBigEndianAndTruncation(t *testing.T) {
	var b bytes.Buffer
	hdr := []byte("MATLAB 5.0 MAT-file, written by hand")
	b.Write(append(hdr, bytes.Repeat([]byte(" "), 116-len(hdr))...))
	b.Write(make([]byte, 8))
	b.Write([]byte{0x01, 0x00, 'M', 'I'})
	be := binary.BigEndian
	elem := func(typ uint32, data []byte) []byte {
		var e bytes.Buffer
		binary.Write(&e, be, typ)
		binary.Write(&e, be, uint32(len(data)))
		e.Write(data)
		for e.Len()%8 != 0 {
			e.WriteByte(0)
		}
		return e.Bytes()
	}
	matrix := func(class byte, name string, dims []int32, typ uint32, data []byte) []byte {
		var m bytes.Buffer
		m.Write(elem(miUINT32, []byte{0, 0, 0, class, 0, 0, 0, 0}))
		var d bytes.Buffer
		for _, x := range dims {
			binary.Write(&d, be, x)
		}
		m.Write(elem(miINT32, d.Bytes()))
		m.Write(elem(miINT8, []byte(name)))
		m.Write(elem(typ, data))
		return elem(miMATRIX, m.Bytes())
	}
	b.Write(matrix(byte(Int16), "a", []int32{1, 3}, miINT16, []byte{0xff, 0xfe, 0, 7, 1, 0}))
	b.Write(matrix(byte(Char), "s", []int32{1, 2}, miUINT16, []byte{0, 'h', 0, 'i'}))
	data := b.Bytes()
	vars, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := vars["a"].Float64s()
	if len(a) != 3 || a[0] != -2 || a[1] != 7 || a[2] != 256 {
		t.Errorf("a = %v", a)
	}
	if s, _ := vars["s"].String(); s != "hi" {
		t.Errorf("s = %q", s)
	}
	if _, err := Read(bytes.NewReader(data[:len(data)-20])); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated: %v", err)
	}
}

func TestMissingFile(t *testing.T) {
	if _, err := ReadFile("nope.mat"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%v", err)
	}
}
