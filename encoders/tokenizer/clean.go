package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxSegment is the longest run of code points ftfy fixes as one piece
// (its max_decode_length); longer lines are cut there.
const maxSegment = 1_000_000

// Clean returns text as OpenAI's CLIP tokenizer sees it before splitting it
// into words: ftfy's default fixes (mojibake repair included), HTML entities
// unescaped twice more, whitespace runs collapsed to one space, trimmed and
// lowercased (see the package documentation). Each run of invalid UTF-8
// bytes first becomes one U+FFFD.
func Clean(text string) string {
	text = strings.ToValidUTF8(text, "\ufffd")
	text = fixText(text)
	text = unescapeHTML(unescapeHTML(text))
	text = collapseSpace(text)
	return pyLower(text)
}

// fixText applies ftfy.fix_text's default fixers one line at a time. Once a line holds "<" (it may be HTML), HTML
// entities are left alone in it and in every later line.
func fixText(text string) string {
	if !needsFix(text) {
		return text
	}
	var b strings.Builder
	entities := true
	for pos := 0; pos < len(text); {
		end := len(text)
		if i := strings.IndexByte(text[pos:], '\n'); i >= 0 {
			end = pos + i + 1
		}
		if end-pos > maxSegment {
			end = pos + runePrefix(text[pos:end], maxSegment)
		}
		seg := text[pos:end]
		if strings.IndexByte(seg, '<') >= 0 {
			entities = false
		}
		seg = fixSegment(seg, entities)
		if pos == 0 && end == len(text) {
			return seg // one segment: no copy
		}
		b.WriteString(seg)
		pos = end
	}
	return b.String()
}

// runePrefix is the length in bytes of the first n code points of s.
func runePrefix(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// needsFix reports whether text may need ftfy's fixes: it holds a byte
// outside printable ASCII other than tab, line feed, form feed and carriage
// return, or an '&'. (A carriage return only becomes a line feed, which
// changes nothing once whitespace is collapsed.)
func needsFix(text string) bool {
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= 0x7f || c == '&' || (c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r') {
			return true
		}
	}
	return false
}

// fixSegment runs the fixers over one segment until nothing changes, as
// ftfy's fix_and_explain does.
func fixSegment(s string, entities bool) string {
	for {
		before := s
		if entities {
			s = unescapeFtfy(s)
		}
		s = fixEncoding(s)
		s = mapRunes(s)
		if strings.IndexByte(s, 0x1b) >= 0 {
			s = removeTerminalEscapes(s)
		}
		s = removeControls(s)
		s = norm.NFC.String(s)
		if s == before {
			return s
		}
	}
}

// mapRunes applies, per character, ftfy's fix_c1_controls,
// fix_latin_ligatures, fix_character_width, uncurl_quotes and
// fix_line_breaks. Doing them in one pass is the same as one after another:
// no fixer produces a character an earlier one maps, and none produces or
// consumes "\r" or "\n" except the line-break fix.
func mapRunes(s string) string {
	var b *strings.Builder
	for i, r := range s {
		out, changed := mapRune(r, s[i+utf8.RuneLen(r):])
		if !changed {
			if b != nil {
				b.WriteRune(r)
			}
			continue
		}
		if b == nil {
			b = new(strings.Builder)
			b.Grow(len(s))
			b.WriteString(s[:i])
		}
		b.WriteString(out)
	}
	if b == nil {
		return s
	}
	return b.String()
}

// mapRune is mapRunes for one character; rest is the text after it.
func mapRune(r rune, rest string) (string, bool) {
	switch {
	case r < 0x80:
		if r == '\r' {
			if strings.HasPrefix(rest, "\n") {
				return "", true
			}
			return "\n", true
		}
		return "", false
	case r <= 0x9f:
		r = c1Windows1252[r-0x80]
		if r >= 0x80 && r <= 0x9f {
			return "", false // undefined in Windows-1252: unchanged
		}
		return string(uncurlMap(r)), true
	case r == 0x2028 || r == 0x2029:
		return "\n", true
	}
	if s, ok := ligatures[r]; ok {
		return strings.Map(uncurlMap, s), true
	}
	if s, ok := widthMap[r]; ok {
		return strings.Map(uncurlMap, s), true
	}
	if u := uncurlMap(r); u != r {
		return string(u), true
	}
	return "", false
}

