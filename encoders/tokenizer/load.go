package tokenizer

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Format names the on-disk form a tokenizer came from.
type Format string

// The forms [Load] reads.
const (
	// FormatOpenAI is OpenAI's merges list, bpe_simple_vocab_16e6.txt.gz
	// (or the same text uncompressed).
	FormatOpenAI Format = "openai-bpe"
	// FormatVocabMerges is Hugging Face's vocab.json with merges.txt.
	FormatVocabMerges Format = "vocab.json+merges.txt"
	// FormatTokenizerJSON is a Hugging Face tokenizer.json (any model:
	// BPE, Unigram, WordPiece, WordLevel).
	FormatTokenizerJSON Format = "tokenizer.json"
	// FormatVocabTxt is a BERT WordPiece vocab.txt (with
	// tokenizer_config.json beside it when present).
	FormatVocabTxt Format = "vocab.txt"
)

// OpenAIMerges is how many merges CLIP uses from OpenAI's merges file
// (49152 - 256 - 2), giving a vocabulary of 49,408 tokens.
const OpenAIMerges = 48894

// maxFileSize bounds what Load reads (a CLIP tokenizer.json is about 4 MB,
// the uncompressed OpenAI merges file 3.6 MB).
const maxFileSize = 256 << 20

// UnsupportedError is returned by [Load] for tokenizer files it cannot
// read: SentencePiece .model files (their tokenizer.json reads) and BPE
// with dropout.
type UnsupportedError struct {
	Type string // what the file holds, e.g. "WordPiece"
	File string
}

// Error says "unsupported tokenizer type X in FILE".
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("unsupported tokenizer type %s in %s", e.Type, e.File)
}

// Load reads a tokenizer from path: OpenAI's bpe_simple_vocab_16e6.txt.gz,
// a Hugging Face tokenizer.json of any model type (CLIP's BPE, Unigram,
// WordPiece, other BPE, WordLevel), a vocab.json or merges.txt beside its
// partner, a BERT vocab.txt, or a folder holding one of these. A
// SentencePiece .model gives an [*UnsupportedError]; an unknown
// normalizer, pre-tokenizer, model or post-processor is an error naming it
// and the file. Every error names the file.
func Load(path string) (*Tokenizer, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, pathError(path, err)
	}
	if fi.IsDir() {
		return loadDir(path)
	}
	return loadFile(path)
}

// pathError is "tokenizer PATH: reason" for a failed file operation; it
// still matches fs.ErrNotExist and the like with errors.Is.
func pathError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("tokenizer %s: %w", path, err)
}

func exists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir()
}

func loadDir(dir string) (*Tokenizer, error) {
	in := func(name string) string { return filepath.Join(dir, name) }
	switch {
	case exists(in("tokenizer.json")):
		return loadFile(in("tokenizer.json"))
	case exists(in("vocab.json")) && exists(in("merges.txt")):
		return loadVocabMerges(dir, in("vocab.json"), in("merges.txt"))
	case exists(in("vocab.json")):
		return nil, fmt.Errorf("tokenizer %s: vocab.json without merges.txt", dir)
	case exists(in("merges.txt")):
		return nil, fmt.Errorf("tokenizer %s: merges.txt without vocab.json", dir)
	}
	if exists(in("bpe_simple_vocab_16e6.txt.gz")) {
		return loadFile(in("bpe_simple_vocab_16e6.txt.gz"))
	}
	if gz, _ := filepath.Glob(in("*.txt.gz")); len(gz) == 1 {
		return loadFile(gz[0])
	}
	if models, _ := filepath.Glob(in("*.model")); len(models) > 0 {
		return nil, &UnsupportedError{Type: "SentencePiece (.model; use the export's tokenizer.json)", File: models[0]}
	}
	if exists(in("vocab.txt")) {
		return loadVocabTxt(in("vocab.txt"))
	}
	return nil, fmt.Errorf("tokenizer %s: no tokenizer files (want tokenizer.json, vocab.json and merges.txt, or bpe_simple_vocab_16e6.txt.gz)", dir)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, pathError(path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("tokenizer %s: larger than %d MiB", path, maxFileSize>>20)
	}
	return data, nil
}

