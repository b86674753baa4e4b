package tokenizer

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// This file is ftfy's mojibake repair (fix_encoding, the step of fix_text
// that undoes text decoded in the wrong encoding), written from its
// documented algorithm; the character data it decides with is generated
// from ftfy into mojibake_tables.go. One step:
//
//  1. Text that is ASCII, or that the badness heuristic finds nothing odd
//     in, is left alone.
//  2. Otherwise each single-byte encoding (Latin-1, the "sloppy" Windows
//     code pages, ISO-8859-2, Mac Roman, CP437), in order, that can encode
//     the whole text does so; the bytes are repaired where a no-break space
//     became a space (restore_byte_a0, not for Mac Roman) or, for the sloppy
//     code pages, where a lost byte left U+FFFD (replace_lossy_sequences);
//     the first whose bytes decode as UTF-8 (or the UTF-8 variants Java and
//     CESU-8 write, when the bytes hold 0xED or 0xC0) wins.
//  3. Else runs that look like UTF-8 mojibake inside other text are fixed
//     one by one (decode_inconsistent_utf8).
//  4. Else text that is Latin-1 but not Windows-1252 is read as
//     Windows-1252; else C1 controls become their Windows-1252 characters.
//
// Steps repeat until the text stops changing.

// runeSet is a sorted list of code point ranges.
type runeSet [][2]rune

func (s runeSet) has(r rune) bool {
	i := sort.Search(len(s), func(i int) bool { return s[i][1] >= r })
	return i < len(s) && s[i][0] <= r
}

// class writes s as the body of a regexp character class.
func (s runeSet) class() string {
	var b strings.Builder
	for _, r := range s {
		if r[0] == r[1] {
			fmt.Fprintf(&b, `\x{%x}`, r[0])
		} else {
			fmt.Fprintf(&b, `\x{%x}-\x{%x}`, r[0], r[1])
		}
	}
	return b.String()
}

// charmap is one single-byte encoding: its decode table and the reverse.
type charmap struct {
	name   string
	decode [256]rune
	encode map[rune]byte
	// sloppy code pages encode U+FFFD as byte 0x1A.
	sloppy bool
}

var (
	mojibakeOnce sync.Once
	charmaps     []*charmap
	badnessRE    *regexp.Regexp
	firstOf2     runeSet
	firstOf3     runeSet
	firstOf4     runeSet
	continuation runeSet
	contStrict   runeSet
)

func initMojibake() {
	for i, name := range charmapNames {
		c := &charmap{name: name, decode: charmapTables[i], encode: map[rune]byte{}, sloppy: strings.HasPrefix(name, "sloppy-")}
		for b := 0x80; b < 0x100; b++ {
			if _, dup := c.encode[c.decode[b]]; !dup {
				c.encode[c.decode[b]] = byte(b)
			}
		}
		if _, dup := c.encode[c.decode[0x1a]]; !dup {
			c.encode[c.decode[0x1a]] = 0x1a
		}
		charmaps = append(charmaps, c)
	}
	firstOf2, firstOf3, firstOf4 = utf8Clues["utf8_first_of_2"], utf8Clues["utf8_first_of_3"], utf8Clues["utf8_first_of_4"]
	continuation, contStrict = utf8Clues["utf8_continuation"], utf8Clues["utf8_continuation_strict"]
	for _, s := range []runeSet{firstOf2, firstOf3, firstOf4, continuation, contStrict} {
		if len(s) == 0 {
			panic("tokenizer: empty UTF-8 clue set")
		}
	}
	badnessRE = regexp.MustCompile(badnessPattern())
}

