package npyfile

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
)

// Header returns the .npy header (magic, version 1.0, header length and
// the dictionary padded with spaces and a newline so that the data starts
// on a 64-byte boundary) for a little-endian float32 array of shape.
func Header(shape []int) ([]byte, error) {
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
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ", }"
	const prefix = 10 // magic (6) + version (2) + header length (2)
	total := prefix + len(dict) + 1
	total = (total + 63) / 64 * 64
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

// Writer writes one float32 array of a fixed shape.
type Writer struct {
	w       *bufio.Writer
	want    int64 // values the shape declares
	written int64
	buf     []byte
}

// NewWriter writes the header for shape to w and returns a Writer for the
// values. Close checks that exactly the declared number were written.
func NewWriter(w io.Writer, shape []int) (*Writer, error) {
	h, err := Header(shape)
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

// ReadFloat32 reads a float32 .npy file with npyio and returns its values
// (C order) and shape; errors name the file.
func ReadFloat32(path string) ([]float32, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r, err := npyio.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Header.Descr.Fortran {
		return nil, nil, fmt.Errorf("%s: Fortran-order arrays are not supported", path)
	}
	n := 1
	for _, d := range r.Header.Descr.Shape {
		n *= d
	}
	v := make([]float32, n)
	if err := r.Read(&v); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, r.Header.Descr.Shape, nil
}