func loadFile(path string) (*Tokenizer, error) {
	base := strings.ToLower(filepath.Base(path))
	dir := filepath.Dir(path)
	switch {
	case base == "vocab.json":
		return loadVocabMerges(path, path, filepath.Join(dir, "merges.txt"))
	case base == "merges.txt":
		return loadVocabMerges(path, filepath.Join(dir, "vocab.json"), path)
	case base == "vocab.txt":
		return loadVocabTxt(path)
	case strings.HasSuffix(base, ".model"):
		return nil, &UnsupportedError{Type: "SentencePiece (.model; use the export's tokenizer.json)", File: path}
	}
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("tokenizer %s: %w", path, err)
		}
		data, err = io.ReadAll(io.LimitReader(zr, maxFileSize+1))
		if err != nil {
			return nil, fmt.Errorf("tokenizer %s: %w", path, err)
		}
		if len(data) > maxFileSize {
			return nil, fmt.Errorf("tokenizer %s: decompresses to more than %d MiB", path, maxFileSize>>20)
		}
		return parseOpenAI(path, data)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		return parseTokenizerJSON(path, data)
	case bytes.HasPrefix(trimmed, []byte(`"bpe_simple_vocab`)) || bytes.HasPrefix(trimmed, []byte("#version")):
		return parseOpenAI(path, data)
	}
	return nil, fmt.Errorf("tokenizer %s: not a tokenizer file (want bpe_simple_vocab_16e6.txt.gz, tokenizer.json, or vocab.json with merges.txt)", path)
}

// parseOpenAI builds the vocabulary OpenAI's SimpleTokenizer builds from the
// merges file: byte symbols, the same with "</w>", the joined first
// OpenAIMerges merges, then <|startoftext|> and <|endoftext|>.
func parseOpenAI(path string, data []byte) (*Tokenizer, error) {
	var pairs [][2]string
	lineNo := 0
	for len(data) > 0 && len(pairs) < OpenAIMerges {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		lineNo++
		if lineNo == 1 {
			continue // the version header
		}
		fields := strings.Fields(string(line))
		switch len(fields) {
		case 2:
			pairs = append(pairs, [2]string{fields[0], fields[1]})
		case 0:
			if len(bytes.TrimSpace(data)) == 0 {
				break // trailing blank lines
			}
			return nil, fmt.Errorf("tokenizer %s:%d: empty merge line", path, lineNo)
		default:
			return nil, fmt.Errorf("tokenizer %s:%d: merge line has %d fields, want 2 symbols", path, lineNo, len(fields))
		}
	}
	if lineNo == 0 {
		return nil, fmt.Errorf("tokenizer %s: empty merges file", path)
	}
	order, symbol := byteSymbols()
	tokens := make([]string, 0, 512+len(pairs)+2)
	for _, b := range order {
		tokens = append(tokens, string(symbol[b]))
	}
	for _, b := range order {
		tokens = append(tokens, string(symbol[b])+EndOfWord)
	}
	for _, p := range pairs {
		tokens = append(tokens, p[0]+p[1])
	}
	tokens = append(tokens, StartOfText, EndOfText)
	vocab := make(map[string]int32, len(tokens))
	for i, tok := range tokens {
		vocab[tok] = int32(i) // a repeated token keeps its last id, as in Python
	}
	t := &Tokenizer{path: path, format: FormatOpenAI, vocab: vocab, tokens: tokens, unk: -1, padID: -1, sep: -1}
	// A merge whose parts are not tokens can never apply; OpenAI's code
	// keeps it harmlessly, so it is skipped here rather than rejected.
	if err := t.setMerges(pairs, nil); err != nil {
		return nil, err
	}
	return t, t.finish()
}

// setMerges ranks pairs in order (a repeated pair keeps its last rank).
// With where set, a pair or joined symbol missing from the vocabulary is an
// error located by where(i); without it the pair is skipped.
func (t *Tokenizer) setMerges(pairs [][2]string, where func(i int) string) error {
	t.merges = make(map[uint64]merge, len(pairs))
	for i, p := range pairs {
		a, okA := t.vocab[p[0]]
		b, okB := t.vocab[p[1]]
		ab, okAB := t.vocab[p[0]+p[1]]
		if !okA || !okB || !okAB {
			if where == nil {
				continue
			}
			missing := p[0] + p[1]
			switch {
			case !okA:
				missing = p[0]
			case !okB:
				missing = p[1]
			}
			return fmt.Errorf("tokenizer %s: merge %q: %q is not in the vocabulary", where(i), p[0]+" "+p[1], missing)
		}
		t.merges[pairKey(a, b)] = merge{rank: int32(i), id: ab}
	}
	t.nMerges = len(pairs)
	return nil
}

