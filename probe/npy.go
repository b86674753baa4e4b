package probe

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"codeberg.org/sbinet/npyio/npy"

	"github.com/evalclip/evalclip/internal/atomicfile"
)

// npyDType is a parsed NumPy dtype string such as "<f4".
type npyDType struct {
	order binary.ByteOrder
	kind  byte // 'f', 'i', 'u'
	size  int
	str   string
}

func parseDType(s string) (npyDType, error) {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		s = s[1 : len(s)-1]
	}
	dt := npyDType{str: s, order: binary.LittleEndian}
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
	if err != nil {
		return dt, fmt.Errorf("unsupported dtype %q", s)
	}
	dt.size = n
	return dt, nil
}

// npyFile is an open .npy file positioned at its data.
type npyFile struct {
	f     *os.File
	r     *bufio.Reader
	dt    npyDType
	shape []int
	fort  bool
}

func openNPY(path string) (*npyFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	br := bufio.NewReaderSize(f, 1<<20)
	h, err := npy.NewReader(br)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: not a NumPy .npy file: %w", ErrBadInput, path, err)
	}
	dt, err := parseDType(h.Header.Descr.Type)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrBadInput, path, err)
	}
	return &npyFile{f: f, r: br, dt: dt, shape: h.Header.Descr.Shape, fort: h.Header.Descr.Fortran}, nil
}

// each decodes count elements, calling fn(i, bits) with the raw element
// bits, reading in chunks.
func (nf *npyFile) each(path string, count int, fn func(i int, bits uint64)) error {
	size := nf.dt.size
	buf := make([]byte, (1<<20)/size*size)
	for i := 0; i < count; {
		m := min(count-i, len(buf)/size)
		chunk := buf[:m*size]
		if _, err := io.ReadFull(nf.r, chunk); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%w: %s: truncated: shape %v of %s needs %d data bytes", ErrBadInput, path, nf.shape, nf.dt.str, count*size)
			}
			return fmt.Errorf("%s: %w", path, err)
		}
		o := nf.dt.order
		for j := range m {
			b := chunk[j*size : (j+1)*size]
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
			fn(i+j, v)
		}
		i += m
	}
	return nil
}

// ReadFeatures reads a 2-D (samples x features) .npy file of float32
// (float16 and float64 are converted to float32), C or Fortran order.
func ReadFeatures(path string) (x []float32, n, d int, err error) {
	nf, err := openNPY(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer nf.f.Close()
	var conv func(uint64) float32
	switch {
	case nf.dt.kind == 'f' && nf.dt.size == 4:
		conv = func(b uint64) float32 { return math.Float32frombits(uint32(b)) }
	case nf.dt.kind == 'f' && nf.dt.size == 8:
		conv = func(b uint64) float32 { return float32(math.Float64frombits(b)) }
	case nf.dt.kind == 'f' && nf.dt.size == 2:
		conv = func(b uint64) float32 { return halfToFloat32(uint16(b)) }
	default:
		return nil, 0, 0, fmt.Errorf("%w: %s: features must be float32 (or float16/float64), got dtype %s", ErrBadInput, path, nf.dt.str)
	}
	if len(nf.shape) != 2 {
		return nil, 0, 0, fmt.Errorf("%w: %s: features must be a 2-D array (samples, features), got shape %v", ErrBadInput, path, nf.shape)
	}
	n, d = nf.shape[0], nf.shape[1]
	x = make([]float32, n*d)
	if nf.fort {
		err = nf.each(path, n*d, func(i int, b uint64) { x[(i%n)*d+i/n] = conv(b) })
	} else {
		err = nf.each(path, n*d, func(i int, b uint64) { x[i] = conv(b) })
	}
	if err != nil {
		return nil, 0, 0, err
	}
	return x, n, d, nil
}

// halfToFloat32 converts IEEE 754 binary16 bits to float32.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf, NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: mant * 2^-24
		f := float32(mant) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// ReadLabels reads a 1-D (or samples x 1) .npy file of integer class ids:
// int64 or int32 (any integer dtype is accepted); values must fit int32.
func ReadLabels(path string) ([]int32, error) {
	nf, err := openNPY(path)
	if err != nil {
		return nil, err
	}
	defer nf.f.Close()
	shape := nf.shape
	if !(len(shape) == 1 || (len(shape) == 2 && shape[1] == 1)) {
		return nil, fmt.Errorf("%w: %s: labels must be a 1-D array (samples,), got shape %v", ErrBadInput, path, shape)
	}
	if nf.dt.kind != 'i' && nf.dt.kind != 'u' || !(nf.dt.size == 1 || nf.dt.size == 2 || nf.dt.size == 4 || nf.dt.size == 8) {
		return nil, fmt.Errorf("%w: %s: labels must be integers (int64 or int32), got dtype %s", ErrBadInput, path, nf.dt.str)
	}
	n := shape[0]
	y := make([]int32, n)
	bad := -1
	var badV int64
	signed, bits := nf.dt.kind == 'i', uint(nf.dt.size*8)
	err = nf.each(path, n, func(i int, b uint64) {
		v := int64(b)
		if signed && bits < 64 {
			v = int64(b<<(64-bits)) >> (64 - bits) // sign-extend
		}
		if (!signed && b > math.MaxInt32) || v > math.MaxInt32 || v < math.MinInt32 {
			if bad < 0 {
				bad, badV = i, v
			}
			return
		}
		y[i] = int32(v)
	})
	if err != nil {
		return nil, err
	}
	if bad >= 0 {
		return nil, fmt.Errorf("%w: %s: sample %d: label %d does not fit int32", ErrBadInput, path, bad, badV)
	}
	return y, nil
}

// Load reads a features file and its labels file into a Data, checking that
// they have the same number of samples.
func Load(featuresPath, labelsPath string) (Data, error) {
	x, n, d, err := ReadFeatures(featuresPath)
	if err != nil {
		return Data{}, err
	}
	y, err := ReadLabels(labelsPath)
	if err != nil {
		return Data{}, err
	}
	if len(y) != n {
		return Data{}, fmt.Errorf("%w: %s has %d samples but %s has %d labels", ErrBadInput, featuresPath, n, labelsPath, len(y))
	}
	return Data{X: x, N: n, D: d, Y: y}, nil
}

// WriteFeatures writes x (n x d, row-major) as a little-endian float32
// .npy file, atomically.
func WriteFeatures(path string, x []float32, n, d int) error {
	if len(x) != n*d {
		return fmt.Errorf("probe: WriteFeatures %s: %d values for %d x %d", path, len(x), n, d)
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := writeNPYHeader(bw, "<f4", fmt.Sprintf("(%d, %d)", n, d)); err != nil {
			return err
		}
		var b [4]byte
		for _, v := range x {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			if _, err := bw.Write(b[:]); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
}

// WriteLabels writes y as an int64 .npy file, atomically.
func WriteLabels(path string, y []int32) error {
	y64 := make([]int64, len(y))
	for i, v := range y {
		y64[i] = int64(v)
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		return npy.Write(w, y64)
	})
}

// writeNPYHeader writes a version 1.0 header, padded so that the data
// starts at a multiple of 64 bytes as NumPy does.
func writeNPYHeader(w io.Writer, descr, shape string) error {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	hdr := make([]byte, 0, total+pad)
	hdr = append(hdr, "\x93NUMPY\x01\x00"...)
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(len(dict)+pad+1))
	hdr = append(hdr, dict...)
	for range pad {
		hdr = append(hdr, ' ')
	}
	hdr = append(hdr, '\n')
	_, err := w.Write(hdr)
	return err
}
