package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxHeaderBytes bounds a .npy header: NumPy itself refuses headers over
// 10,000 bytes unless told otherwise; a header is a short dictionary.
const MaxHeaderBytes = 1 << 16

// rawHeader is a parsed .npy header.
type rawHeader struct {
	descr   string
	fortran bool
	shape   []int
	// dataOffset is where the array data starts.
	dataOffset int64
}

var magic = []byte("\x93NUMPY")

// readHeader parses a .npy header (format 1.0, 2.0 or 3.0) from r: the
// magic, the version, the header length (checked against MaxHeaderBytes
// before anything is allocated) and the dictionary
// {'descr': ..., 'fortran_order': ..., 'shape': (...)} in any key order.
func readHeader(r io.Reader) (*rawHeader, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, errors.New("not a NumPy .npy file: too short")
	}
	if string(pre[:6]) != string(magic) {
		return nil, errors.New("not a NumPy .npy file: no \\x93NUMPY magic")
	}
	var n int64
	off := int64(8)
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, errors.New("truncated .npy header")
		}
		n, off = int64(binary.LittleEndian.Uint16(b[:])), off+2
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, errors.New("truncated .npy header")
		}
		n, off = int64(binary.LittleEndian.Uint32(b[:])), off+4
	default:
		return nil, fmt.Errorf("unsupported .npy format version %d.%d", pre[6], pre[7])
	}
	if n > MaxHeaderBytes {
		return nil, fmt.Errorf(".npy header of %d bytes is longer than the %d-byte limit", n, MaxHeaderBytes)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("truncated .npy header (%d bytes declared)", n)
	}
	h, err := parseDict(string(buf))
	if err != nil {
		return nil, fmt.Errorf("bad .npy header %q: %w", strings.TrimSpace(string(buf)), err)
	}
	h.dataOffset = off + n
	return h, nil
}

// parseDict reads the header dictionary, a Python literal.
func parseDict(s string) (*rawHeader, error) {
	p := &lit{s: strings.TrimRight(s, " \n\x00")}
	if !p.eat('{') {
		return nil, errors.New("expected '{'")
	}
	h := &rawHeader{}
	seen := map[string]bool{}
	for {
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, fmt.Errorf("key %q twice", key)
		}
		seen[key] = true
		if !p.eat(':') {
			return nil, fmt.Errorf("expected ':' after %q", key)
		}
		switch key {
		case "descr":
			if h.descr, err = p.str(); err != nil {
				return nil, fmt.Errorf("descr: %w (structured dtypes are not supported)", err)
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				h.fortran = true
			case p.word("False"):
			default:
				return nil, errors.New("fortran_order: expected True or False")
			}
		case "shape":
			if h.shape, err = p.tuple(); err != nil {
				return nil, fmt.Errorf("shape: %w", err)
			}
		default:
			return nil, fmt.Errorf("unknown key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return nil, errors.New("expected ',' or '}'")
			}
			break
		}
	}
	if p.space(); p.i != len(p.s) {
		return nil, fmt.Errorf("trailing %q", p.s[p.i:])
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return nil, fmt.Errorf("no %q key", k)
		}
	}
	return h, nil
}

// lit scans a Python literal.
type lit struct {
	s string
	i int
}

func (p *lit) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *lit) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *lit) word(w string) bool {
	p.space()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *lit) str() (string, error) {
	p.space()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", errors.New("expected a quoted string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

func (p *lit) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("expected '('")
	}
	dims := []int{}
	for {
		if p.eat(')') {
			return dims, nil
		}
		p.space()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i || j-p.i > 18 {
			return nil, errors.New("expected a dimension (a non-negative integer)")
		}
		d, err := strconv.Atoi(p.s[p.i:j])
		if err != nil {
			return nil, err
		}
		p.i = j
		dims = append(dims, d)
		if len(dims) > 32 {
			return nil, errors.New("more than 32 dimensions")
		}
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, errors.New("expected ',' or ')'")
			}
			return dims, nil
		}
	}
}