// finish fills the byte-symbol tables and the special ids from the
// vocabulary.
func (t *Tokenizer) finish() error {
	_, symbol := byteSymbols()
	for b := range 256 {
		t.byteSym[b], t.byteSymEnd[b] = -1, -1
		if id, ok := t.vocab[string(symbol[b])]; ok {
			t.byteSym[b] = id
		}
		if id, ok := t.vocab[string(symbol[b])+EndOfWord]; ok {
			t.byteSymEnd[b] = id
		}
	}
	var ok bool
	if t.sot, ok = t.vocab[StartOfText]; !ok {
		return fmt.Errorf("tokenizer %s: no %s token in the vocabulary", t.path, StartOfText)
	}
	if t.eot, ok = t.vocab[EndOfText]; !ok {
		return fmt.Errorf("tokenizer %s: no %s token in the vocabulary", t.path, EndOfText)
	}
	if t.tokens == nil {
		size := 0
		for _, id := range t.vocab {
			size = max(size, int(id)+1)
		}
		t.tokens = make([]string, size)
		for tok, id := range t.vocab {
			t.tokens[id] = tok
		}
	}
	return nil
}

// jsonError locates a JSON decoding error in data as FILE:LINE:COL.
func jsonError(path string, data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return fmt.Errorf("tokenizer %s: %w", path, err)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(data[:off], '\n')
	return fmt.Errorf("tokenizer %s:%d:%d: %w", path, line, col, err)
}

// readVocab decodes a JSON object of token -> id.
func readVocab(path string, data []byte, raw json.RawMessage) (map[string]int32, error) {
	var ids map[string]int64
	if err := json.Unmarshal(raw, &ids); err != nil {
		return nil, jsonError(path, data, err)
	}
	vocab := make(map[string]int32, len(ids))
	for tok, id := range ids {
		if id < 0 || id >= 1<<31-1 {
			return nil, fmt.Errorf("tokenizer %s: token %q has id %d, want 0 or more", path, tok, id)
		}
		vocab[tok] = int32(id)
	}
	return vocab, nil
}

// loadVocabMerges reads Hugging Face's vocab.json and merges.txt, and
// tokenizer_config.json and added_tokens.json beside them when present.
func loadVocabMerges(path, vocabPath, mergesPath string) (*Tokenizer, error) {
	vdata, err := readFile(vocabPath)
	if err != nil {
		return nil, err
	}
	vdata = bytes.TrimPrefix(vdata, []byte("\ufeff"))
	vocab, err := readVocab(vocabPath, vdata, vdata)
	if err != nil {
		return nil, err
	}
	mdata, err := readFile(mergesPath)
	if err != nil {
		return nil, err
	}
	var pairs [][2]string
	var lines []int
	for i, line := range strings.Split(string(bytes.TrimPrefix(mdata, []byte("\ufeff"))), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" || (i == 0 && strings.HasPrefix(line, "#version")) {
			continue
		}
		a, b, ok := strings.Cut(line, " ")
		if !ok || a == "" || b == "" || strings.Contains(b, " ") {
			return nil, fmt.Errorf("tokenizer %s:%d: merge line %q, want two symbols separated by one space", mergesPath, i+1, line)
		}
		pairs = append(pairs, [2]string{a, b})
		lines = append(lines, i+1)
	}
	dir := filepath.Dir(vocabPath)
	added := filepath.Join(dir, "added_tokens.json")
	if exists(added) {
		adata, err := readFile(added)
		if err != nil {
			return nil, err
		}
		extra, err := readVocab(added, adata, adata)
		if err != nil {
			return nil, err
		}
		for tok, id := range extra {
			vocab[tok] = id
		}
	}
	t := &Tokenizer{path: path, format: FormatVocabMerges, vocab: vocab, unk: -1, padID: -1, sep: -1}
	if err := t.setMerges(pairs, func(i int) string { return fmt.Sprintf("%s:%d", mergesPath, lines[i]) }); err != nil {
		return nil, err
	}
	if err := t.finish(); err != nil {
		return nil, err
	}
	// CLIPTokenizer's unknown token is <|endoftext|> unless the config says
	// otherwise.
	t.unk = t.eot
	config := filepath.Join(dir, "tokenizer_config.json")
	if exists(config) {
		if err := t.readConfig(config, true); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// tokenString is a token named in tokenizer_config.json: a string or an
// object with "content".
type tokenString string

func (s *tokenString) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = tokenString(str)
		return nil
	}
	var obj struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	*s = tokenString(obj.Content)
	return nil
}

