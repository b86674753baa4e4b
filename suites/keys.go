package suites

import (
	"strconv"
	"strings"
)

// keyPos is one key written in a TOML document.
type keyPos struct {
	path string   // indexed: models[0].vision, ci.tolerance.acc1
	raw  []string // without indices, as the toml decoder reports keys
	line int      // 1-based
}

// keyIndex finds where keys are written. The toml decoder reports undecoded
// keys without array indices and without lines; this index supplies both.
type keyIndex struct {
	keys   []keyPos
	byPath map[string]int // path -> line
}

// lineOf returns the line of path, or of its nearest written ancestor, or 0.
func (ix *keyIndex) lineOf(path string) int {
	if ix == nil {
		return 0
	}
	for p := path; p != ""; p = parentPath(p) {
		if l, ok := ix.byPath[p]; ok {
			return l
		}
	}
	return 0
}

// find returns every written key whose unindexed path equals raw.
func (ix *keyIndex) find(raw []string) []keyPos {
	var out []keyPos
	if ix == nil {
		return out
	}
	want := strings.Join(raw, "\x00")
	for _, k := range ix.keys {
		if strings.Join(k.raw, "\x00") == want {
			out = append(out, k)
		}
	}
	return out
}

// parentPath drops the last segment ("a[1].b" -> "a[1]", "a[1]" -> "a").
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// scanKeys lists the keys of a TOML document with their lines. It is
// tolerant: on input it does not understand it skips ahead rather than
// failing, since the real parser has already accepted or rejected the file.
func scanKeys(src []byte) *keyIndex {
	s := &keyScanner{src: src, line: 1, counts: map[string]int{}}
	s.document()
	ix := &keyIndex{keys: s.keys, byPath: map[string]int{}}
	for _, k := range s.keys {
		if _, dup := ix.byPath[k.path]; !dup {
			ix.byPath[k.path] = k.line
		}
	}
	return ix
}

type keyScanner struct {
	src    []byte
	pos    int
	line   int
	table  string   // indexed path of the current table
	rawTab []string // unindexed segments of the current table
	counts map[string]int
	keys   []keyPos
}

func (s *keyScanner) eof() bool { return s.pos >= len(s.src) }

func (s *keyScanner) peek(off int) byte {
	if s.pos+off < len(s.src) {
		return s.src[s.pos+off]
	}
	return 0
}

func (s *keyScanner) advance() {
	if s.pos < len(s.src) {
		if s.src[s.pos] == '\n' {
			s.line++
		}
		s.pos++
	}
}

// skipSpace skips blanks and, when newlines is set, newlines and comments.
func (s *keyScanner) skipSpace(newlines bool) {
	for !s.eof() {
		switch c := s.src[s.pos]; {
		case c == ' ' || c == '\t' || c == '\r':
			s.advance()
		case c == '#':
			if !newlines {
				return
			}
			for !s.eof() && s.src[s.pos] != '\n' {
				s.advance()
			}
		case c == '\n' && newlines:
			s.advance()
		default:
			return
		}
	}
}

func (s *keyScanner) skipLine() {
	for !s.eof() && s.src[s.pos] != '\n' {
		s.advance()
	}
}

func (s *keyScanner) document() {
	for {
		s.skipSpace(true)
		if s.eof() {
			return
		}
		start := s.pos
		if s.src[s.pos] == '[' {
			s.header()
		} else {
			segs, ok := s.key()
			s.skipSpace(false)
			if ok && s.peek(0) == '=' {
				s.advance()
				path := joinPath(s.table, segs)
				s.record(path, append(append([]string(nil), s.rawTab...), segs...), s.line)
				s.value(path, append(append([]string(nil), s.rawTab...), segs...))
			} else {
				s.skipLine()
			}
		}
		if s.pos == start {
			s.advance()
		}
	}
}

func (s *keyScanner) record(path string, raw []string, line int) {
	s.keys = append(s.keys, keyPos{path: path, raw: raw, line: line})
}

