package mat5

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf16"

	"github.com/evalclip/evalclip/internal/limits"
)

// Class is a MATLAB array class (mxCLASS).
type Class uint8

// Array classes.
const (
	Cell   Class = 1
	Struct Class = 2
	Object Class = 3
	Char   Class = 4
	Sparse Class = 5
	Double Class = 6
	Single Class = 7
	Int8   Class = 8
	Uint8  Class = 9
	Int16  Class = 10
	Uint16 Class = 11
	Int32  Class = 12
	Uint32 Class = 13
	Int64  Class = 14
	Uint64 Class = 15
)

// Data element types (miTYPE).
const (
	miINT8       = 1
	miUINT8      = 2
	miINT16      = 3
	miUINT16     = 4
	miINT32      = 5
	miUINT32     = 6
	miSINGLE     = 7
	miDOUBLE     = 9
	miINT64      = 12
	miUINT64     = 13
	miMATRIX     = 14
	miCOMPRESSED = 15
	miUTF8       = 16
	miUTF16      = 17
	miUTF32      = 18
)

var typeSize = map[uint32]int{miINT8: 1, miUINT8: 1, miINT16: 2, miUINT16: 2, miINT32: 4, miUINT32: 4,
	miSINGLE: 4, miDOUBLE: 8, miINT64: 8, miUINT64: 8, miUTF8: 1, miUTF16: 2, miUTF32: 4}

// ErrV73 is wrapped by the error for MATLAB v7.3 (HDF5) files.
var ErrV73 = errors.New("MATLAB v7.3 (HDF5) MAT-file: not supported; convert it to a v7 file, e.g. in Python: scipy.io.savemat(out, {k: v[()] for k, v in h5py.File(in).items()}, do_compression=True), or in MATLAB: save(out, '-v7')")

// Var is one array.
type Var struct {
	Name  string
	Class Class
	// Dims are the array's dimensions (column-major, as MATLAB stores it).
	Dims []int

	typ uint32 // element type of the real part
	bo  binary.ByteOrder
	raw []byte // real part, numeric and char arrays

	// Fields are a struct's field names; Elems[i][f] is element i's field f.
	Fields     []string
	StructElem [][]*Var
	// Cells are a cell array's elements, column-major.
	Cells []*Var
}

// Len is the number of elements (the product of Dims; Read checks that
// it does not overflow).
func (v *Var) Len() int {
	n := 1
	for _, d := range v.Dims {
		n *= d
	}
	return n
}

// MaxDepth bounds how deeply cells and structs may nest.
const MaxDepth = 32

// Bytes returns the raw samples of a uint8 or int8-stored array without
// copying; ok is false for other storage types.
func (v *Var) Bytes() ([]byte, bool) {
	if v.typ == miUINT8 || v.typ == miINT8 {
		return v.raw, true
	}
	return nil, false
}

// Float64s converts a numeric array's real part to float64, column-major.
func (v *Var) Float64s() ([]float64, error) {
	size, ok := typeSize[v.typ]
	if !ok || v.Class == Char || v.Class == Cell || v.Class == Struct {
		return nil, fmt.Errorf("variable %q: not a numeric array (class %d)", v.Name, v.Class)
	}
	n := len(v.raw) / size
	out := make([]float64, n)
	b := v.raw
	for i := range out {
		s := b[i*size:]
		switch v.typ {
		case miINT8:
			out[i] = float64(int8(s[0]))
		case miUINT8, miUTF8:
			out[i] = float64(s[0])
		case miINT16:
			out[i] = float64(int16(v.bo.Uint16(s)))
		case miUINT16, miUTF16:
			out[i] = float64(v.bo.Uint16(s))
		case miINT32:
			out[i] = float64(int32(v.bo.Uint32(s)))
		case miUINT32, miUTF32:
			out[i] = float64(v.bo.Uint32(s))
		case miSINGLE:
			out[i] = float64(math.Float32frombits(v.bo.Uint32(s)))
		case miDOUBLE:
			out[i] = math.Float64frombits(v.bo.Uint64(s))
		case miINT64:
			out[i] = float64(int64(v.bo.Uint64(s)))
		case miUINT64:
			out[i] = float64(v.bo.Uint64(s))
		}
	}
	return out, nil
}

