package tokenizer

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestUnescapeHTML checks Python's html.unescape behaviour; expected values
// are what Python 3.11's html.unescape returns.
func TestUnescapeHTML(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"&amp;", "&"},
		{"&amp", "&"},
		{"&ampx", "&x"},
		{"&ampx;", "&x;"},
		{"&AMP;", "&"},
		{"&#65;", "A"},
		{"&#x41;", "A"},
		{"&#X41", "A"},
		{"&#;", "&#;"},
		{"&#x;", "&#x;"},
		{"&#0;", "\ufffd"},
		{"&#1;", ""},
		{"&#128;", "€"},
		{"&#xD800;", "\ufffd"},
		{"&#1114112;", "\ufffd"},
		{"&#99999999999999999999999;", "\ufffd"},
		{"&notit;", "¬it;"},
		{"&notin;", "∉"},
		{"&a;", "&a;"},
		{"&b", "&b"},
		{"&lt&gt", "<>"},
		{"&&amp;", "&&"},
		{"&#65&#66;", "AB"},
		{"&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;", "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;"},
		{"&NotNestedGreaterGreater;", "⪢̸"},
		{"&nbsp;x", "\u00a0x"},
		{"&#x1F600;", "😀"},
		{"no entity", "no entity"},
	} {
		if got := unescapeHTML(c.in); got != c.want {
			t.Errorf("unescapeHTML(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestFixText checks ftfy's documented examples (those not about mojibake).
func TestFixText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Broken text&hellip; it&#x2019;s ﬂubberiﬁc!", "Broken text… it's flubberific!"},
		{"HTML entities &lt;3", "HTML entities <3"},
		{"<em>HTML entities &lt;3</em>", "<em>HTML entities &lt;3</em>"},
		{"ＬＯＵＤ　ＮＯＩＳＥＳ", "LOUD NOISES"},
		{"\ufeffParty like\nit&rsquo;s 1999!", "Party like\nit's 1999!"},
		{"P&EACUTE;REZ", "PÉREZ"},
		{"BUNDESSTRA&SZLIG;E", "BUNDESSTRASSE"},
		{"&ntilde; &Ntilde; &NTILDE; &nTILDE;", "ñ Ñ Ñ &nTILDE;"},
		{"\x1b[36;44mI'm blue, da ba dee da ba doo...\x1b[0m", "I'm blue, da ba dee da ba doo..."},
		{"\u201chere\u2019s a test\u201d", "\"here's a test\""},
		{"ﬂuﬃeﬆ", "fluffiest"},
		{"Ｕﾀｰﾝ", "Uターン"},
		{"a\r\nb\rc\u2028d", "a\nb\nc\nd"},
		{"&amp;amp;amp;", "&"},
		{"one &amp;\n<b>two</b> &amp;\nthree &amp;", "one &\n<b>two</b> &amp;\nthree &amp;"},
		{"e\u0301", "é"},
	} {
		if got := fixText(c.in); got != c.want {
			t.Errorf("fixText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// pyUnicode is testdata/pyunicode.json.gz: Python's character properties.
type pyUnicode struct {
	PythonUnicode  string    `json:"python_unicode"`
	RegexVersion   string    `json:"regex_version"`
	Assigned       [][2]rune `json:"assigned"`
	Letter         [][2]rune `json:"letter"`
	Number         [][2]rune `json:"number"`
	Space          [][2]rune `json:"space"`
	Lower          [][2]any  `json:"lower"`
	SigmaIgnorable [][2]rune `json:"sigma_ignorable"`
	SigmaCased     [][2]rune `json:"sigma_cased"`
	lower          map[rune]string
}

func inRanges(rs [][2]rune, r rune) bool {
	lo, hi := 0, len(rs)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case r < rs[m][0]:
			hi = m
		case r > rs[m][1]:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// TestUnicodePropertiesMatchPython compares, for every code point assigned
// in Python's Unicode database, the character classes of CLIP's pattern
// (regex module \p{L}, \p{N}, \s), Python's str.lower and the final-sigma
// context with this package's.
func TestUnicodePropertiesMatchPython(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "pyunicode.json.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var py pyUnicode
	if err := json.NewDecoder(zr).Decode(&py); err != nil {
		t.Fatal(err)
	}
	py.lower = map[rune]string{}
	for _, p := range py.Lower {
		py.lower[rune(p[0].(float64))] = p[1].(string)
	}
	t.Logf("Python Unicode %s, regex %s; Go Unicode %s", py.PythonUnicode, py.RegexVersion, unicode.Version)
	bad := 0
	report := func(format string, args ...any) {
		t.Helper()
		if bad++; bad <= 20 {
			t.Errorf(format, args...)
		}
	}
	checked := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !inRanges(py.Assigned, r) || r >= 0xd800 && r <= 0xdfff {
			continue
		}
		checked++
		want := uint8(classOther)
		switch {
		case inRanges(py.Space, r):
			want = classSpace
		case inRanges(py.Letter, r):
			want = classLetter
		case inRanges(py.Number, r):
			want = classNumber
		}
		if got := class(r); got != want {
			report("U+%04X: class %d, Python's regex gives %d", r, got, want)
		}
		lw, ok := py.lower[r]
		if !ok {
			lw = string(r)
		}
		if got := pyLower(string(r)); got != lw {
			report("U+%04X: lower %q, Python gives %q", r, got, lw)
		}
		c := string(r)
		p1 := lastRune(pyLower("A"+c+"Σ")) == 'ς'
		p2 := []rune(pyLower("AΣ" + c))[1] == 'ς'
		wantIgn, wantCased := inRanges(py.SigmaIgnorable, r), inRanges(py.SigmaCased, r)
		if gotIgn, gotCased := p1 && p2, p1 && !p2; gotIgn != wantIgn || gotCased != wantCased {
			report("U+%04X: final-sigma probes ignorable=%v cased=%v, Python gives %v %v", r, gotIgn, gotCased, wantIgn, wantCased)
		}
	}
	if checked < 100000 {
		t.Fatalf("checked only %d code points", checked)
	}
	if bad > 20 {
		t.Errorf("... %d differences in all", bad)
	}
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// TestFixTextLongSegments: ftfy fixes at most 1,000,000 code points at a
// time, so an entity across that boundary stays (as the Python reference
// gives it).
func TestFixTextLongSegments(t *testing.T) {
	across := strings.Repeat("é", maxSegment-2) + "&amp;x"
	if got := fixText(across); !strings.HasSuffix(got, "éé&amp;x") || utf8.RuneCountInString(got) != maxSegment+4 {
		t.Errorf("entity across the segment boundary: ...%q", got[len(got)-12:])
	}
	inside := strings.Repeat("é", maxSegment-10) + "&amp;x"
	if got := fixText(inside); !strings.HasSuffix(got, "éé&x") {
		t.Errorf("entity inside the segment: ...%q", got[len(got)-12:])
	}
}
