package tokenizer

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Model kinds a tokenizer.json may hold, as [Tokenizer.Kind] reports them.
const (
	KindCLIP      = "CLIP BPE"  // byte-level BPE with "</w>" (OpenAI, open_clip)
	KindUnigram   = "Unigram"   // SentencePiece unigram (SigLIP, XLM-R, NLLB, mT5)
	KindWordPiece = "WordPiece" // BERT (Chinese-CLIP, CLIPA)
	KindBPE       = "BPE"       // other BPE: GPT-2 byte-level, SentencePiece BPE
	KindWordLevel = "WordLevel" // whole-word lookup
)

// addedToken is an entry of tokenizer.json's added_tokens: matched in the
// text before the model sees it and given its id whole.
type addedToken struct {
	id         int32
	content    string
	special    bool
	normalized bool // matched in normalized text (else in the raw text)
	lstrip     bool // swallows whitespace on its left
	rstrip     bool // swallows whitespace on its right
	singleWord bool // only where not inside a word
}

// pipeline is a Hugging Face tokenizer.json pipeline other than CLIP's
// BPE: added tokens, normalizer, pre-tokenizer, model and the special
// tokens the post-processor puts around a single sequence.
type pipeline struct {
	kind      string
	normalize normalizer
	pre       preTokenizer
	model     hfModelImpl
	raw       []addedToken // matched before normalization, longest first
	norm      []addedToken // matched after it (content normalized), longest first
	prefix    []int32      // post-processor specials before the sequence
	suffix    []int32      // and after it
	truncLeft bool         // truncation drops tokens from the start
	special   map[int32]bool
	metaspace string // Metaspace replacement for decoding, "" if none
	byteLevel bool   // ByteLevel pre-tokenizer: tokens are byte symbols

	cache   wordCache // piece -> model ids
	noCache bool      // benchmarks only: run the model on every piece
}

// piece appends the model's ids of one pre-tokenized piece, through the
// cache.
func (p *pipeline) piece(dst []int32, piece string) []int32 {
	if p.noCache {
		return p.model.tokenize(dst, piece)
	}
	if ids, ok := p.cache.get(piece); ok {
		return append(dst, ids...)
	}
	start := len(dst)
	dst = p.model.tokenize(dst, piece)
	p.cache.put(strings.Clone(piece), append([]int32(nil), dst[start:]...))
	return dst
}

// section is a span of input text: an added token's id, or text for the
// normalizer and model.
type section struct {
	text  string
	id    int32 // -1 for text
	first bool  // starts at the input's first byte
}

// encode appends the ids of text (no post-processor specials) to dst.
// Invalid UTF-8 is read as U+FFFD, as a Rust or Python string would hold
// it.
func (p *pipeline) encode(dst []int32, text string) []int32 {
	text = strings.ToValidUTF8(text, "\ufffd")
	for _, s := range splitAdded([]section{{text: text, id: -1, first: true}}, p.raw) {
		if s.id >= 0 {
			dst = append(dst, s.id)
			continue
		}
		n := s.text
		if p.normalize != nil {
			n = p.normalize(n)
		}
		for _, t := range splitAdded([]section{{text: n, id: -1, first: s.first}}, p.norm) {
			if t.id >= 0 {
				dst = append(dst, t.id)
				continue
			}
			if t.text == "" {
				continue
			}
			pieces := []string{t.text}
			if p.pre != nil {
				pieces = p.pre(pieces, t.first)
			}
			for _, piece := range pieces {
				dst = p.piece(dst, piece)
			}
		}
	}
	return dst
}

// row appends prefix, the ids of text and suffix to dst, keeping at most
// contextLength ids in all (contextLength <= 0: no limit) by dropping
// sequence ids from the end (or the start, when the file truncates on the
// left), as Hugging Face's truncation does; the specials always stay. A
// context too short even for them keeps their first contextLength.
func (p *pipeline) row(dst []int32, text string, contextLength int) []int32 {
	start := len(dst)
	dst = append(dst, p.prefix...)
	body := len(dst)
	dst = p.encode(dst, text)
	if contextLength > 0 {
		room := contextLength - len(p.prefix) - len(p.suffix)
		if room < 0 {
			dst = append(dst[:body], p.suffix...)
			return dst[:start+contextLength]
		}
		if n := len(dst) - body; n > room {
			if p.truncLeft {
				copy(dst[body:], dst[len(dst)-room:])
			}
			dst = dst[:body+room]
		}
	}
	return append(dst, p.suffix...)
}