// badnessPattern is ftfy's heuristic: character sequences much more likely
// to be mojibake than intended text, over its character categories.
func badnessPattern() string {
	cat := func(names ...string) string {
		var b strings.Builder
		for _, n := range names {
			set, ok := mojibakeCategories[n]
			if !ok {
				panic("tokenizer: no mojibake category " + n)
			}
			b.WriteString(runeSet(set).class())
		}
		return b.String()
	}
	lit := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			fmt.Fprintf(&b, `\x{%x}`, r)
		}
		return b.String()
	}
	// Python's \s and \w over Unicode.
	const space = `[\t\n\v\f\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]`
	const word = `[\p{L}\p{N}_]`
	accented := cat("lower_accented", "upper_accented")
	rules := []string{
		"[" + cat("c1") + "]",
		"[" + cat("bad") + accented + cat("box", "start_punctuation", "end_punctuation", "currency", "numeric", "law") + "][" + cat("bad") + "]",
		"[a-zA-Z][" + cat("lower_common", "upper_common") + "][" + cat("bad") + "]",
		"[" + cat("bad") + "][" + accented + cat("box", "start_punctuation", "end_punctuation", "currency", "numeric", "law") + "]",
		"[" + cat("lower_accented", "lower_common", "box", "end_punctuation", "currency", "numeric") + "][" + cat("upper_accented") + "]",
		"[" + cat("box", "end_punctuation", "currency", "numeric") + "][" + cat("lower_accented") + "]",
		"[" + cat("lower_accented", "box", "end_punctuation") + "][" + cat("currency") + "]",
		space + "[" + cat("upper_accented") + "][" + cat("currency") + "]",
		"[" + cat("upper_accented", "box") + "][" + cat("numeric", "law") + "]",
		"[" + accented + cat("box", "currency", "end_punctuation") + "][" + cat("start_punctuation") + "][" + cat("numeric") + "]",
		"[" + accented + cat("currency", "numeric", "box", "law") + "][" + cat("end_punctuation") + "][" + cat("start_punctuation") + "]",
		"[" + cat("currency", "numeric", "box") + "][" + cat("start_punctuation") + "]",
		"[a-z][" + cat("upper_accented") + "][" + cat("start_punctuation", "currency") + "]",
		"[" + cat("box") + "][" + cat("kaomoji") + "]",
		"[" + accented + cat("currency", "numeric", "start_punctuation", "end_punctuation", "law") + "][" + cat("box") + "]",
		"[" + cat("box") + "][" + cat("end_punctuation") + "]",
		"[" + accented + "][" + cat("start_punctuation", "end_punctuation") + "]" + word,
		// Specific sequences of Latin-1 and Windows-1252 mojibake.
		"[" + lit("Œœ") + "][^A-Za-z]",
		"[" + cat("upper_accented") + "]" + lit("°"),
		"[" + lit("ÂÃÎÐ") + "][" + lit("€œŠš¢£Ÿž\u00a0\u00ad®©°·»") + cat("start_punctuation", "end_punctuation") + lit("–—´") + "]",
		lit("×") + "[" + lit("²³") + "]",
		// Arabic in Windows-1252 read as UTF-8 Latin.
		strings.Repeat("["+lit("ØÙ")+"]["+cat("common", "currency", "bad", "numeric", "start_punctuation")+lit("ŸŠ®°µ»")+"]", 2),
		lit("à") + "[" + lit("²µ¹¼½¾") + "]",
		// Mac Roman mojibake.
		lit("√") + "[" + lit("±∂†≠®™´≤≥¥µø") + "]",
		lit("≈") + "[" + lit("°¢") + "]",
		lit("‚Ä") + "[" + lit("ìîïòôúùû†°¢π") + "]",
		lit("‚") + "[" + lit("âó") + "][" + lit("àä°ê") + "]",
		// Cyrillic (Windows-1251) mojibake.
		lit("вЂ"),
		"[" + lit("ВГРС") + "][" + cat("c1", "bad", "start_punctuation", "end_punctuation", "currency") + lit("°µ") + "][" + lit("ВГРС") + "]",
		lit("ГўВЂВ") + ".[A-Za-z ]",
		// Latin-1 mojibake where byte A0 or the space after an à was altered.
		lit("Ã") + "[" + lit("\u00a0¡") + "]",
		"[a-z]" + space + "?[" + lit("ÃÂ") + "][ ]",
		"^[" + lit("ÃÂ") + "][ ]",
		"[a-z.,?!" + cat("end_punctuation") + "]" + lit("Â") + "[ " + cat("start_punctuation", "end_punctuation") + "]",
		// Greek (Windows-1253) mojibake.
		lit("β€") + "[" + lit("™\u00a0Ά\u00ad®°") + "]",
		"[" + lit("ΒΓΞΟ") + "][" + cat("c1", "bad", "start_punctuation", "end_punctuation", "currency") + lit("°") + "][" + lit("ΒΓΞΟ") + "]",
		// Windows-1257 mojibake.
		lit("ā€"),
	}
	return strings.Join(rules, "|")
}

