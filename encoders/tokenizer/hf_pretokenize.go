package tokenizer

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// preTokenizer splits normalized text into pieces the model tokenizes one
// by one; first is set for the text's first section (Metaspace's "first"
// prepend scheme).
type preTokenizer func(pieces []string, first bool) []string

func parsePreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	typ, present, err := componentType(raw)
	if !present || err != nil {
		return nil, err
	}
	switch typ {
	case "Sequence":
		members, err := sequenceMembers(raw, "pretokenizers")
		if err != nil {
			return nil, err
		}
		var steps []preTokenizer
		for _, r := range members {
			p, err := parsePreTokenizer(r)
			if err != nil {
				return nil, err
			}
			if p != nil {
				steps = append(steps, p)
			}
		}
		return func(pieces []string, first bool) []string {
			for _, p := range steps {
				pieces = p(pieces, first)
			}
			return pieces
		}, nil
	case "Metaspace":
		var s struct {
			Replacement    string  `json:"replacement"`
			PrependScheme  *string `json:"prepend_scheme"`
			AddPrefixSpace *bool   `json:"add_prefix_space"`
			Split          *bool   `json:"split"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if s.Replacement == "" {
			s.Replacement = "\u2581"
		}
		scheme := "always"
		if s.PrependScheme != nil {
			scheme = *s.PrependScheme
		} else if s.AddPrefixSpace != nil && !*s.AddPrefixSpace {
			scheme = "never"
		}
		switch scheme {
		case "always", "first", "never":
		default:
			return nil, fmt.Errorf("Metaspace prepend_scheme %q (want always, first or never)", scheme)
		}
		split := s.Split == nil || *s.Split
		return func(pieces []string, first bool) []string {
			var out []string
			for i, p := range pieces {
				p = strings.ReplaceAll(p, " ", s.Replacement)
				if (scheme == "always" || (scheme == "first" && first && i == 0)) && !strings.HasPrefix(p, s.Replacement) {
					p = s.Replacement + p
				}
				if !split {
					out = append(out, p)
					continue
				}
				out = splitBefore(out, p, s.Replacement)
			}
			return out
		}, nil
	case "WhitespaceSplit":
		return eachPiece(func(p string) []string { return strings.FieldsFunc(p, isRustWhitespace) }), nil
	case "Whitespace":
		re := regexp.MustCompile(`[\p{L}\p{M}\p{Nd}\p{Pc}]+|[^\p{L}\p{M}\p{Nd}\p{Pc}\s]+`)
		return eachPiece(func(p string) []string { return re.FindAllString(p, -1) }), nil
	case "BertPreTokenizer":
		return eachPiece(bertSplit), nil
	case "Punctuation":
		var s struct {
			Behavior string `json:"behavior"`
		}
		json.Unmarshal(raw, &s)
		if s.Behavior == "" {
			s.Behavior = "Isolated"
		}
		return eachPiece(func(p string) []string { return splitMatches(p, punctSpans(p), s.Behavior) }), nil
	case "Digits":
		var s struct {
			Individual bool `json:"individual_digits"`
		}
		json.Unmarshal(raw, &s)
		return eachPiece(func(p string) []string { return digitSplit(p, s.Individual) }), nil
	case "Split":
		var s struct {
			Pattern  hfPattern `json:"pattern"`
			Behavior string    `json:"behavior"`
			Invert   bool      `json:"invert"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		re, err := s.Pattern.compile()
		if err != nil {
			return nil, fmt.Errorf("Split pre-tokenizer: %w", err)
		}
		switch s.Behavior {
		case "Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous":
		default:
			return nil, fmt.Errorf("Split pre-tokenizer behavior %q", s.Behavior)
		}
		return eachPiece(func(p string) []string {
			spans := re.FindAllStringIndex(p, -1)
			if s.Invert {
				spans = invertSpans(spans, len(p))
			}
			return splitMatches(p, spans, s.Behavior)
		}), nil
	case "ByteLevel":
		var s struct {
			AddPrefixSpace bool  `json:"add_prefix_space"`
			UseRegex       *bool `json:"use_regex"`
		}
		json.Unmarshal(raw, &s)
		useRegex := s.UseRegex == nil || *s.UseRegex
		return func(pieces []string, first bool) []string {
			var out []string
			for _, p := range pieces {
				if s.AddPrefixSpace && !strings.HasPrefix(p, " ") {
					p = " " + p
				}
				parts := []string{p}
				if useRegex {
					parts = gpt2Split(p)
				}
				for _, q := range parts {
					out = append(out, byteLevelString(q))
				}
			}
			return out
		}, nil
	}
	return nil, fmt.Errorf("pre-tokenizer type %q is not supported (supported: Sequence, Metaspace, WhitespaceSplit, Whitespace, BertPreTokenizer, Punctuation, Digits, Split, ByteLevel)", typ)
}

func eachPiece(f func(string) []string) preTokenizer {
	return func(pieces []string, _ bool) []string {
		var out []string
		for _, p := range pieces {
			out = append(out, f(p)...)
		}
		return out
	}
}