// splitAdded splits the text sections of in around the added tokens of
// added (leftmost match first, the longest at a position), honouring their
// lstrip, rstrip and single_word flags.
func splitAdded(in []section, added []addedToken) []section {
	if len(added) == 0 {
		return in
	}
	var out []section
	for _, s := range in {
		if s.id >= 0 {
			out = append(out, s)
			continue
		}
		text, first := s.text, s.first
		pos := 0 // text[:pos] is already emitted
		for i := 0; i < len(text); {
			tok, ok := matchAdded(text, i, added)
			if !ok {
				_, n := utf8.DecodeRuneInString(text[i:])
				i += n
				continue
			}
			a, b := i, i+len(tok.content)
			if tok.lstrip {
				a = pos + len(strings.TrimRightFunc(text[pos:a], unicode.IsSpace))
			}
			if tok.rstrip {
				b = len(text) - len(strings.TrimLeftFunc(text[b:], unicode.IsSpace))
			}
			if pos < a {
				out = append(out, section{text: text[pos:a], id: -1, first: first && pos == 0})
			}
			out = append(out, section{id: tok.id})
			pos, i = b, b
		}
		if pos < len(text) {
			out = append(out, section{text: text[pos:], id: -1, first: first && pos == 0})
		}
	}
	return out
}

// matchAdded returns the longest added token at text[i:] (added is sorted
// longest first) whose single_word condition holds.
func matchAdded(text string, i int, added []addedToken) (addedToken, bool) {
	for _, a := range added {
		if a.content == "" || !strings.HasPrefix(text[i:], a.content) {
			continue
		}
		if a.singleWord {
			before, _ := utf8.DecodeLastRuneInString(text[:i])
			after, _ := utf8.DecodeRuneInString(text[i+len(a.content):])
			if i > 0 && isWordChar(before) || i+len(a.content) < len(text) && isWordChar(after) {
				continue
			}
		}
		return a, true
	}
	return addedToken{}, false
}