// String returns a char array's text (rows concatenated for a 1-row
// array; for several rows, the rows joined by newlines).
func (v *Var) String() (string, error) {
	if v.Class != Char {
		return "", fmt.Errorf("variable %q: not a char array (class %d)", v.Name, v.Class)
	}
	var runes []rune
	switch v.typ {
	case miUTF8:
		runes = []rune(string(v.raw))
	case miUINT8, miINT8:
		for _, b := range v.raw {
			runes = append(runes, rune(b))
		}
	case miUINT16, miUTF16:
		u := make([]uint16, len(v.raw)/2)
		for i := range u {
			u[i] = v.bo.Uint16(v.raw[2*i:])
		}
		runes = utf16.Decode(u)
	case miUINT32, miUTF32, miINT32:
		for i := 0; i+4 <= len(v.raw); i += 4 {
			runes = append(runes, rune(v.bo.Uint32(v.raw[i:])))
		}
	default:
		return "", fmt.Errorf("variable %q: char data stored as type %d", v.Name, v.typ)
	}
	if len(v.Dims) == 2 && v.Dims[0] > 1 && len(runes) == v.Dims[0]*v.Dims[1] {
		rows, cols := v.Dims[0], v.Dims[1]
		lines := make([]string, rows)
		for r := 0; r < rows; r++ {
			line := make([]rune, cols)
			for c := 0; c < cols; c++ {
				line[c] = runes[c*rows+r]
			}
			lines[r] = string(line)
		}
		return strings.Join(lines, "\n"), nil
	}
	return string(runes), nil
}

// Field returns struct element i's field called name, or nil.
func (v *Var) Field(i int, name string) *Var {
	for f, n := range v.Fields {
		if n == name && i < len(v.StructElem) {
			return v.StructElem[i][f]
		}
	}
	return nil
}

