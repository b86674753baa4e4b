package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"codeberg.org/sbinet/npyio"

	"github.com/evalclip/evalclip/internal/atomicfile"
)

func header(descr string, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	sh := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	sh += ")"
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, sh)
	// magic (6) + version (2) + header length (2) + dict + padding + '\n', a multiple of 64.
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.LittleEndian, uint16(len(dict)+pad+1))
	b.WriteString(dict)
	b.WriteString(strings.Repeat(" ", pad))
	b.WriteByte('\n')
	return b.Bytes()
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
		bw := bufio.NewWriterSize(w, 1<<20)
		bw.Write(header("<f4", shape))
		var buf [4]byte
		for _, v := range data {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			bw.Write(buf[:])
		}
		return bw.Flush()
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
		bw := bufio.NewWriterSize(w, 1<<20)
		bw.Write(header("<i8", shape))
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
