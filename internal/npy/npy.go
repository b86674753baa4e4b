package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio"

	"github.com/evalclip/evalclip/internal/atomicfile"
)

// Header returns the .npy version 1.0 header for a little-endian array of
// the given NumPy descr ("<f4", "<i8") and shape: magic, version, header
// length and the dictionary padded with spaces and a newline so that the
// data starts on a 64-byte boundary.
func Header(descr string, shape []int) ([]byte, error) {
	dims := make([]string, len(shape))
	for i, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("npy: negative dimension %d", d)
		}
		dims[i] = strconv.Itoa(d)
	}
	tuple := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	tuple += ")"
	dict := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tuple + ", }"
	const prefix = 10 // magic (6) + version (2) + header length (2)
	total := (prefix + len(dict) + 1 + 63) / 64 * 64
	if total-prefix > math.MaxUint16 {
		return nil, errors.New("npy: header too long for format 1.0")
	}
	out := make([]byte, 0, total)
	out = append(out, "\x93NUMPY\x01\x00"...)
	out = binary.LittleEndian.AppendUint16(out, uint16(total-prefix))
	out = append(out, dict...)
	for len(out) < total-1 {
		out = append(out, ' ')
	}
	return append(out, '\n'), nil
}

// Writer streams one float32 array of a fixed shape, so that arrays larger
// than memory (preprocessed image batches) can be written as they arrive.
type Writer struct {
	w       *bufio.Writer
	want    int64 // values the shape declares
	written int64
	buf     []byte
}

// NewWriter writes the header for shape to w and returns a Writer for the
// values. Close checks that exactly the declared number were written.
func NewWriter(w io.Writer, shape []int) (*Writer, error) {
	h, err := Header("<f4", shape)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.Write(h); err != nil {
		return nil, err
	}
	n := int64(1)
	for _, d := range shape {
		n *= int64(d)
	}
	return &Writer{w: bw, want: n}, nil
}

// Write appends values in C order.
func (w *Writer) Write(values []float32) error {
	if w.written+int64(len(values)) > w.want {
		return fmt.Errorf("npy: %d values written, more than the %d the shape declares", w.written+int64(len(values)), w.want)
	}
	if cap(w.buf) < 4*len(values) {
		w.buf = make([]byte, 4*len(values))
	}
	b := w.buf[:4*len(values)]
	for i, v := range values {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	w.written += int64(len(values))
	_, err := w.w.Write(b)
	return err
}

// Close flushes the buffered data; it fails when fewer values than the
// shape declares were written.
func (w *Writer) Close() error {
	if w.written != w.want {
		return fmt.Errorf("npy: %d values written, the shape declares %d", w.written, w.want)
	}
	return w.w.Flush()
}

func checkShape(n int, shape []int) error {
	want := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("npy: negative dimension in shape %v", shape)
		}
		want *= d
	}
	if len(shape) == 0 {
		want = n
	}
	if want != n {
		return fmt.Errorf("npy: %d values do not fill shape %v", n, shape)
	}
	return nil
}

// WriteFloat32 writes data with the given shape (default: one dimension)
// as little-endian float32, atomically.
func WriteFloat32(path string, data []float32, shape ...int) error {
	if err := checkShape(len(data), shape); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		nw, err := NewWriter(w, shape)
		if err != nil {
			return err
		}
		if err := nw.Write(data); err != nil {
			return err
		}
		return nw.Close()
	})
}

// WriteInt64 writes data with the given shape (default: one dimension) as
// little-endian int64, atomically.
func WriteInt64(path string, data []int64, shape ...int) error {
	if err := checkShape(len(data), shape); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		h, err := Header("<i8", shape)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(w, 1<<20)
		bw.Write(h)
		var buf [8]byte
		for _, v := range data {
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			bw.Write(buf[:])
		}
		return bw.Flush()
	})
}

func open(path string) (*os.File, *npyio.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	r, err := npyio.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: not a .npy file: %w", path, err)
	}
	if r.Header.Descr.Fortran {
		f.Close()
		return nil, nil, fmt.Errorf("%s: Fortran-ordered arrays are not supported (save with np.ascontiguousarray)", path)
	}
	return f, r, nil
}

// ReadFloat32 reads a float32 (or float64, converted) array and its shape.
func ReadFloat32(path string) ([]float32, []int, error) {
	f, r, err := open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	shape := r.Header.Descr.Shape
	switch strings.Trim(r.Header.Descr.Type, `'"`) {
	case "<f4", "float32":
		var out []float32
		if err := r.Read(&out); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		return out, shape, nil
	case "<f8", "float64":
		var d []float64
		if err := r.Read(&d); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		out := make([]float32, len(d))
		for i, v := range d {
			out[i] = float32(v)
		}
		return out, shape, nil
	}
	return nil, nil, fmt.Errorf("%s: element type %s, want float32 or float64", path, r.Header.Descr.Type)
}

// ReadInt64 reads an int64, int32, uint8 or int8 array (converted to int64)
// and its shape.
func ReadInt64(path string) ([]int64, []int, error) {
	f, r, err := open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	shape := r.Header.Descr.Shape
	conv := func(read func() ([]int64, error)) ([]int64, []int, error) {
		out, err := read()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		return out, shape, nil
	}
	switch strings.Trim(r.Header.Descr.Type, `'"`) {
	case "<i8", "int64":
		return conv(func() ([]int64, error) { var v []int64; err := r.Read(&v); return v, err })
	case "<i4", "int32":
		return conv(func() ([]int64, error) {
			var v []int32
			err := r.Read(&v)
			out := make([]int64, len(v))
			for i, x := range v {
				out[i] = int64(x)
			}
			return out, err
		})
	case "|u1", "uint8":
		return conv(func() ([]int64, error) {
			var v []uint8
			err := r.Read(&v)
			out := make([]int64, len(v))
			for i, x := range v {
				out[i] = int64(x)
			}
			return out, err
		})
	case "|i1", "int8":
		return conv(func() ([]int64, error) {
			var v []int8
			err := r.Read(&v)
			out := make([]int64, len(v))
			for i, x := range v {
				out[i] = int64(x)
			}
			return out, err
		})
	}
	return nil, nil, fmt.Errorf("%s: element type %s, want an integer type", path, r.Header.Descr.Type)
}