// uncurlMap straightens curly quotes, as ftfy's uncurl_quotes does.
func uncurlMap(r rune) rune {
	switch {
	case r == 0x02bc || (r >= 0x2018 && r <= 0x201b):
		return '\''
	case r >= 0x201c && r <= 0x201f:
		return '"'
	}
	return r
}

// removeTerminalEscapes drops ANSI escapes: ESC '[' then digits (any
// Unicode decimal digit) and ';' then one ASCII letter.
func removeTerminalEscapes(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != 0x1b || i+1 >= len(s) || s[i+1] != '[' {
			continue
		}
		j := i + 2
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if r != ';' && !unicode.IsDigit(r) {
				break
			}
			j += n
		}
		if j < len(s) && isASCIILetter(s[j]) {
			b.WriteString(s[last:i])
			last = j + 1
			i = j
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// isControl reports the characters ftfy's remove_control_chars deletes.
func isControl(r rune) bool {
	switch {
	case r < 0x20:
		return r <= 0x08 || r == 0x0b || r >= 0x0e
	case r == 0x7f, r >= 0x206a && r <= 0x206f, r == 0xfeff, r >= 0xfff9 && r <= 0xfffc:
		return true
	}
	return false
}

func removeControls(s string) string {
	for i, r := range s {
		if isControl(r) {
			var b strings.Builder
			b.Grow(len(s))
			b.WriteString(s[:i])
			for _, r := range s[i:] {
				if !isControl(r) {
					b.WriteRune(r)
				}
			}
			return b.String()
		}
	}
	return s
}

// unescapeFtfy decodes what ftfy's unescape_html decodes: "&name;" for
// HTML5 names that end in ';', their all-caps spellings where unambiguous,
// and numeric references "&#...;" that decode in full.
func unescapeFtfy(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			continue
		}
		j := i + 1
		hash := j < len(s) && s[j] == '#'
		if hash {
			j++
		}
		k := j
		for k < len(s) && isASCIIAlnum(s[k]) {
			k++
		}
		if n := k - j; n < 1 || n > 24 || k >= len(s) || s[k] != ';' {
			continue
		}
		ent := s[i : k+1]
		var out string
		ok := false
		if hash {
			if u := unescapeHTML(ent); strings.IndexByte(u, ';') < 0 {
				out, ok = u, true
			}
		} else if v, found := html5Entities[ent[1:]]; found {
			out, ok = v, true
		} else if v, found := upperEntities[ent]; found {
			out, ok = v, true
		}
		if ok {
			b.WriteString(s[last:i])
			b.WriteString(out)
			last = k + 1
		}
		i = k
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isASCIIAlnum(c byte) bool { return isASCIILetter(c) || '0' <= c && c <= '9' }

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unescapeHTML is Python's html.unescape: numeric references (with or
// without ';') by the HTML5 rules, named references (with or without ';',
// the longest legacy name that prefixes an unknown one).
func unescapeHTML(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			continue
		}
		out, end, ok := charref(s, i)
		if !ok {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(out)
		last = end
		i = end - 1
	}
	b.WriteString(s[last:])
	return b.String()
}