// ReadFile reads the named variables of a MAT-file (all when names is
// empty). Variables not asked for are skipped without decoding. Errors
// name the file.
func ReadFile(path string, names ...string) (map[string]*Var, error) {
	f, _, err := limits.Open(path, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars, err := Read(bufio.NewReaderSize(f, 1<<20), names...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return vars, nil
}

// Read reads a MAT-file from r; see ReadFile.
func Read(r io.Reader, names ...string) (map[string]*Var, error) {
	var hdr [128]byte
	n, err := io.ReadFull(r, hdr[:])
	if err != nil {
		if n == 0 {
			return nil, errors.New("empty file, not a MAT-file")
		}
		return nil, fmt.Errorf("not a MAT-file: %d-byte file is shorter than the 128-byte header", n)
	}
	text := string(hdr[:116])
	if strings.HasPrefix(text, "MATLAB 7.3") || bytes.HasPrefix(hdr[:], []byte("\x89HDF\r\n\x1a\n")) {
		return nil, ErrV73
	}
	var bo binary.ByteOrder
	switch string(hdr[126:128]) {
	case "IM":
		bo = binary.LittleEndian
	case "MI":
		bo = binary.BigEndian
	default:
		return nil, errors.New("not a MATLAB level-5 MAT-file (no endian indicator at byte 126; level-4 files are not supported)")
	}
	if !strings.HasPrefix(text, "MATLAB 5.0") {
		// Some writers leave the text empty; the endian mark decides.
		if v := bo.Uint16(hdr[124:]); v != 0x0100 {
			return nil, fmt.Errorf("unsupported MAT-file version 0x%04x", v)
		}
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	d := &decoder{bo: bo}
	out := map[string]*Var{}
	for {
		typ, nbytes, small, err := d.tag(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch typ {
		case miCOMPRESSED:
			zr, err := zlib.NewReader(io.LimitReader(r, int64(nbytes)))
			if err != nil {
				return nil, fmt.Errorf("compressed element: %w", err)
			}
			ityp, inb, _, err := d.tag(zr)
			if err != nil {
				return nil, fmt.Errorf("compressed element: %w", err)
			}
			if ityp != miMATRIX {
				return nil, fmt.Errorf("compressed element holds type %d, expected a matrix", ityp)
			}
			v, err := d.matrix(zr, inb, want)
			if err != nil {
				return nil, err
			}
			if v != nil {
				out[v.Name] = v
			}
			// Drain the rest of the compressed stream.
			if _, err := io.Copy(io.Discard, zr); err != nil {
				return nil, fmt.Errorf("compressed element %q: %w", nameOf(v), err)
			}
		case miMATRIX:
			lr := io.LimitReader(r, int64(nbytes))
			v, err := d.matrix(lr, nbytes, want)
			if err != nil {
				return nil, err
			}
			if v != nil {
				out[v.Name] = v
			}
			if _, err := io.Copy(io.Discard, lr); err != nil {
				return nil, err
			}
			if err := skip(r, pad8(nbytes)-nbytes); err != nil {
				return nil, err
			}
		default:
			if small {
				continue
			}
			if err := skip(r, pad8(nbytes)); err != nil {
				return nil, err
			}
		}
	}
	for n := range want {
		if out[n] == nil {
			return out, fmt.Errorf("no variable %q", n)
		}
	}
	return out, nil
}

func nameOf(v *Var) string {
	if v == nil {
		return "?"
	}
	return v.Name
}

type decoder struct {
	bo binary.ByteOrder
}

func pad8(n uint32) uint32 { return (n + 7) &^ 7 }

func skip(r io.Reader, n uint32) error {
	_, err := io.CopyN(io.Discard, r, int64(n))
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return fmt.Errorf("truncated file: %w", err)
	}
	return nil
}

// tag reads an element tag. For a small element (data packed in the tag)
// the 4 data bytes are consumed and nbytes says how many count.
func (d *decoder) tag(r io.Reader) (typ, nbytes uint32, small bool, err error) {
	var b [8]byte
	n, err := io.ReadFull(r, b[:])
	if err == io.EOF {
		return 0, 0, false, io.EOF
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("truncated file: element tag cut after %d bytes", n)
	}
	first := d.bo.Uint32(b[:])
	if first>>16 != 0 {
		return first & 0xffff, first >> 16, true, nil
	}
	return first, d.bo.Uint32(b[4:]), false, nil
}

// element reads one data element of a matrix (tag and data, padded).
func (d *decoder) element(r io.Reader) (uint32, []byte, error) {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, nil, fmt.Errorf("truncated matrix: %w", err)
	}
	first := d.bo.Uint32(b[:])
	if first>>16 != 0 {
		n := first >> 16
		if n > 4 {
			return 0, nil, fmt.Errorf("small data element claims %d bytes", n)
		}
		return first & 0xffff, append([]byte(nil), b[4:4+n]...), nil
	}
	n := d.bo.Uint32(b[4:])
	if err := limits.Alloc(fmt.Sprintf("matrix data element of %d bytes", n), int64(pad8(n)), 1); err != nil {
		return 0, nil, err
	}
	// Read what arrives rather than allocating what the tag declares: a
	// compressed stream may declare gigabytes and hold a few bytes.
	var buf bytes.Buffer
	if n <= 1<<20 {
		buf.Grow(int(pad8(n)))
	}
	got, err := io.Copy(&buf, io.LimitReader(r, int64(pad8(n))))
	if err != nil {
		return 0, nil, fmt.Errorf("matrix data (%d bytes expected): %w", n, err)
	}
	if got < int64(n) {
		return 0, nil, fmt.Errorf("truncated matrix data (%d bytes expected, %d present)", n, got)
	}
	// The last element of a compressed matrix may omit its padding.
	return first, buf.Bytes()[:n], nil
}

// matrix reads a miMATRIX body of nbytes. It returns nil for an unwanted
// top-level variable (want non-empty and without its name).
func (d *decoder) matrix(r io.Reader, nbytes uint32, want map[string]bool) (*Var, error) {
	return d.matrixAt(r, nbytes, want, 0)
}

func (d *decoder) matrixAt(r io.Reader, nbytes uint32, want map[string]bool, depth int) (*Var, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("cells or structs nested more than %d deep", MaxDepth)
	}
	if nbytes == 0 {
		return &Var{Class: Double, Dims: []int{0, 0}, typ: miDOUBLE, bo: d.bo}, nil
	}
	_, flags, err := d.element(r)
	if err != nil {
		return nil, err
	}
	if len(flags) < 8 {
		return nil, errors.New("matrix: short array flags")
	}
	v := &Var{Class: Class(d.bo.Uint32(flags) & 0xff), bo: d.bo}
	_, dims, err := d.element(r)
	if err != nil {
		return nil, err
	}
	var sizes []int64
	for i := 0; i+4 <= len(dims); i += 4 {
		dim := int(int32(d.bo.Uint32(dims[i:])))
		if dim < 0 {
			return nil, fmt.Errorf("matrix: negative dimension %d", dim)
		}
		v.Dims = append(v.Dims, dim)
		sizes = append(sizes, int64(dim))
	}
	if n, err := limits.Product(sizes...); err != nil || n > math.MaxInt32 {
		return nil, fmt.Errorf("matrix: dimensions %v: too many elements", v.Dims)
	}
	_, name, err := d.element(r)
	if err != nil {
		return nil, err
	}
	v.Name = string(name)
	if want != nil && len(want) > 0 && !want[v.Name] {
		return nil, nil
	}
	switch v.Class {
	case Cell:
		for i := 0; i < v.Len(); i++ {
			c, err := d.child(r, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s{%d}: %w", v.Name, i+1, err)
			}
			v.Cells = append(v.Cells, c)
		}
	case Struct:
		_, fl, err := d.element(r)
		if err != nil {
			return nil, err
		}
		if len(fl) < 4 {
			return nil, fmt.Errorf("%s: struct without field name length", v.Name)
		}
		flen := int(d.bo.Uint32(fl))
		_, names, err := d.element(r)
		if err != nil {
			return nil, err
		}
		if flen <= 0 || len(names)%flen != 0 {
			return nil, fmt.Errorf("%s: bad struct field names", v.Name)
		}
		for i := 0; i < len(names); i += flen {
			v.Fields = append(v.Fields, strings.TrimRight(string(names[i:i+flen]), "\x00"))
		}
		for i := 0; i < v.Len(); i++ {
			elem := make([]*Var, len(v.Fields))
			for f := range v.Fields {
				c, err := d.child(r, depth+1)
				if err != nil {
					return nil, fmt.Errorf("%s(%d).%s: %w", v.Name, i+1, v.Fields[f], err)
				}
				c.Name = v.Fields[f]
				elem[f] = c
			}
			v.StructElem = append(v.StructElem, elem)
		}
	case Object, Sparse:
		return nil, fmt.Errorf("variable %q: class %d (object/sparse) is not supported", v.Name, v.Class)
	default:
		typ, raw, err := d.element(r)
		if err != nil {
			return nil, fmt.Errorf("variable %q: %w", v.Name, err)
		}
		size, ok := typeSize[typ]
		if !ok {
			return nil, fmt.Errorf("variable %q: unknown data type %d", v.Name, typ)
		}
		if len(raw) != size*v.Len() {
			return nil, fmt.Errorf("variable %q: %d bytes of data for %v elements of %d bytes", v.Name, len(raw), v.Dims, size)
		}
		v.typ, v.raw = typ, raw
		// An imaginary part, if any, is ignored.
	}
	return v, nil
}

// child reads a nested miMATRIX element (cell or struct member).
func (d *decoder) child(r io.Reader, depth int) (*Var, error) {
	typ, nbytes, small, err := d.tag(r)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if typ != miMATRIX || small {
		return nil, fmt.Errorf("expected a matrix element, found type %d", typ)
	}
	lr := io.LimitReader(r, int64(nbytes))
	v, err := d.matrixAt(lr, nbytes, nil, depth)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(io.Discard, lr); err != nil {
		return nil, err
	}
	return v, skip(r, pad8(nbytes)-nbytes)
}
