package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// The special-token strings CLIP's pattern matches in text.
const (
	StartOfText = "<|startoftext|>"
	EndOfText   = "<|endoftext|>"
)

// contractions are the pattern's contraction alternatives, in its order.
var contractions = [...]string{"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"}

// Character classes of CLIP's pattern.
const (
	classOther  = iota // [^\s\p{L}\p{N}]
	classSpace         // \s: Unicode White_Space
	classLetter        // \p{L}
	classNumber        // \p{N}
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		t[c] = classOf(rune(c))
	}
	return t
}()

func classOf(r rune) uint8 {
	switch {
	case unicode.IsSpace(r):
		return classSpace
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	}
	return classOther
}

func class(r rune) uint8 {
	if r < utf8.RuneSelf {
		return asciiClass[r]
	}
	return classOf(r)
}

// nextWord finds the first word of cleaned text s at or after byte i, as
// CLIP's pattern (matched case-insensitively) finds it:
//
//	<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
//
// It returns the word's bounds, or end < 0 when there is none.
func nextWord(s string, i int) (start, end int) {
	for i < len(s) {
		c := s[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch c {
		case '<':
			if n := foldPrefix(s[i:], StartOfText); n > 0 {
				return i, i + n
			}
			if n := foldPrefix(s[i:], EndOfText); n > 0 {
				return i, i + n
			}
		case '\'':
			for _, p := range contractions {
				if n := foldPrefix(s[i:], p); n > 0 {
					return i, i + n
				}
			}
		}
		cl := class(r)
		switch cl {
		case classSpace:
			i += size
			continue
		case classNumber:
			return i, i + size
		}
		j := i + size
		for j < len(s) {
			r, n := rune(s[j]), 1
			if r >= utf8.RuneSelf {
				r, n = utf8.DecodeRuneInString(s[j:])
			}
			if class(r) != cl {
				break
			}
			j += n
		}
		return i, j
	}
	return len(s), -1
}

// foldPrefix returns the length in bytes of the prefix of s that matches
// the ASCII pattern p under simple case folding (so 's' also matches 'S'
// and U+017F ſ), or 0.
func foldPrefix(s, p string) int {
	i := 0
	for k := 0; k < len(p); k++ {
		if i >= len(s) {
			return 0
		}
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		if !foldEq(r, rune(p[k])) {
			return 0
		}
		i += n
	}
	return i
}

// foldEq reports whether r and the ASCII character c are equal under
// simple case folding.
func foldEq(r, c rune) bool {
	if r == c {
		return true
	}
	if !isASCIILetter(byte(c)) {
		return false
	}
	for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
		if f == r {
			return true
		}
	}
	return false
}