// charref decodes the reference starting at s[i] == '&'; end is the index
// after it.
func charref(s string, i int) (out string, end int, ok bool) {
	j := i + 1
	if j < len(s) && s[j] == '#' {
		j++
		base := 10
		digits := j
		if j < len(s) && (s[j] == 'x' || s[j] == 'X') && j+1 < len(s) && isHexDigit(s[j+1]) {
			base = 16
			digits = j + 1
		}
		k := digits
		for k < len(s) && (base == 16 && isHexDigit(s[k]) || base == 10 && '0' <= s[k] && s[k] <= '9') {
			k++
		}
		if k == digits {
			return "", 0, false
		}
		num := parseRef(s[digits:k], base)
		if k < len(s) && s[k] == ';' {
			k++
		}
		return numericRef(num), k, true
	}
	// [^\t\n\f <&#;]{1,32};? over code points.
	k := j
	for n := 0; n < 32 && k < len(s); n++ {
		r, size := utf8.DecodeRuneInString(s[k:])
		if r == '\t' || r == '\n' || r == '\f' || r == ' ' || r == '<' || r == '&' || r == '#' || r == ';' {
			break
		}
		k += size
	}
	if k == j {
		return "", 0, false
	}
	if k < len(s) && s[k] == ';' {
		k++
	}
	name := s[j:k]
	if v, found := html5Entities[name]; found {
		return v, k, true
	}
	// The longest prefix of at least two code points that is a name.
	var cuts []int
	for p := range name {
		cuts = append(cuts, p)
	}
	for x := len(cuts) - 1; x >= 2; x-- {
		if v, found := html5Entities[name[:cuts[x]]]; found {
			return v + name[cuts[x]:], k, true
		}
	}
	return "", 0, false
}

// parseRef parses digits in base, saturating above the largest code point.
func parseRef(digits string, base int) int {
	n := 0
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var d int
		switch {
		case c <= '9':
			d = int(c - '0')
		case c >= 'a':
			d = int(c-'a') + 10
		default:
			d = int(c-'A') + 10
		}
		n = n*base + d
		if n > unicode.MaxRune {
			return unicode.MaxRune + 1
		}
	}
	return n
}

// numericRef is the text of numeric reference num under HTML5's rules.
func numericRef(num int) string {
	if v, ok := invalidCharrefs[num]; ok {
		return v
	}
	if num >= 0xd800 && num <= 0xdfff || num > unicode.MaxRune {
		return "\ufffd"
	}
	for _, r := range invalidCodepoints {
		if rune(num) >= r[0] && rune(num) <= r[1] {
			return ""
		}
	}
	return string(rune(num))
}

// isPySpace is Python's str.isspace: Unicode White_Space plus U+001C..U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}

// collapseSpace is OpenAI's strip, whitespace_clean (the regex module's \s,
// which is Unicode White_Space) and strip again.
func collapseSpace(s string) string {
	s = strings.TrimFunc(s, isPySpace)
	if !needsCollapse(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	inSpace := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !inSpace {
				b.WriteByte(' ')
				inSpace = true
			}
			continue
		}
		inSpace = false
		b.WriteRune(r)
	}
	return strings.TrimFunc(b.String(), isPySpace)
}

// needsCollapse reports whether s has a whitespace run other than one ' '.
func needsCollapse(s string) bool {
	prev := false
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if sp && (r != ' ' || prev) {
			return true
		}
		prev = sp
	}
	return false
}

// pyLower is Python's str.lower: Unicode default lowercasing with the
// unconditional special case İ -> "i̇" and the final-sigma rule (Σ before
// no further cased letter, after a cased one, becomes ς).
func pyLower(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return asciiLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch r {
		case 0x130:
			b.WriteString("i\u0307")
		case 0x3a3:
			if finalSigma(s, i) {
				b.WriteRune(0x3c2)
			} else {
				b.WriteRune(0x3c3)
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// finalSigma reports whether the Σ at s[i] is in Unicode's Final_Sigma
// context: a cased letter before it (skipping case-ignorable characters)
// and none after it.
func finalSigma(s string, i int) bool {
	before := false
	for j := i; j > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		j -= n
		if !isCaseIgnorable(r) {
			before = isCased(r)
			break
		}
	}
	if !before {
		return false
	}
	for _, r := range s[i+utf8.RuneLen(0x3a3):] {
		if !isCaseIgnorable(r) {
			return !isCased(r)
		}
	}
	return true
}

// isCased is Unicode's Cased property: Lowercase, Uppercase or Lt.
func isCased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// isCaseIgnorable is Unicode's Case_Ignorable property: Mn, Me, Cf, Lm, Sk
// and the Word_Break classes MidLetter, MidNumLet and Single_Quote.
func isCaseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', 0xb7, 0x387, 0x55f, 0x5f4, 0x2018, 0x2019, 0x2024, 0x2027,
		0xfe13, 0xfe52, 0xfe55, 0xff07, 0xff0e, 0xff1a:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