// isBad reports whether text holds a sequence that looks like mojibake.
func isBad(text string) bool {
	mojibakeOnce.Do(initMojibake)
	return badnessRE.MatchString(text)
}

// possibleEncoding reports whether every character of text has a byte in
// c (ASCII other than 0x1A, or one of the table's characters for bytes
// 0x80-0xFF and 0x1A).
func (c *charmap) possible(text string) bool {
	for _, r := range text {
		if r < 0x80 && r != 0x1a {
			continue
		}
		if _, ok := c.encode[r]; !ok {
			return false
		}
	}
	return true
}

// encodeText writes text in c (possible must hold).
func (c *charmap) encodeText(text string) []byte {
	out := make([]byte, 0, len(text))
	for _, r := range text {
		if r < 0x80 && r != 0x1a {
			out = append(out, byte(r))
			continue
		}
		out = append(out, c.encode[r])
	}
	return out
}

// isASCII reports whether text is all ASCII.
func isASCII(text string) bool {
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			return false
		}
	}
	return true
}

// fixEncoding repeats fixEncodingStep until the text stops changing.
func fixEncoding(text string) string {
	mojibakeOnce.Do(initMojibake)
	for {
		next := fixEncodingStep(text)
		if next == text {
			return text
		}
		text = next
	}
}

