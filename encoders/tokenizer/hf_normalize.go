package tokenizer

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// normalizer is one step of a tokenizer.json "normalizer".
type normalizer func(string) string

// hfPattern is a tokenizer.json pattern: {"String": s} or {"Regex": re}.
type hfPattern struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

// compile returns a regexp for the pattern (a String is matched literally).
func (p hfPattern) compile() (*regexp.Regexp, error) {
	switch {
	case p.String != nil:
		return regexp.MustCompile(regexp.QuoteMeta(*p.String)), nil
	case p.Regex != nil:
		re, err := regexp.Compile(*p.Regex)
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w (only RE2 syntax is supported)", *p.Regex, err)
		}
		return re, nil
	}
	return nil, fmt.Errorf("pattern has neither String nor Regex")
}

// parseNormalizer builds a normalizer from its JSON (nil for null).
func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	typ, present, err := componentType(raw)
	if !present || err != nil {
		return nil, err
	}
	switch typ {
	case "Sequence":
		members, err := sequenceMembers(raw, "normalizers")
		if err != nil {
			return nil, err
		}
		var steps []normalizer
		for _, r := range members {
			n, err := parseNormalizer(r)
			if err != nil {
				return nil, err
			}
			if n != nil {
				steps = append(steps, n)
			}
		}
		return func(t string) string {
			for _, n := range steps {
				t = n(t)
			}
			return t
		}, nil
	case "NFC":
		return norm.NFC.String, nil
	case "NFD":
		return norm.NFD.String, nil
	case "NFKC":
		return norm.NFKC.String, nil
	case "NFKD":
		return norm.NFKD.String, nil
	case "Lowercase":
		return charLower, nil
	case "StripAccents":
		return stripAccents, nil
	case "Strip":
		var s struct {
			Left  bool `json:"strip_left"`
			Right bool `json:"strip_right"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return func(t string) string {
			if s.Left {
				t = strings.TrimLeftFunc(t, unicode.IsSpace)
			}
			if s.Right {
				t = strings.TrimRightFunc(t, unicode.IsSpace)
			}
			return t
		}, nil
	case "Replace":
		var s struct {
			Pattern hfPattern `json:"pattern"`
			Content string    `json:"content"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		re, err := s.Pattern.compile()
		if err != nil {
			return nil, fmt.Errorf("Replace normalizer: %w", err)
		}
		return func(t string) string { return re.ReplaceAllLiteralString(t, s.Content) }, nil
	case "Prepend":
		var s struct {
			Prepend string `json:"prepend"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return func(t string) string {
			if t == "" {
				return t
			}
			return s.Prepend + t
		}, nil
	case "BertNormalizer":
		var s struct {
			CleanText    *bool `json:"clean_text"`
			ChineseChars *bool `json:"handle_chinese_chars"`
			StripAccents *bool `json:"strip_accents"`
			Lowercase    *bool `json:"lowercase"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		def := func(b *bool, v bool) bool {
			if b == nil {
				return v
			}
			return *b
		}
		clean, cjk, lower := def(s.CleanText, true), def(s.ChineseChars, true), def(s.Lowercase, true)
		strip := def(s.StripAccents, lower)
		return func(t string) string { return bertNormalize(t, clean, cjk, strip, lower) }, nil
	case "Precompiled":
		var s struct {
			Charsmap string `json:"precompiled_charsmap"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if s.Charsmap == "" {
			return nil, nil // an empty charsmap normalizes nothing
		}
		pc, err := parsePrecompiled(s.Charsmap)
		if err != nil {
			return nil, fmt.Errorf("Precompiled normalizer: %w", err)
		}
		return pc.normalize, nil
	case "Nmt":
		return nmtNormalize, nil
	}
	return nil, fmt.Errorf("normalizer type %q is not supported (supported: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Replace, Prepend, BertNormalizer, Precompiled, Nmt)", typ)
}

// charLower lowercases character by character, as Rust's
// char::to_lowercase does (no final-sigma rule; İ is "i̇").
func charLower(t string) string {
	var b strings.Builder
	b.Grow(len(t))
	for _, r := range t {
		if r == 'İ' {
			b.WriteString("i\u0307")
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// stripAccents decomposes (NFD) and drops nonspacing marks.
func stripAccents(t string) string {
	d := norm.NFD.String(t)
	var b strings.Builder
	for _, r := range d {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isCJK reports the CJK ideograph blocks BERT pads with spaces.
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) || (r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) || (r >= 0x2B740 && r <= 0x2B81F) || (r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0x2F800 && r <= 0x2FA1F)
}

// isRustWhitespace is Rust's char::is_whitespace (Unicode White_Space).
func isRustWhitespace(r rune) bool { return unicode.Is(unicode.White_Space, r) }

// isOther is Rust's char::is_other: the C categories.
func isOther(r rune) bool {
	return unicode.In(r, unicode.C) || !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z)
}

// bertNormalize is Hugging Face's BertNormalizer: control characters
// dropped and whitespace made spaces, CJK ideographs spaced, accents
// stripped, lowercased.
func bertNormalize(t string, clean, cjk, strip, lower bool) string {
	var b strings.Builder
	for _, r := range t {
		switch {
		case clean && (r == 0 || r == 0xfffd || (r != '\t' && r != '\n' && r != '\r' && isOther(r))):
			continue
		case clean && (r == '\t' || r == '\n' || r == '\r' || isRustWhitespace(r)):
			b.WriteByte(' ')
		case cjk && isCJK(r):
			b.WriteByte(' ')
			b.WriteRune(r)
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	t = b.String()
	if strip {
		t = stripAccents(t)
	}
	if lower {
		t = charLower(t)
	}
	return t
}

// nmtNormalize is SentencePiece's NMT normalization as Hugging Face's Nmt
// normalizer applies it: some control characters dropped, some spaces made
// ASCII spaces.
func nmtNormalize(t string) string {
	var b strings.Builder
	for _, r := range t {
		switch {
		case (r >= 0x0001 && r <= 0x0008) || r == 0x000B || (r >= 0x000E && r <= 0x001F) || r == 0x007F || r == 0x008F || r == 0x009F:
			continue
		case r == 0x0009 || r == 0x000A || r == 0x000C || r == 0x000D || r == 0x1680 || (r >= 0x200B && r <= 0x200F) ||
			r == 0x2028 || r == 0x2029 || r == 0x2581 || r == 0xFEFF || r == 0xFFFD:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// precompiled is SentencePiece's precompiled character map: a
// darts-clone double-array trie over UTF-8 byte strings whose values index
// NUL-terminated replacements.
type precompiled struct {
	units      []uint32
	normalized []byte
	ascii      [utf8.RuneSelf]*string // each ASCII byte's replacement, nil if none
}

func parsePrecompiled(b64 string) (*precompiled, error) {
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("charsmap is not base64: %w", err)
	}
	if len(data) < 4 {
		return nil, fmt.Errorf("charsmap of %d bytes", len(data))
	}
	size := binary.LittleEndian.Uint32(data)
	if size%4 != 0 || uint64(size) > uint64(len(data)-4) {
		return nil, fmt.Errorf("charsmap trie of %d bytes in %d", size, len(data)-4)
	}
	p := &precompiled{units: make([]uint32, size/4), normalized: data[4+size:]}
	for i := range p.units {
		p.units[i] = binary.LittleEndian.Uint32(data[4+4*i:])
	}
	if len(p.units) == 0 {
		return nil, fmt.Errorf("empty charsmap trie")
	}
	for c := range utf8.RuneSelf {
		if n, ok := p.transform(string(rune(c))); ok {
			p.ascii[c] = &n
		}
	}
	return p, nil
}

func dartsOffset(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }
func dartsLabel(u uint32) uint32  { return u & ((1 << 31) | 0xff) }
func dartsLeaf(u uint32) bool     { return (u>>8)&1 == 1 }
func dartsValue(u uint32) uint32  { return u & ((1 << 31) - 1) }

// firstPrefix returns the value of the shortest key that is a prefix of
// s, as Hugging Face's use of the trie takes the first of its common
// prefix search's results.
func (p *precompiled) firstPrefix(s string) (uint32, bool) {
	pos := dartsOffset(p.units[0])
	for i := 0; i < len(s); i++ {
		pos ^= uint32(s[i])
		if int(pos) >= len(p.units) {
			return 0, false
		}
		u := p.units[pos]
		if dartsLabel(u) != uint32(s[i]) {
			return 0, false
		}
		pos ^= dartsOffset(u)
		if dartsLeaf(u) {
			if int(pos) >= len(p.units) {
				return 0, false
			}
			return dartsValue(p.units[pos]), true
		}
	}
	return 0, false
}

// transform is the replacement of the shortest prefix of chunk the map
// holds.
func (p *precompiled) transform(chunk string) (string, bool) {
	v, ok := p.firstPrefix(chunk)
	if !ok || int(v) >= len(p.normalized) {
		return "", false
	}
	end := int(v)
	for end < len(p.normalized) && p.normalized[end] != 0 {
		end++
	}
	return string(p.normalized[v:end]), true
}

// normalize applies the map as Hugging Face does: a grapheme cluster under
// six bytes is replaced whole when the map has a prefix of it, else each
// of its characters is replaced or kept.
func (p *precompiled) normalize(t string) string {
	var b strings.Builder
	b.Grow(len(t))
	for len(t) > 0 {
		var cluster string
		// An ASCII byte followed by another (but not CR LF) is a cluster
		// of its own; only the rest needs the segmentation rules.
		if t[0] < utf8.RuneSelf && (len(t) == 1 || t[1] < utf8.RuneSelf && !(t[0] == '\r' && t[1] == '\n')) {
			cluster, t = t[:1], t[1:]
			if n := p.ascii[cluster[0]]; n != nil {
				b.WriteString(*n)
			} else {
				b.WriteString(cluster)
			}
			continue
		}
		cluster, t, _, _ = uniseg.FirstGraphemeClusterInString(t, -1)
		if len(cluster) < 6 {
			if n, ok := p.transform(cluster); ok {
				b.WriteString(n)
				continue
			}
		}
		for i := 0; i < len(cluster); {
			_, size := utf8.DecodeRuneInString(cluster[i:])
			part := cluster[i : i+size]
			i += size
			if n, ok := p.transform(part); ok {
				b.WriteString(n)
			} else {
				b.WriteString(part)
			}
		}
	}
	return b.String()
}
