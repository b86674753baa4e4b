package probe

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// testdata/npy holds arrays written by NumPy (tools/fixtures/
// make_probe_fixtures.py), all with the values of FEATS there.
var npyFeats = []float32{1.5, -2.0, 0.25, 3.0, 0.5, -1.0}

func npyPath(name string) string { return filepath.Join("testdata", "npy", name) }

func TestReadFeaturesDTypes(t *testing.T) {
	for _, name := range []string{"f4.npy", "f8.npy", "f2.npy", "f4_big_endian.npy", "f4_fortran.npy"} {
		x, n, d, err := ReadFeatures(npyPath(name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if n != 2 || d != 3 {
			t.Errorf("%s: shape %d x %d, want 2 x 3", name, n, d)
			continue
		}
		for i, v := range npyFeats {
			if x[i] != v {
				t.Errorf("%s: value %d = %v, want %v", name, i, x[i], v)
			}
		}
	}
}

func TestReadLabelsDTypes(t *testing.T) {
	for _, name := range []string{"i8.npy", "i4.npy", "u1.npy", "i8_column.npy"} {
		y, err := ReadLabels(npyPath(name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(y) != 2 || y[0] != 0 || y[1] != 1 {
			t.Errorf("%s: labels %v, want [0 1]", name, y)
		}
	}
}

func TestNPYBadInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels bool
		want   string
	}{
		{"f4_1d.npy", false, "features must be a 2-D array (samples, features), got shape [3]"},
		{"f4_3d.npy", false, "features must be a 2-D array (samples, features), got shape [1 2 3]"},
		{"i8.npy", false, "features must be float32 (or float16/float64), got dtype <i8"},
		{"f4_truncated.npy", false, "truncated: shape [2 3] of <f4 needs 24 data bytes"},
		{"not_npy.npy", false, "not a NumPy .npy file"},
		{"missing.npy", false, "no such file or directory"},
		{"f8_labels.npy", true, "labels must be integers (int64 or int32), got dtype <f8"},
		{"f4.npy", true, "labels must be a 1-D array (samples,), got shape [2 3]"},
		{"i8_huge.npy", true, "sample 1: label 1099511627776 does not fit int32"},
		{"missing.npy", true, "no such file or directory"},
	} {
		var err error
		if tc.labels {
			_, err = ReadLabels(npyPath(tc.name))
		} else {
			_, _, _, err = ReadFeatures(npyPath(tc.name))
		}
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s (labels=%v): err = %v, want ErrBadInput naming the file and containing %q", tc.name, tc.labels, err, tc.want)
		}
	}
	// NaN is read as is and rejected by validation, with its place.
	x, n, d, err := ReadFeatures(npyPath("f4_nan.npy"))
	if err != nil {
		t.Fatal(err)
	}
	err = Data{X: x, N: n, D: d, Y: []int32{0, 1}}.Validate("f4_nan.npy", 2)
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "f4_nan.npy: sample 0: feature 1 is NaN") {
		t.Errorf("NaN features: err = %v", err)
	}
	_, err = Load(npyPath("f4.npy"), filepath.Join("testdata", "train_labels.npy"))
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "f4.npy has 2 samples but testdata/train_labels.npy has 600 labels") {
		t.Errorf("mismatched counts: err = %v", err)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	d := randomData(1, 37, 5, 3, 1)
	fp, lp := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	if err := WriteFeatures(fp, d.X, d.N, d.D); err != nil {
		t.Fatal(err)
	}
	if err := WriteLabels(lp, d.Y); err != nil {
		t.Fatal(err)
	}
	got, err := Load(fp, lp)
	if err != nil {
		t.Fatal(err)
	}
	if got.N != d.N || got.D != d.D {
		t.Fatalf("shape %d x %d, want %d x %d", got.N, got.D, d.N, d.D)
	}
	for i := range d.X {
		if got.X[i] != d.X[i] {
			t.Fatalf("value %d: %v, want %v", i, got.X[i], d.X[i])
		}
	}
	for i := range d.Y {
		if got.Y[i] != d.Y[i] {
			t.Fatalf("label %d: %v, want %v", i, got.Y[i], d.Y[i])
		}
	}
}