func fixEncodingStep(text string) string {
	if text == "" || isASCII(text) || !isBad(text) {
		return text
	}
	var possible []string
	for _, c := range charmaps {
		if !c.possible(text) {
			continue
		}
		possible = append(possible, c.name)
		b := c.encodeText(text)
		if c.name != "macroman" && hasAlteredUTF8(b) {
			b = restoreByteA0(b)
		}
		if c.sloppy {
			b = replaceLossy(b)
		}
		variants := false
		for _, x := range b {
			if x == 0xed || x == 0xc0 {
				variants = true
				break
			}
		}
		if s, ok := decodeUTF8(b, variants); ok {
			return s
		}
	}
	if hasUTF8Run(text) {
		if fixed := decodeInconsistentUTF8(text); fixed != text {
			return fixed
		}
	}
	if contains(possible, "latin-1") {
		if contains(possible, "sloppy-windows-1252") {
			return text
		}
		// Latin-1 but not Windows-1252: read as Windows-1252 (strict: an
		// undefined byte leaves the text as it is).
		if fixed, ok := latin1AsWindows1252(text); ok && fixed != text {
			return fixed
		}
	}
	if hasC1(text) {
		return fixC1(text)
	}
	return text
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// latin1AsWindows1252 reads text's Latin-1 bytes as strict Windows-1252.
func latin1AsWindows1252(text string) (string, bool) {
	win := charmaps[1] // sloppy-windows-1252: undefined bytes pass through
	var b strings.Builder
	for _, r := range text {
		if r >= 0x80 && r <= 0x9f {
			if d := win.decode[r]; d == r {
				return "", false // undefined in strict Windows-1252
			}
		}
		if r < 0x100 && r != 0x1a {
			b.WriteRune(win.decode[r])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String(), true
}

func hasC1(text string) bool {
	for _, r := range text {
		if r >= 0x80 && r <= 0x9f {
			return true
		}
	}
	return false
}

// fixC1 reads C1 controls as their (sloppy) Windows-1252 characters.
func fixC1(text string) string {
	win := charmaps[1]
	var b strings.Builder
	for _, r := range text {
		if r >= 0x80 && r <= 0x9f {
			r = win.decode[r]
		}
		b.WriteRune(r)
	}
	return b.String()
}

// decodeUTF8 decodes b as strict UTF-8, or with variants also as Java's
// C0 80 for NUL and CESU-8's six-byte surrogate pairs.
func decodeUTF8(b []byte, variants bool) (string, bool) {
	if !variants {
		if !utf8.Valid(b) {
			return "", false
		}
		return string(b), true
	}
	var out strings.Builder
	for i := 0; i < len(b); {
		if b[i] == 0xc0 && i+1 < len(b) && b[i+1] == 0x80 {
			out.WriteByte(0)
			i += 2
			continue
		}
		if b[i] == 0xed && i+5 < len(b) && b[i+1] >= 0xa0 && b[i+1] <= 0xaf && b[i+2] >= 0x80 && b[i+2] <= 0xbf &&
			b[i+3] == 0xed && b[i+4] >= 0xb0 && b[i+4] <= 0xbf && b[i+5] >= 0x80 && b[i+5] <= 0xbf {
			cp := rune(b[i+1]&0x0f)<<16 | rune(b[i+2]&0x3f)<<10 | rune(b[i+4]&0x0f)<<6 | rune(b[i+5]&0x3f)
			out.WriteRune(cp + 0x10000)
			i += 6
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return "", false
		}
		out.WriteRune(r)
		i += n
	}
	return out.String(), true
}

// altCont reports whether x is a continuation byte other than 0x85 and
// 0xA0 (which text processing commonly mangles).
func altCont(x byte) bool { return x >= 0x80 && x <= 0xbf && x != 0x85 && x != 0xa0 }

// alteredAt matches, at b[i:], a UTF-8 sequence whose 0xA0 byte became a
// space, returning its length (0: no match).
func alteredAt(b []byte, i int) int {
	at := func(j int) byte {
		if i+j < len(b) {
			return b[i+j]
		}
		return 0
	}
	x := at(0)
	cont := func(c byte) bool { return c >= 0x80 && c <= 0xbf }
	switch {
	case i+1 < len(b) && (x == 0xc2 || x == 0xc3 || x == 0xc5 || x == 0xce || x == 0xd0 || x == 0xd9) && at(1) == ' ':
		return 2
	case i+2 < len(b) && (x == 0xe2 || x == 0xe3) && at(1) == ' ' && altCont(at(2)):
		return 3
	case i+2 < len(b) && x >= 0xe0 && x <= 0xe3 && altCont(at(1)) && at(2) == ' ':
		return 3
	case i+3 < len(b) && x == 0xf0 && at(1) == ' ' && cont(at(2)) && cont(at(3)):
		return 4
	case i+3 < len(b) && x == 0xf0 && cont(at(1)) && at(2) == ' ' && cont(at(3)):
		return 4
	case i+3 < len(b) && x == 0xf0 && cont(at(1)) && cont(at(2)) && at(3) == ' ':
		return 4
	}
	return 0
}

func hasAlteredUTF8(b []byte) bool {
	for i := range b {
		if alteredAt(b, i) > 0 {
			return true
		}
	}
	return false
}

// restoreByteA0 puts back the 0xA0 bytes turned into spaces: first "Ã "
// before a word (the common "Ã la" for "à la") becomes "à ", then every
// altered sequence gets its space back as 0xA0.
func restoreByteA0(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == 0xc3 && i+1 < len(b) && b[i+1] == ' ' && !aGraveException(b[i+2:]) {
			out = append(out, 0xc3, 0xa0, ' ')
			i++
			continue
		}
		out = append(out, b[i])
	}
	b = out
	out = make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if n := alteredAt(b, i); n > 0 {
			for _, x := range b[i : i+n] {
				if x == ' ' {
					x = 0xa0
				}
				out = append(out, x)
			}
			i += n
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// aGraveException: after "Ã ", these begin Portuguese words ("às", "àquele")
// where the space really follows the Ã... or another space follows.
func aGraveException(rest []byte) bool {
	for _, p := range []string{" ", "quele", "quela", "quilo", "s "} {
		if strings.HasPrefix(string(rest), p) {
			return true
		}
	}
	return false
}

// lossyAt matches, at b[i:], a UTF-8 sequence in which a sloppy code page
// lost bytes (0x1A) or a question mark stands for them, returning its
// length (0: no match).
func lossyAt(b []byte, i int) int {
	n := len(b) - i
	at := func(j int) byte { return b[i+j] }
	sub := func(c byte) bool { return c == 0x1a }
	subQ := func(c byte) bool { return c == 0x1a || c == '?' }
	subC := func(c byte) bool { return c == 0x1a || (c >= 0x80 && c <= 0xbf) }
	subQC := func(c byte) bool { return c == 0x1a || c == '?' || (c >= 0x80 && c <= 0xbf) }
	x := at(0)
	switch {
	case n >= 2 && x >= 0xc2 && x <= 0xdf && sub(at(1)):
		return 2
	case n >= 2 && (x == 0xc2 || x == 0xc3) && at(1) == '?':
		return 2
	case n >= 6 && x == 0xed && at(1) >= 0xa0 && at(1) <= 0xaf && subQ(at(2)) && at(3) == 0xed && at(4) >= 0xb0 && at(4) <= 0xbf && subQC(at(5)):
		return 6
	case n >= 6 && x == 0xed && at(1) >= 0xa0 && at(1) <= 0xaf && subQC(at(2)) && at(3) == 0xed && at(4) >= 0xb0 && at(4) <= 0xbf && subQ(at(5)):
		return 6
	case n >= 3 && x >= 0xe0 && x <= 0xef && subQ(at(1)) && subC(at(2)):
		return 3
	case n >= 3 && x >= 0xe0 && x <= 0xef && subC(at(1)) && subQ(at(2)):
		return 3
	case n >= 4 && x >= 0xf0 && x <= 0xf4 && subQ(at(1)) && subC(at(2)) && subC(at(3)):
		return 4
	case n >= 4 && x >= 0xf0 && x <= 0xf4 && subC(at(1)) && subQ(at(2)) && subC(at(3)):
		return 4
	case n >= 4 && x >= 0xf0 && x <= 0xf4 && subC(at(1)) && subC(at(2)) && subQ(at(3)):
		return 4
	case sub(x):
		return 1
	}
	return 0
}

// replaceLossy turns each lossy UTF-8 sequence into the UTF-8 of U+FFFD.
func replaceLossy(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if n := lossyAt(b, i); n > 0 {
			out = append(out, 0xef, 0xbf, 0xbd)
			i += n
			continue
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// utf8RunAt matches, at runes[i:], one or more characters that look like
// the bytes of UTF-8 sequences read in a single-byte encoding (a lead
// byte's character, then continuation characters or spaces), unless the
// character before is a strict continuation character; it returns the
// run's length in runes (0: no match).
func utf8RunAt(rs []rune, i int) int {
	if i > 0 && contStrict.has(rs[i-1]) {
		return 0
	}
	j := i
	for {
		n := utf8UnitAt(rs, j)
		if n == 0 {
			break
		}
		j += n
	}
	return j - i
}

// utf8UnitAt matches one lead character and its continuations at rs[j:].
func utf8UnitAt(rs []rune, j int) int {
	conts := func(from, n int) bool {
		if from+n > len(rs) {
			return false
		}
		for k := from; k < from+n; k++ {
			if !continuation.has(rs[k]) {
				return false
			}
		}
		return true
	}
	if j >= len(rs) {
		return 0
	}
	r := rs[j]
	switch {
	case firstOf2.has(r) && conts(j+1, 1):
		return 2
	case firstOf3.has(r) && conts(j+1, 2):
		return 3
	case firstOf4.has(r) && conts(j+1, 3):
		return 4
	}
	return 0
}

func hasUTF8Run(text string) bool {
	rs := []rune(text)
	for i := range rs {
		if utf8RunAt(rs, i) > 0 {
			return true
		}
	}
	return false
}

// decodeInconsistentUTF8 fixes each run of UTF-8 mojibake embedded in
// other text on its own, when the run (shorter than the text) looks bad.
func decodeInconsistentUTF8(text string) string {
	rs := []rune(text)
	var b strings.Builder
	for i := 0; i < len(rs); {
		n := utf8RunAt(rs, i)
		if n == 0 {
			b.WriteRune(rs[i])
			i++
			continue
		}
		sub := string(rs[i : i+n])
		if n < len(rs) && isBad(sub) {
			sub = fixEncoding(sub)
		}
		b.WriteString(sub)
		i += n
	}
	return b.String()
}
