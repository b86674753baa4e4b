package npy

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
)

func TestRoundTripWithNpyio(t *testing.T) {
	for _, shape := range [][]int{{2, 3, 4, 5}, {7}, {0, 3}, {1, 3, 2, 2}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = float32(i)*0.25 - 3
		}
		var buf bytes.Buffer
		w, err := NewWriter(&buf, shape)
		if err != nil {
			t.Fatal(err)
		}
		// Write in two pieces, as a stream of batches would.
		if err := w.Write(vals[:n/2]); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(vals[n/2:]); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		hdrLen := len(buf.Bytes()) - 4*n
		if hdrLen%64 != 0 {
			t.Errorf("shape %v: data starts at %d, not 64-byte aligned", shape, hdrLen)
		}
		r, err := npyio.NewReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("shape %v: npyio: %v", shape, err)
		}
		if !reflect.DeepEqual(r.Header.Descr.Shape, shape) || strings.Trim(r.Header.Descr.Type, "'") != "<f4" || r.Header.Descr.Fortran {
			t.Errorf("header %+v, want shape %v <f4 C order", r.Header, shape)
		}
		got := make([]float32, n)
		if err := r.Read(&got); err != nil {
			t.Fatal(err)
		}
		if n > 0 && !reflect.DeepEqual(got, vals) {
			t.Errorf("shape %v: values differ", shape)
		}
	}
}

func TestCountChecked(t *testing.T) {
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, []int{2, 2})
	if err := w.Write(make([]float32, 5)); err == nil {
		t.Error("5 values accepted for shape 2x2")
	}
	w, _ = NewWriter(&buf, []int{2, 2})
	w.Write(make([]float32, 3))
	if err := w.Close(); err == nil {
		t.Error("3 values accepted for shape 2x2")
	}
	if _, err := Header("<f4", []int{-1}); err == nil {
		t.Error("negative dimension accepted")
	}
}
