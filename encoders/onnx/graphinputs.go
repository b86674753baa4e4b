package onnx

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/evalclip/evalclip/encoders/onnxrt"
)

// GraphInputs lists an ONNX model's graph inputs (name, element type and
// shape, -1 for a symbolic or unknown dimension) as ONNX Runtime reports
// them: inputs that are also initializers are left out. It reads the
// protobuf in one streaming pass without ONNX Runtime and without loading
// tensor data, so tokenizing for a model needs no runtime library.
func GraphInputs(file string) ([]onnxrt.TensorInfo, error) {
	g := &graphReader{inits: map[string]bool{}}
	err := scanModel(file, func(r *bufio.Reader, size int64) error {
		g.r = r
		if err := g.model(size); err != nil {
			return err
		}
		if !g.sawGraph {
			return errors.New("no graph")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]onnxrt.TensorInfo, 0, len(g.inputs))
	for _, in := range g.inputs {
		if !g.inits[in.Name] {
			out = append(out, in)
		}
	}
	return out, nil
}

// Bounds on the small messages read whole: a ValueInfoProto and an
// initializer's name.
const (
	maxValueInfo = 1 << 20
	maxNameLen   = 1 << 16
	maxInputs    = 1 << 16
)

// onnxTypes names TensorProto.DataType values as onnxrt.TensorInfo does.
var onnxTypes = map[uint64]string{
	1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
	8: "string", 9: "bool", 10: "float16", 11: "double", 12: "uint32", 13: "uint64", 16: "bfloat16",
}

type graphReader struct {
	r        *bufio.Reader
	inputs   []onnxrt.TensorInfo
	inits    map[string]bool
	sawGraph bool
}

// field reads one field header; for length-delimited fields n is the
// payload length (checked against left), otherwise the value has been
// consumed.
func (g *graphReader) field(left *int64) (num uint64, wire uint64, n int64, err error) {
	tag, err := readVarint(g.r, left)
	if err != nil {
		return 0, 0, 0, err
	}
	num, wire = tag>>3, tag&7
	switch wire {
	case 0:
		_, err = readVarint(g.r, left)
	case 1:
		err = discard(g.r, 8, left)
	case 5:
		err = discard(g.r, 4, left)
	case 2:
		var l uint64
		if l, err = readVarint(g.r, left); err == nil && l > uint64(*left) {
			err = errTruncated
		}
		n = int64(l)
	default:
		err = fmt.Errorf("wire type %d", wire)
	}
	return num, wire, n, err
}

// model scans a ModelProto for its graph (field 7).
func (g *graphReader) model(left int64) error {
	for left > 0 {
		num, wire, n, err := g.field(&left)
		if err != nil {
			return err
		}
		if wire != 2 {
			continue
		}
		if num == 7 && !g.sawGraph {
			g.sawGraph = true
			if err := g.graph(n); err != nil {
				return err
			}
			left -= n
			continue
		}
		if err := discard(g.r, n, &left); err != nil {
			return err
		}
	}
	return nil
}

// graph scans a GraphProto: inputs (11) read whole, initializers (5)
// for their names only.
func (g *graphReader) graph(size int64) error {
	left := size
	for left > 0 {
		num, wire, n, err := g.field(&left)
		if err != nil {
			return err
		}
		if wire != 2 {
			continue
		}
		switch num {
		case 11:
			if n > maxValueInfo || len(g.inputs) >= maxInputs {
				return fmt.Errorf("graph input of %d bytes (the %dth): over the limit", n, len(g.inputs)+1)
			}
			buf := make([]byte, n)
			if _, err := io.ReadFull(g.r, buf); err != nil {
				return errTruncated
			}
			left -= n
			in, err := valueInfo(buf)
			if err != nil {
				return fmt.Errorf("graph input %d: %w", len(g.inputs), err)
			}
			g.inputs = append(g.inputs, in)
		case 5:
			name, err := g.tensorName(n)
			if err != nil {
				return err
			}
			left -= n
			g.inits[name] = true
		default:
			if err := discard(g.r, n, &left); err != nil {
				return err
			}
		}
	}
	return nil
}

// tensorName scans a TensorProto of size bytes for its name (field 8),
// skipping its data.
func (g *graphReader) tensorName(size int64) (string, error) {
	left, name := size, ""
	for left > 0 {
		num, wire, n, err := g.field(&left)
		if err != nil {
			return "", err
		}
		if wire != 2 {
			continue
		}
		if num == 8 && n <= maxNameLen {
			buf := make([]byte, n)
			if _, err := io.ReadFull(g.r, buf); err != nil {
				return "", errTruncated
			}
			left -= n
			name = string(buf)
			continue
		}
		if err := discard(g.r, n, &left); err != nil {
			return "", err
		}
	}
	return name, nil
}

// valueInfo decodes a ValueInfoProto: name (1) and type (2), a TypeProto
// whose tensor_type (1) holds elem_type (1) and shape (2).
func valueInfo(b []byte) (onnxrt.TensorInfo, error) {
	var t onnxrt.TensorInfo
	err := eachField(b, func(num, wire uint64, v uint64, p []byte) error {
		switch {
		case num == 1 && wire == 2:
			t.Name = string(p)
		case num == 2 && wire == 2:
			return eachField(p, func(num, wire uint64, v uint64, p []byte) error {
				if num != 1 || wire != 2 { // not a tensor: sequence, map ...
					return nil
				}
				return eachField(p, func(num, wire uint64, v uint64, p []byte) error {
					switch {
					case num == 1 && wire == 0:
						if t.DType = onnxTypes[v]; t.DType == "" {
							t.DType = fmt.Sprintf("type%d", v)
						}
					case num == 2 && wire == 2:
						t.Shape = []int64{}
						return eachField(p, func(num, wire uint64, v uint64, p []byte) error {
							if num != 1 || wire != 2 {
								return nil
							}
							d := int64(-1)
							err := eachField(p, func(num, wire uint64, v uint64, _ []byte) error {
								if num == 1 && wire == 0 {
									if d = int64(v); d < 0 {
										return fmt.Errorf("input %q: dimension %d", t.Name, d)
									}
								}
								return nil
							})
							t.Shape = append(t.Shape, d)
							return err
						})
					}
					return nil
				})
			})
		}
		return nil
	})
	return t, err
}

// eachField calls fn for every field of the message in b: v for varints,
// p for length-delimited payloads.
func eachField(b []byte, fn func(num, wire, v uint64, p []byte) error) error {
	for len(b) > 0 {
		tag, k := uvarint(b)
		if k <= 0 {
			return errTruncated
		}
		b = b[k:]
		num, wire := tag>>3, tag&7
		var v uint64
		var p []byte
		switch wire {
		case 0:
			if v, k = uvarint(b); k <= 0 {
				return errTruncated
			}
			b = b[k:]
		case 1, 5:
			w := 8
			if wire == 5 {
				w = 4
			}
			if len(b) < w {
				return errTruncated
			}
			b = b[w:]
		case 2:
			l, k := uvarint(b)
			if k <= 0 || l > uint64(len(b)-k) {
				return errTruncated
			}
			p, b = b[k:k+int(l)], b[k+int(l):]
		default:
			return fmt.Errorf("wire type %d", wire)
		}
		if err := fn(num, wire, v, p); err != nil {
			return err
		}
	}
	return nil
}

// uvarint decodes a varint from b: its value and length, 0 or less when
// b ends first or the varint runs past 10 bytes.
func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * uint(i))
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// readVarint reads a varint from r, counting its bytes off left.
func readVarint(r *bufio.Reader, left *int64) (uint64, error) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if *left <= 0 {
			return 0, errTruncated
		}
		b, err := r.ReadByte()
		if err != nil {
			return 0, errTruncated
		}
		*left--
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("varint too long")
}

// discard skips n bytes of r, counting them off left.
func discard(r *bufio.Reader, n int64, left *int64) error {
	if n < 0 || n > *left {
		return errTruncated
	}
	for n > 0 {
		k := min(n, 1<<30)
		d, err := r.Discard(int(k))
		n -= int64(d)
		*left -= int64(d)
		if err != nil {
			return errTruncated
		}
	}
	return nil
}
