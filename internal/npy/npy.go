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

	"github.com/evalclip/evalclip/internal/atomicfile"
	"github.com/evalclip/evalclip/internal/half"
	"github.com/evalclip/evalclip/internal/limits"
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

// dtype is a parsed NumPy dtype string such as "<f4".
type dtype struct {
	order binary.ByteOrder
	kind  byte // 'f', 'i', 'u'
	size  int  // bytes: 1, 2, 4 or 8
	str   string
}

func parseDType(s string) (dtype, error) {
	s = strings.Trim(s, `'"`)
	dt := dtype{str: s, order: binary.LittleEndian}
	if len(s) < 3 {
		return dt, fmt.Errorf("unsupported dtype %q", s)
	}
	switch s[0] {
	case '<', '|', '=':
	case '>':
		dt.order = binary.BigEndian
	default:
		return dt, fmt.Errorf("unsupported dtype %q", s)
	}
	dt.kind = s[1]
	n, err := strconv.Atoi(s[2:])
	if err != nil || (n != 1 && n != 2 && n != 4 && n != 8) || (dt.kind != 'f' && dt.kind != 'i' && dt.kind != 'u') {
		return dt, fmt.Errorf("unsupported dtype %q", s)
	}
	dt.size = n
	return dt, nil
}

// file is an open .npy file positioned at its data.
type file struct {
	path  string
	f     *os.File
	r     *bufio.Reader
	dt    dtype
	shape []int
	fort  bool
	n     int // elements, checked against the file's size
}

// open reads a .npy header and checks the shape it declares against the
// data the file holds and the allocation limit, before any array is made.
func open(path string) (*file, error) {
	f, size, err := limits.Open(path, 0)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	h, err := readHeader(br)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dt, err := parseDType(h.descr)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	nf := &file{path: path, f: f, r: br, dt: dt, shape: h.shape, fort: h.fortran}
	if nf.fort && len(nf.shape) > 2 {
		f.Close()
		return nil, fmt.Errorf("%s: Fortran-ordered arrays of more than 2 dimensions are not supported (save with np.ascontiguousarray)", path)
	}
	dims := make([]int64, len(h.shape))
	for i, d := range h.shape {
		dims[i] = int64(d)
	}
	what := fmt.Sprintf("%s: shape %v of %s", path, h.shape, dt.str)
	n, err := limits.Product(dims...)
	if err != nil {
		err = fmt.Errorf("%s: %w", what, err)
	} else {
		err = limits.Alloc(what, n, dt.size)
	}
	if err == nil && n*int64(dt.size) > size-h.dataOffset {
		err = fmt.Errorf("%s: truncated: shape %v of %s needs %d data bytes, the file holds %d", path, h.shape, dt.str, n*int64(dt.size), size-h.dataOffset)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	nf.n = int(n)
	return nf, nil
}

func (nf *file) count() int { return nf.n }

// each decodes every element, calling fn(i, bits) with the element's index
// in C order and its raw bits.
func (nf *file) each(fn func(i int, bits uint64)) error {
	count, size := nf.count(), nf.dt.size
	// Fortran order (at most 2-D): element j of the file is (j%rows, j/rows).
	index := func(j int) int { return j }
	if nf.fort && len(nf.shape) == 2 {
		rows, cols := nf.shape[0], nf.shape[1]
		index = func(j int) int { return (j%rows)*cols + j/rows }
	}
	buf := make([]byte, (1<<20)/size*size)
	for j := 0; j < count; {
		m := min(count-j, len(buf)/size)
		chunk := buf[:m*size]
		if _, err := io.ReadFull(nf.r, chunk); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%s: truncated: shape %v of %s needs %d data bytes", nf.path, nf.shape, nf.dt.str, count*size)
			}
			return fmt.Errorf("%s: %w", nf.path, err)
		}
		o := nf.dt.order
		for k := range m {
			b := chunk[k*size : (k+1)*size]
			var v uint64
			switch size {
			case 1:
				v = uint64(b[0])
			case 2:
				v = uint64(o.Uint16(b))
			case 4:
				v = uint64(o.Uint32(b))
			case 8:
				v = o.Uint64(b)
			}
			fn(index(j+k), v)
		}
		j += m
	}
	return nil
}

// Info describes a .npy file's array.
type Info struct {
	DType string // NumPy dtype string, e.g. "<f4"
	Kind  byte   // 'f' float, 'i' signed, 'u' unsigned integer
	Size  int    // bytes per element
	Shape []int
}

// Stat reads the header of a .npy file.
func Stat(path string) (Info, error) {
	nf, err := open(path)
	if err != nil {
		return Info{}, err
	}
	defer nf.f.Close()
	return Info{DType: nf.dt.str, Kind: nf.dt.kind, Size: nf.dt.size, Shape: nf.shape}, nil
}

// ReadFloat32 reads a floating-point array (float32; float16 and float64
// are converted), either byte order, C order or (up to 2-D) Fortran order,
// and returns its values in C order with its shape.
func ReadFloat32(path string) ([]float32, []int, error) {
	nf, err := open(path)
	if err != nil {
		return nil, nil, err
	}
	defer nf.f.Close()
	var conv func(uint64) float32
	switch {
	case nf.dt.kind == 'f' && nf.dt.size == 4:
		conv = func(b uint64) float32 { return math.Float32frombits(uint32(b)) }
	case nf.dt.kind == 'f' && nf.dt.size == 8:
		conv = func(b uint64) float32 { return float32(math.Float64frombits(b)) }
	case nf.dt.kind == 'f' && nf.dt.size == 2:
		conv = func(b uint64) float32 { return half.ToFloat32(uint16(b)) }
	default:
		return nil, nil, fmt.Errorf("%s: element type %s, want float32 (or float16/float64)", path, nf.dt.str)
	}
	x := make([]float32, nf.count())
	if err := nf.each(func(i int, b uint64) { x[i] = conv(b) }); err != nil {
		return nil, nil, err
	}
	return x, nf.shape, nil
}

// ReadInt64 reads an integer array (signed or unsigned, 1 to 8 bytes,
// either byte order) as int64, in C order, with its shape. Unsigned 64-bit
// values above the int64 range are an error naming the element.
func ReadInt64(path string) ([]int64, []int, error) {
	nf, err := open(path)
	if err != nil {
		return nil, nil, err
	}
	defer nf.f.Close()
	if nf.dt.kind != 'i' && nf.dt.kind != 'u' {
		return nil, nil, fmt.Errorf("%s: element type %s, want an integer type", path, nf.dt.str)
	}
	out := make([]int64, nf.count())
	signed, bits := nf.dt.kind == 'i', uint(nf.dt.size*8)
	bad := -1
	err = nf.each(func(i int, b uint64) {
		v := int64(b)
		if signed && bits < 64 {
			v = int64(b<<(64-bits)) >> (64 - bits) // sign-extend
		}
		if !signed && bits == 64 && b > math.MaxInt64 && bad < 0 {
			bad = i
		}
		out[i] = v
	})
	if err != nil {
		return nil, nil, err
	}
	if bad >= 0 {
		return nil, nil, fmt.Errorf("%s: element %d does not fit int64", path, bad)
	}
	return out, nf.shape, nil
}