// readConfig takes the pad token, maximum length and (with unk) the unknown
// token from a tokenizer_config.json.
func (t *Tokenizer) readConfig(path string, unk bool) error {
	data, err := readFile(path)
	if err != nil {
		return err
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var cfg struct {
		PadToken       tokenString `json:"pad_token"`
		UnkToken       tokenString `json:"unk_token"`
		SepToken       tokenString `json:"sep_token"`
		ModelMaxLength *float64    `json:"model_max_length"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return jsonError(path, data, err)
	}
	if cfg.PadToken != "" {
		id, ok := t.vocab[string(cfg.PadToken)]
		if !ok {
			return fmt.Errorf("tokenizer %s: pad_token %q is not in the vocabulary", path, cfg.PadToken)
		}
		t.padID = id
	}
	if cfg.SepToken != "" {
		id, ok := t.vocab[string(cfg.SepToken)]
		if !ok {
			return fmt.Errorf("tokenizer %s: sep_token %q is not in the vocabulary", path, cfg.SepToken)
		}
		t.sep = id
	}
	if unk && cfg.UnkToken != "" {
		id, ok := t.vocab[string(cfg.UnkToken)]
		if !ok {
			return fmt.Errorf("tokenizer %s: unk_token %q is not in the vocabulary", path, cfg.UnkToken)
		}
		t.unk = id
	}
	// Configs without a real limit say 1e30.
	if m := cfg.ModelMaxLength; m != nil && *m >= 1 && *m <= 1<<20 {
		t.maxLength = int(*m)
	}
	return nil
}

// hfModel is the model section of a tokenizer.json.
type hfModel struct {
	Type                    string          `json:"type"`
	Vocab                   json.RawMessage `json:"vocab"`
	Merges                  json.RawMessage `json:"merges"`
	UnkToken                *string         `json:"unk_token"`
	EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	Dropout                 *float64        `json:"dropout"`
	MaxInputCharsPerWord    *int            `json:"max_input_chars_per_word"`
}

// kind is the model type, inferred from its fields when "type" is absent
// (as Hugging Face tokenizers does for old files).
func (m *hfModel) kind() string {
	switch {
	case m.Type != "":
		return m.Type
	case m.Merges != nil:
		return "BPE"
	case len(m.Vocab) > 0 && m.Vocab[0] == '[':
		return "Unigram"
	case m.MaxInputCharsPerWord != nil:
		return "WordPiece"
	}
	return "WordLevel"
}

// tokenizerDoc is the part of a tokenizer.json that [Load] reads.
type tokenizerDoc struct {
	AddedTokens []struct {
		ID         int64  `json:"id"`
		Content    string `json:"content"`
		Special    bool   `json:"special"`
		Normalized *bool  `json:"normalized"`
		Lstrip     bool   `json:"lstrip"`
		Rstrip     bool   `json:"rstrip"`
		SingleWord bool   `json:"single_word"`
	} `json:"added_tokens"`
	Truncation *struct {
		MaxLength int    `json:"max_length"`
		Direction string `json:"direction"`
	} `json:"truncation"`
	Padding *struct {
		PadID    *int64          `json:"pad_id"`
		Strategy json.RawMessage `json:"strategy"`
	} `json:"padding"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	RawModel      json.RawMessage `json:"model"`
}

// isCLIPBPE reports whether a BPE model section is CLIP's: byte-level
// symbols with the "</w>" end-of-word suffix and no continuation prefix.
func (m *hfModel) isCLIPBPE() bool {
	return m.EndOfWordSuffix != nil && *m.EndOfWordSuffix == EndOfWord &&
		(m.ContinuingSubwordPrefix == nil || *m.ContinuingSubwordPrefix == "")
}

// parseTokenizerJSON reads a Hugging Face tokenizer.json: CLIP-style BPE
// on the CLIP path, every other model through its pipeline.
func parseTokenizerJSON(path string, data []byte) (*Tokenizer, error) {
	var doc tokenizerDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonError(path, data, err)
	}
	if len(doc.RawModel) == 0 || string(doc.RawModel) == "null" {
		return nil, fmt.Errorf("tokenizer %s: no \"model\" section: not a tokenizer.json", path)
	}
	var m hfModel
	if err := json.Unmarshal(doc.RawModel, &m); err != nil {
		return nil, jsonError(path, data, err)
	}
	kind := m.kind()
	if kind != "BPE" || !m.isCLIPBPE() {
		return parsePipeline(path, data, kind, &doc)
	}
	if m.Dropout != nil && *m.Dropout > 0 {
		return nil, &UnsupportedError{Type: "BPE with dropout", File: path}
	}
	if m.Vocab == nil {
		return nil, fmt.Errorf("tokenizer %s: model.vocab is missing", path)
	}
	vocab, err := readVocab(path, data, m.Vocab)
	if err != nil {
		return nil, err
	}
	for i, at := range doc.AddedTokens {
		if at.ID < 0 || at.ID >= 1<<31-1 {
			return nil, fmt.Errorf("tokenizer %s: added_tokens[%d] %q has id %d, want 0 or more", path, i, at.Content, at.ID)
		}
		vocab[at.Content] = int32(at.ID)
	}
	var raw []json.RawMessage
	if m.Merges != nil {
		if err := json.Unmarshal(m.Merges, &raw); err != nil {
			return nil, jsonError(path, data, err)
		}
	}
	pairs := make([][2]string, len(raw))
	for i, r := range raw {
		var s string
		var pair []string
		if err := json.Unmarshal(r, &s); err == nil {
			a, b, ok := strings.Cut(s, " ")
			if !ok || a == "" || b == "" || strings.Contains(b, " ") {
				return nil, fmt.Errorf("tokenizer %s: model.merges[%d] %q, want two symbols separated by one space", path, i, s)
			}
			pairs[i] = [2]string{a, b}
		} else if err := json.Unmarshal(r, &pair); err == nil && len(pair) == 2 {
			pairs[i] = [2]string{pair[0], pair[1]}
		} else {
			return nil, fmt.Errorf("tokenizer %s: model.merges[%d] is %s, want \"a b\" or [\"a\", \"b\"]", path, i, r)
		}
	}
	t := &Tokenizer{path: path, format: FormatTokenizerJSON, vocab: vocab, unk: -1, padID: -1, sep: -1}
	if err := t.setMerges(pairs, func(i int) string { return fmt.Sprintf("%s: model.merges[%d]", path, i) }); err != nil {
		return nil, err
	}
	if err := t.finish(); err != nil {
		return nil, err
	}
	if m.UnkToken != nil {
		id, ok := t.vocab[*m.UnkToken]
		if !ok {
			return nil, fmt.Errorf("tokenizer %s: model.unk_token %q is not in the vocabulary", path, *m.UnkToken)
		}
		t.unk = id
	}
	if err := t.readSettings(path, data, &doc); err != nil {
		return nil, err
	}
	return t, nil
}

// readSettings takes the pad id and length limit from a tokenizer.json's
// padding and truncation, then from tokenizer_config.json beside it
// (tokenizer.json's own settings win).
func (t *Tokenizer) readSettings(path string, data []byte, doc *tokenizerDoc) error {
	if p := doc.Padding; p != nil {
		if p.PadID != nil {
			if *p.PadID < 0 || *p.PadID >= int64(len(t.tokens)) {
				return fmt.Errorf("tokenizer %s: padding.pad_id %d is outside the vocabulary (%d tokens)", path, *p.PadID, len(t.tokens))
			}
			t.padID = int32(*p.PadID)
		}
		var fixed struct {
			Fixed int `json:"Fixed"`
		}
		if json.Unmarshal(p.Strategy, &fixed) == nil && fixed.Fixed > 0 {
			t.maxLength = fixed.Fixed
		}
	}
	if tr := doc.Truncation; tr != nil {
		if tr.MaxLength > 0 {
			t.maxLength = tr.MaxLength
		}
		switch tr.Direction {
		case "", "Right":
		case "Left":
			if t.hf != nil {
				t.hf.truncLeft = true
			}
		default:
			return fmt.Errorf("tokenizer %s: truncation.direction %q, want Left or Right", path, tr.Direction)
		}
	}
	config := filepath.Join(filepath.Dir(path), "tokenizer_config.json")
	if !exists(config) {
		return nil
	}
	pad, maxLen := t.padID, t.maxLength
	if err := t.readConfig(config, false); err != nil {
		return err
	}
	if pad >= 0 {
		t.padID = pad
	}
	if maxLen > 0 {
		t.maxLength = maxLen
	}
	return nil
}