func isWordChar(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

// decode turns ids back into text as the usual decoders of each kind do:
// specials skipped, byte pieces and byte-level symbols made bytes, the
// Metaspace character a space, WordPiece "##" continuations glued.
func (p *pipeline) decode(t *Tokenizer, ids []int, wpPrefix string) string {
	var raw []byte
	for i, id := range ids {
		if id < 0 || id >= len(t.tokens) || p.special[int32(id)] {
			continue
		}
		tok := t.tokens[id]
		if len(tok) == 6 && strings.HasPrefix(tok, "<0x") && tok[5] == '>' {
			var b byte
			if _, err := fmt.Sscanf(tok, "<0x%02X>", &b); err == nil {
				raw = append(raw, b)
				continue
			}
		}
		switch {
		case p.byteLevel:
			for _, r := range tok {
				if b, ok := symbolByte(r); ok {
					raw = append(raw, b)
				} else {
					raw = utf8.AppendRune(raw, r)
				}
			}
		case p.kind == KindWordPiece:
			if rest, ok := strings.CutPrefix(tok, wpPrefix); ok && i > 0 {
				raw = append(raw, rest...)
			} else {
				if len(raw) > 0 {
					raw = append(raw, ' ')
				}
				raw = append(raw, tok...)
			}
		default:
			raw = append(raw, tok...)
		}
	}
	s := strings.ToValidUTF8(string(raw), "\ufffd")
	if p.metaspace != "" {
		s = strings.TrimPrefix(strings.ReplaceAll(s, p.metaspace, " "), " ")
	}
	return s
}

// parsePipeline builds a tokenizer from a tokenizer.json whose model is
// not CLIP's BPE.
func parsePipeline(path string, data []byte, kind string, doc *tokenizerDoc) (*Tokenizer, error) {
	p := &pipeline{kind: kind, special: map[int32]bool{}}
	var (
		vocab  map[string]int32
		tokens []string
		err    error
	)
	wpPrefix := "##"
	switch kind {
	case "Unigram":
		p.kind = KindUnigram
		var u *unigram
		u, vocab, tokens, err = newUnigram(path, doc.RawModel)
		p.model = u
	case "WordPiece":
		var w *wordPiece
		w, vocab, tokens, err = newWordPiece(path, doc.RawModel)
		if w != nil {
			wpPrefix = w.prefix
		}
		p.model = w
	case "BPE":
		p.kind = KindBPE
		var b *hfBPE
		b, vocab, tokens, err = newHFBPE(path, doc.RawModel)
		p.model = b
	case "WordLevel":
		var m struct {
			Vocab    map[string]int32 `json:"vocab"`
			UnkToken string           `json:"unk_token"`
		}
		if err := json.Unmarshal(doc.RawModel, &m); err != nil {
			return nil, jsonError(path, data, err)
		}
		w := &wordLevel{vocab: m.Vocab, unk: -1}
		id, ok := m.Vocab[m.UnkToken]
		if !ok {
			return nil, fmt.Errorf("tokenizer %s: WordLevel unk_token %q is not in the vocabulary (every word outside it needs one)", path, m.UnkToken)
		}
		w.unk = id
		vocab, p.model = m.Vocab, w
		tokens, err = tokenList(path, vocab)
	default:
		return nil, fmt.Errorf("tokenizer %s: model type %q is not supported (supported: BPE, Unigram, WordPiece, WordLevel)", path, kind)
	}
	if err != nil {
		return nil, err
	}
	if p.normalize, err = parseNormalizer(doc.Normalizer); err != nil {
		return nil, fmt.Errorf("tokenizer %s: normalizer: %w", path, err)
	}
	if p.pre, err = parsePreTokenizer(doc.PreTokenizer); err != nil {
		return nil, fmt.Errorf("tokenizer %s: pre_tokenizer: %w", path, err)
	}
	p.metaspace, p.byteLevel = componentHints(doc.PreTokenizer)

	for i, at := range doc.AddedTokens {
		if at.ID < 0 || at.ID >= 1<<24 {
			return nil, fmt.Errorf("tokenizer %s: added_tokens[%d] %q has id %d, want 0 to %d", path, i, at.Content, at.ID, 1<<24-1)
		}
		a := addedToken{id: int32(at.ID), content: at.Content, special: at.Special, normalized: !at.Special,
			lstrip: at.Lstrip, rstrip: at.Rstrip, singleWord: at.SingleWord}
		if at.Normalized != nil {
			a.normalized = *at.Normalized
		}
		for int(a.id) >= len(tokens) {
			tokens = append(tokens, "")
		}
		tokens[a.id] = a.content
		vocab[a.content] = a.id
		if a.special {
			p.special[a.id] = true
		}
		if a.normalized {
			if p.normalize != nil {
				a.content = p.normalize(a.content)
			}
			p.norm = append(p.norm, a)
		} else {
			p.raw = append(p.raw, a)
		}
	}
	sortedAdded(p.raw)
	sortedAdded(p.norm)

	if p.prefix, p.suffix, err = parsePostProcessor(doc.PostProcessor, vocab); err != nil {
		return nil, fmt.Errorf("tokenizer %s: post_processor: %w", path, err)
	}
	for _, id := range append(append([]int32(nil), p.prefix...), p.suffix...) {
		if int(id) >= len(tokens) {
			return nil, fmt.Errorf("tokenizer %s: post_processor: special token id %d is outside the vocabulary (%d tokens)", path, id, len(tokens))
		}
		p.special[id] = true
	}
	t := &Tokenizer{path: path, format: FormatTokenizerJSON, vocab: vocab, tokens: tokens, hf: p,
		sot: -1, eot: -1, unk: -1, padID: -1, sep: -1, wpPrefix: wpPrefix}
	if len(p.prefix) > 0 {
		t.sot = p.prefix[0]
	}
	if len(p.suffix) > 0 {
		t.eot = p.suffix[len(p.suffix)-1]
	}
	if err := t.readSettings(path, data, doc); err != nil {
		return nil, err
	}
	return t, nil
}

// componentHints reads what decoding needs from the pre-tokenizer: the
// Metaspace replacement and whether ByteLevel is used.
func componentHints(raw json.RawMessage) (metaspace string, byteLevel bool) {
	var walk func(json.RawMessage)
	walk = func(r json.RawMessage) {
		var c struct {
			Type          string            `json:"type"`
			Replacement   *string           `json:"replacement"`
			Pretokenizers []json.RawMessage `json:"pretokenizers"`
		}
		if json.Unmarshal(r, &c) != nil {
			return
		}
		switch c.Type {
		case "Metaspace":
			metaspace = "\u2581"
			if c.Replacement != nil && *c.Replacement != "" {
				metaspace = *c.Replacement
			}
		case "ByteLevel":
			byteLevel = true
		}
		for _, s := range c.Pretokenizers {
			walk(s)
		}
	}
	walk(raw)
	return metaspace, byteLevel
}

// parsePostProcessor returns the special ids a post-processor puts before
// and after a single sequence.
func parsePostProcessor(raw json.RawMessage, vocab map[string]int32) (prefix, suffix []int32, err error) {
	typ, present, err := componentType(raw)
	if !present || err != nil {
		return nil, nil, err
	}
	// pairToken is BertProcessing's and RobertaProcessing's ["[CLS]", 101].
	pairToken := func(v []json.RawMessage, name string) (int32, error) {
		var s string
		var id int64
		if len(v) != 2 || json.Unmarshal(v[0], &s) != nil || json.Unmarshal(v[1], &id) != nil {
			return 0, fmt.Errorf("%s %s: want [token, id]", typ, name)
		}
		if id < 0 || id >= 1<<24 {
			return 0, fmt.Errorf("%s %s id %d", typ, name, id)
		}
		return int32(id), nil
	}
	switch typ {
	case "TemplateProcessing":
		var s struct {
			Single []struct {
				SpecialToken *struct {
					ID string `json:"id"`
				} `json:"SpecialToken"`
				Sequence *struct {
					ID string `json:"id"`
				} `json:"Sequence"`
			} `json:"single"`
			SpecialTokens map[string]struct {
				IDs []int64 `json:"ids"`
			} `json:"special_tokens"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, nil, err
		}
		seen := false
		for i, item := range s.Single {
			switch {
			case item.Sequence != nil:
				if seen || item.Sequence.ID != "A" {
					return nil, nil, fmt.Errorf("TemplateProcessing single[%d]: sequence %q, want one sequence A", i, item.Sequence.ID)
				}
				seen = true
			case item.SpecialToken != nil:
				name := item.SpecialToken.ID
				st, ok := s.SpecialTokens[name]
				if !ok {
					if id, inVocab := vocab[name]; inVocab {
						st.IDs = []int64{int64(id)}
					} else {
						return nil, nil, fmt.Errorf("TemplateProcessing single[%d]: special token %q is not in special_tokens", i, name)
					}
				}
				for _, id := range st.IDs {
					if id < 0 || id >= 1<<24 {
						return nil, nil, fmt.Errorf("TemplateProcessing special token %q id %d", name, id)
					}
					if seen {
						suffix = append(suffix, int32(id))
					} else {
						prefix = append(prefix, int32(id))
					}
				}
			default:
				return nil, nil, fmt.Errorf("TemplateProcessing single[%d]: want SpecialToken or Sequence", i)
			}
		}
		if !seen {
			return nil, nil, fmt.Errorf("TemplateProcessing single has no sequence A")
		}
		return prefix, suffix, nil
	case "BertProcessing", "RobertaProcessing":
		var s struct {
			Sep []json.RawMessage `json:"sep"`
			Cls []json.RawMessage `json:"cls"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, nil, err
		}
		cls, err := pairToken(s.Cls, "cls")
		if err != nil {
			return nil, nil, err
		}
		sep, err := pairToken(s.Sep, "sep")
		if err != nil {
			return nil, nil, err
		}
		return []int32{cls}, []int32{sep}, nil
	case "ByteLevel":
		return nil, nil, nil
	case "Sequence":
		members, err := sequenceMembers(raw, "processors")
		if err != nil {
			return nil, nil, err
		}
		for _, r := range members {
			pre, suf, err := parsePostProcessor(r, vocab)
			if err != nil {
				return nil, nil, err
			}
			prefix = append(pre, prefix...)
			suffix = append(suffix, suf...)
		}
		return prefix, suffix, nil
	}
	return nil, nil, fmt.Errorf("post-processor type %q is not supported (supported: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence)", typ)
}

// loadVocabTxt reads a BERT vocab.txt (one token per line, ids in order)
// as Hugging Face's converter turns it into a tokenizer.json: the
// BertNormalizer with tokenizer_config.json's do_lower_case,
// tokenize_chinese_chars and strip_accents, BertPreTokenizer, WordPiece
// with "##" and 100 characters per word, [CLS] text [SEP], and the
// special tokens matched whole.
func loadVocabTxt(path string) (*Tokenizer, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	vocab := map[string]int32{}
	var tokens []string
	text := strings.TrimSuffix(strings.TrimPrefix(string(data), "\ufeff"), "\n")
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if _, dup := vocab[line]; !dup {
			vocab[line] = int32(len(tokens))
		}
		tokens = append(tokens, line)
	}
	if text == "" {
		return nil, fmt.Errorf("tokenizer %s: empty vocabulary", path)
	}
	cfg := struct {
		Lower        *bool       `json:"do_lower_case"`
		Chinese      *bool       `json:"tokenize_chinese_chars"`
		StripAccents *bool       `json:"strip_accents"`
		Unk          tokenString `json:"unk_token"`
		Cls          tokenString `json:"cls_token"`
		Sep          tokenString `json:"sep_token"`
		Pad          tokenString `json:"pad_token"`
		Mask         tokenString `json:"mask_token"`
	}{Unk: "[UNK]", Cls: "[CLS]", Sep: "[SEP]", Pad: "[PAD]", Mask: "[MASK]"}
	config := filepath.Join(filepath.Dir(path), "tokenizer_config.json")
	if exists(config) {
		cdata, err := readFile(config)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(cdata, &cfg); err != nil {
			return nil, jsonError(config, cdata, err)
		}
	}
	def := func(b *bool, v bool) bool {
		if b == nil {
			return v
		}
		return *b
	}
	lower := def(cfg.Lower, true)
	strip := def(cfg.StripAccents, lower)
	cjk := def(cfg.Chinese, true)
	need := func(key string, tok tokenString) (int32, error) {
		id, ok := vocab[string(tok)]
		if !ok {
			return 0, fmt.Errorf("tokenizer %s: %s %q is not in the vocabulary", path, key, tok)
		}
		return id, nil
	}
	unk, err := need("unk_token", cfg.Unk)
	if err != nil {
		return nil, err
	}
	cls, err := need("cls_token", cfg.Cls)
	if err != nil {
		return nil, err
	}
	sep, err := need("sep_token", cfg.Sep)
	if err != nil {
		return nil, err
	}
	p := &pipeline{kind: KindWordPiece, special: map[int32]bool{},
		normalize: func(s string) string { return bertNormalize(s, true, cjk, strip, lower) },
		pre:       eachPiece(bertSplit),
		model:     &wordPiece{vocab: vocab, unk: unk, prefix: "##", maxLen: 100},
		prefix:    []int32{cls}, suffix: []int32{sep}}
	for _, s := range []tokenString{cfg.Pad, cfg.Unk, cfg.Cls, cfg.Sep, cfg.Mask} {
		if id, ok := vocab[string(s)]; ok && s != "" {
			p.raw = append(p.raw, addedToken{id: id, content: string(s), special: true})
			p.special[id] = true
		}
	}
	sortedAdded(p.raw)
	t := &Tokenizer{path: path, format: FormatVocabTxt, vocab: vocab, tokens: tokens, hf: p,
		sot: cls, eot: sep, unk: unk, padID: -1, sep: sep, wpPrefix: "##"}
	if exists(config) {
		if err := t.readConfig(config, false); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// componentType reads the "type" of a tokenizer.json component (a
// normalizer, pre-tokenizer, post-processor ...); present is false for an
// absent or null one.
func componentType(raw json.RawMessage) (typ string, present bool, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	err = json.Unmarshal(raw, &head)
	return head.Type, err == nil, err
}

// sequenceMembers returns the components a "Sequence" component lists
// under key ("normalizers", "pretokenizers", "processors").
func sequenceMembers(raw json.RawMessage, key string) ([]json.RawMessage, error) {
	var s map[string]json.RawMessage
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	var members []json.RawMessage
	if r, ok := s[key]; ok && string(r) != "null" {
		if err := json.Unmarshal(r, &members); err != nil {
			return nil, fmt.Errorf("Sequence %s: %w", key, err)
		}
	}
	return members, nil
}