// splitBefore splits s so that each sep starts a new piece (Hugging Face's
// MergedWithNext on sep), appending the pieces to out.
func splitBefore(out []string, s, sep string) []string {
	start := 0
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], sep)
		if j < 0 {
			break
		}
		if at := i + j; at > start {
			out = append(out, s[start:at])
			start = at
		}
		i += j + len(sep)
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// splitMatches splits s around the byte spans of matches as Hugging
// Face's SplitDelimiterBehavior says.
func splitMatches(s string, spans [][]int, behavior string) []string {
	var out []string
	add := func(p string) {
		if p != "" {
			out = append(out, p)
		}
	}
	prev := 0
	switch behavior {
	case "Removed":
		for _, m := range spans {
			add(s[prev:m[0]])
			prev = m[1]
		}
		add(s[prev:])
	case "Isolated":
		for _, m := range spans {
			add(s[prev:m[0]])
			add(s[m[0]:m[1]])
			prev = m[1]
		}
		add(s[prev:])
	case "MergedWithPrevious":
		for _, m := range spans {
			add(s[prev:m[1]])
			prev = m[1]
		}
		add(s[prev:])
	case "MergedWithNext":
		for _, m := range spans {
			add(s[prev:m[0]])
			prev = m[0]
		}
		add(s[prev:])
	case "Contiguous":
		// Adjacent matches join into one piece.
		var merged [][]int
		for _, m := range spans {
			if n := len(merged); n > 0 && merged[n-1][1] == m[0] {
				merged[n-1][1] = m[1]
				continue
			}
			merged = append(merged, []int{m[0], m[1]})
		}
		return splitMatches(s, merged, "Isolated")
	}
	return out
}

func invertSpans(spans [][]int, n int) [][]int {
	var out [][]int
	prev := 0
	for _, m := range spans {
		if prev < m[0] {
			out = append(out, []int{prev, m[0]})
		}
		prev = m[1]
	}
	if prev < n {
		out = append(out, []int{prev, n})
	}
	return out
}

// isBertPunct is BERT's punctuation: ASCII punctuation and Unicode P*.
func isBertPunct(r rune) bool {
	return (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126) || unicode.IsPunct(r)
}

func punctSpans(s string) [][]int {
	var out [][]int
	for i, r := range s {
		if isBertPunct(r) {
			out = append(out, []int{i, i + utf8.RuneLen(r)})
		}
	}
	return out
}

// bertSplit is BertPreTokenizer: whitespace removed, each punctuation
// character a piece of its own.
func bertSplit(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, isRustWhitespace) {
		out = append(out, splitMatches(w, punctSpans(w), "Isolated")...)
	}
	return out
}

func digitSplit(s string, individual bool) []string {
	var spans [][]int
	for i, r := range s {
		if unicode.IsDigit(r) {
			spans = append(spans, []int{i, i + utf8.RuneLen(r)})
		}
	}
	if individual {
		return splitMatches(s, spans, "Isolated")
	}
	return splitMatches(s, spans, "Contiguous")
}

// gpt2Split is GPT-2's pre-tokenization pattern:
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
func gpt2Split(s string) []string {
	var out []string
	rs := []rune(s)
	isS := unicode.IsSpace
	isL := unicode.IsLetter
	isN := unicode.IsNumber
	for i := 0; i < len(rs); {
		if rs[i] == '\'' && i+1 < len(rs) {
			matched := false
			for _, c := range []string{"re", "ve", "ll", "s", "t", "m", "d"} {
				if strings.HasPrefix(string(rs[i+1:min(len(rs), i+3)]), c) {
					out = append(out, string(rs[i:i+1+len(c)]))
					i += 1 + len(c)
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		j := i
		if rs[j] == ' ' && j+1 < len(rs) && !isS(rs[j+1]) {
			j++
		}
		switch k := j; {
		case isL(rs[k]):
			for k < len(rs) && isL(rs[k]) {
				k++
			}
			out = append(out, string(rs[i:k]))
			i = k
			continue
		case isN(rs[k]):
			for k < len(rs) && isN(rs[k]) {
				k++
			}
			out = append(out, string(rs[i:k]))
			i = k
			continue
		case !isS(rs[k]):
			for k < len(rs) && !isS(rs[k]) && !isL(rs[k]) && !isN(rs[k]) {
				k++
			}
			out = append(out, string(rs[i:k]))
			i = k
			continue
		}
		// whitespace: \s+(?!\S) then \s+
		k := i
		for k < len(rs) && isS(rs[k]) {
			k++
		}
		if k < len(rs) && k-i > 1 {
			k-- // leave the last space to start the next word
		}
		out = append(out, string(rs[i:k]))
		i = k
	}
	return out
}

// byteLevelString maps each byte of s to its byte-level symbol.
func byteLevelString(s string) string {
	_, sym := byteSymbols()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(sym[s[i]])
	}
	return b.String()
}