func (s *keyScanner) header() {
	line := s.line
	s.advance() // [
	array := s.peek(0) == '['
	if array {
		s.advance()
	}
	s.skipSpace(false)
	segs, ok := s.key()
	if !ok {
		s.skipLine()
		return
	}
	indexed := ""
	for i, seg := range segs {
		p := joinSeg(indexed, seg)
		if i == len(segs)-1 && array {
			n := s.counts[p]
			s.counts[p] = n + 1
			indexed = p + "[" + strconv.Itoa(n) + "]"
		} else if n, ok := s.counts[p]; ok && n > 0 {
			indexed = p + "[" + strconv.Itoa(n-1) + "]"
		} else {
			indexed = p
		}
	}
	s.table = indexed
	s.rawTab = segs
	s.record(indexed, segs, line)
	s.skipLine()
}

// key reads a dotted key of bare or quoted segments.
func (s *keyScanner) key() ([]string, bool) {
	var segs []string
	for {
		s.skipSpace(false)
		if s.eof() {
			return segs, false
		}
		switch c := s.src[s.pos]; {
		case c == '"' || c == '\'':
			seg, ok := s.quoted(c)
			if !ok {
				return segs, false
			}
			segs = append(segs, seg)
		case isBare(c):
			start := s.pos
			for !s.eof() && isBare(s.src[s.pos]) {
				s.advance()
			}
			segs = append(segs, string(s.src[start:s.pos]))
		default:
			return segs, false
		}
		s.skipSpace(false)
		if s.peek(0) != '.' {
			return segs, len(segs) > 0
		}
		s.advance()
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// quoted reads a single-line quoted string starting at the quote q.
func (s *keyScanner) quoted(q byte) (string, bool) {
	s.advance()
	var b strings.Builder
	for !s.eof() {
		c := s.src[s.pos]
		switch {
		case c == '\n':
			return b.String(), false
		case c == q:
			s.advance()
			return b.String(), true
		case c == '\\' && q == '"':
			s.advance()
			if !s.eof() {
				b.WriteByte(s.src[s.pos])
				s.advance()
			}
		default:
			b.WriteByte(c)
			s.advance()
		}
	}
	return b.String(), false
}

// value skips one value, recording the keys of inline tables inside it.
func (s *keyScanner) value(path string, raw []string) {
	s.skipSpace(false)
	if s.eof() {
		return
	}
	switch c := s.src[s.pos]; c {
	case '"', '\'':
		if s.peek(1) == c && s.peek(2) == c {
			s.multiline(c)
		} else {
			s.quoted(c)
		}
	case '[':
		s.advance()
		for i := 0; ; i++ {
			s.skipSpace(true)
			if s.eof() {
				return
			}
			if s.src[s.pos] == ']' {
				s.advance()
				return
			}
			start := s.pos
			s.value(path+"["+strconv.Itoa(i)+"]", raw)
			s.skipSpace(true)
			if s.peek(0) == ',' {
				s.advance()
			} else if s.pos == start {
				s.advance()
			}
		}
	case '{':
		s.advance()
		for {
			s.skipSpace(false)
			if s.eof() || s.src[s.pos] == '\n' {
				return
			}
			if s.src[s.pos] == '}' {
				s.advance()
				return
			}
			start := s.pos
			segs, ok := s.key()
			s.skipSpace(false)
			if ok && s.peek(0) == '=' {
				s.advance()
				p := joinPath(path, segs)
				r := append(append([]string(nil), raw...), segs...)
				s.record(p, r, s.line)
				s.value(p, r)
			}
			s.skipSpace(false)
			if s.peek(0) == ',' {
				s.advance()
			} else if s.pos == start {
				s.advance()
			}
		}
	default:
		for !s.eof() {
			switch s.src[s.pos] {
			case ',', ']', '}', '\n', '#':
				return
			}
			s.advance()
		}
	}
}

func (s *keyScanner) multiline(q byte) {
	s.advance()
	s.advance()
	s.advance()
	for !s.eof() {
		if s.src[s.pos] == '\\' && q == '"' {
			s.advance()
			s.advance()
			continue
		}
		if s.src[s.pos] == q && s.peek(1) == q && s.peek(2) == q {
			s.advance()
			s.advance()
			s.advance()
			// A closing run may hold up to two more quotes.
			for i := 0; i < 2 && s.peek(0) == q; i++ {
				s.advance()
			}
			return
		}
		s.advance()
	}
}

func joinSeg(prefix, seg string) string {
	if prefix == "" {
		return seg
	}
	return prefix + "." + seg
}

func joinPath(prefix string, segs []string) string {
	p := prefix
	for _, seg := range segs {
		p = joinSeg(p, seg)
	}
	return p
}
