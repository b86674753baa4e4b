package tokenizer

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/evalclip/evalclip/internal/panics"
)

// DefaultContextLength is CLIP's text context: 77 tokens, SOT and EOT
// included.
const DefaultContextLength = 77

// Tokenizer turns text into CLIP token ids. It is immutable after [Load]
// apart from its word cache, and safe for concurrent use.
type Tokenizer struct {
	path    string
	format  Format
	vocab   map[string]int32 // token -> id
	tokens  []string         // id -> token ("" where no token has the id)
	merges  map[uint64]merge // (left id, right id) -> rank, joined id
	nMerges int

	byteSym    [256]int32 // id of each byte's symbol, -1 if not in the vocabulary
	byteSymEnd [256]int32 // the same with "</w>"
	sot, eot   int32
	unk        int32 // id for symbols not in the vocabulary; -1 drops them
	padID      int32 // from the tokenizer files; -1 when they say nothing
	sep        int32 // tokenizer_config.json's sep_token; -1 when it says nothing
	maxLength  int   // from the tokenizer files; 0 when they say nothing

	// hf is set for tokenizer.json pipelines other than CLIP's BPE
	// (Unigram, WordPiece, other BPE, WordLevel); the CLIP fields above
	// are then unused but vocab and tokens.
	hf       *pipeline
	wpPrefix string // WordPiece continuation prefix, for decoding

	cache   wordCache
	noCache bool // benchmarks only: BPE every word
}

// Encode returns the token ids of text, without start and end tokens (or
// the special tokens a tokenizer.json post-processor adds).
func (t *Tokenizer) Encode(text string) []int {
	return ints(t.appendIDs(nil, text))
}

// appendIDs appends the Encode ids of text to dst.
func (t *Tokenizer) appendIDs(dst []int32, text string) []int32 {
	if t.hf != nil {
		return t.hf.encode(dst, text)
	}
	return t.encode(dst, text, -1)
}

// Tokenize returns [SOT] ids [EOT] for text, not padded. When that is
// longer than contextLength it keeps the first contextLength-1 tokens and
// ends with EOT (open_clip's truncation). contextLength <= 0 means no
// limit. For a tokenizer.json pipeline the row is what its post-processor
// makes of the ids (for example [CLS] ids [SEP], or ids </s>), truncated
// as Hugging Face truncates: sequence ids are dropped, the specials kept.
func (t *Tokenizer) Tokenize(text string, contextLength int) []int {
	return ints(t.row(nil, text, contextLength))
}

func ints(ids []int32) []int {
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out
}

// row appends the Tokenize row of text to dst.
func (t *Tokenizer) row(dst []int32, text string, contextLength int) []int32 {
	if t.hf != nil {
		return t.hf.row(dst, text, contextLength)
	}
	if contextLength == 1 {
		return append(dst, t.eot)
	}
	limit := contextLength - 2
	if contextLength <= 0 {
		limit = -1
	}
	dst = append(dst, t.sot)
	return append(t.encode(dst, text, limit), t.eot)
}

// Batch tokenizes texts into one row-major len(texts) x contextLength
// batch of int64 ids (the input of an ONNX text tower), each row
// [SOT] ids [EOT] truncated as by [Tokenizer.Tokenize] and padded with
// padID. Long batches are tokenized on all cores. contextLength must be
// positive.
func (t *Tokenizer) Batch(texts []string, contextLength, padID int) []int64 {
	out := make([]int64, len(texts)*checkContext(contextLength))
	t.rows(texts, contextLength, func(i int, row []int32) {
		dst := out[i*contextLength : (i+1)*contextLength]
		for j, id := range row {
			dst[j] = int64(id)
		}
		for j := len(row); j < contextLength; j++ {
			dst[j] = int64(padID)
		}
	})
	return out
}

// BatchInt32 is [Tokenizer.Batch] with int32 ids, for text towers whose
// input is int32 (open_clip and immich exports).
func (t *Tokenizer) BatchInt32(texts []string, contextLength, padID int) []int32 {
	out := make([]int32, len(texts)*checkContext(contextLength))
	t.rows(texts, contextLength, func(i int, row []int32) {
		dst := out[i*contextLength : (i+1)*contextLength]
		n := copy(dst, row)
		for j := n; j < contextLength; j++ {
			dst[j] = int32(padID)
		}
	})
	return out
}

func checkContext(n int) int {
	if n < 1 {
		panic(fmt.Sprintf("tokenizer: batch context length %d, want at least 1", n))
	}
	return n
}

// rowChunk is how many texts one worker takes at a time.
const rowChunk = 64

// rows calls emit with the Tokenize row of every text, from several
// goroutines when there are many texts; emit must only touch row i.
func (t *Tokenizer) rows(texts []string, contextLength int, emit func(i int, row []int32)) {
	workers := min(runtime.GOMAXPROCS(0), (len(texts)+rowChunk-1)/rowChunk)
	if workers <= 1 {
		var buf []int32
		for i, text := range texts {
			buf = t.row(buf[:0], text, contextLength)
			emit(i, buf)
		}
		return
	}
	var next atomic.Int64
	var g panics.Group
	for range workers {
		g.Go(func() {
			var buf []int32
			for {
				lo := int(next.Add(rowChunk)) - rowChunk
				if lo >= len(texts) {
					return
				}
				for i := lo; i < min(lo+rowChunk, len(texts)); i++ {
					buf = t.row(buf[:0], texts[i], contextLength)
					emit(i, buf)
				}
			}
		})
	}
	g.Wait()
}

// encode appends the ids of text to dst, at most limit of them when
// limit >= 0.
func (t *Tokenizer) encode(dst []int32, text string, limit int) []int32 {
	// Printable ASCII without '&' and with only \t \n \f \r as controls
	// needs no cleaning but lowercasing (whitespace never ends up in a
	// word), and words split the same before and after lowercasing; word
	// lowercases what it has not cached.
	s := text
	if needsFix(text) {
		s = Clean(text)
	}
	start := len(dst)
	for i := 0; ; {
		a, b := nextWord(s, i)
		if b < 0 {
			break
		}
		i = b
		switch w := s[a:b]; {
		case asciiEqualFold(w, StartOfText):
			dst = append(dst, t.sot)
		case asciiEqualFold(w, EndOfText):
			dst = append(dst, t.eot)
		default:
			dst = t.word(dst, w)
		}
		if limit >= 0 && len(dst)-start >= limit {
			return dst[:start+limit]
		}
	}
	return dst
}

// asciiEqualFold reports whether s equals the lowercase ASCII string lower
// once s's ASCII capitals are lowercased (and nothing else: the long s
// "ſ" is not "s" here).
func asciiEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// SOT is the id of <|startoftext|>; for a tokenizer.json pipeline, the
// first special its post-processor puts before the text ([CLS], <s>), or
// -1 if none.
func (t *Tokenizer) SOT() int { return int(t.sot) }

// EOT is the id of <|endoftext|>; for a tokenizer.json pipeline, the last
// special its post-processor puts after the text ([SEP], </s>), or -1 if
// none.
func (t *Tokenizer) EOT() int { return int(t.eot) }

// SepID is the id of tokenizer_config.json's sep_token (BERT's [SEP],
// which open_clip's strip_sep_token replaces with 0), if it names one.
func (t *Tokenizer) SepID() (int, bool) { return int(t.sep), t.sep >= 0 }

// Kind is the tokenizer's model: [KindCLIP], [KindUnigram],
// [KindWordPiece], [KindBPE] or [KindWordLevel].
func (t *Tokenizer) Kind() string {
	if t.hf != nil {
		return t.hf.kind
	}
	return KindCLIP
}

// IsCLIP reports whether this is CLIP's byte-level BPE (with its own
// cleaning: ftfy, whitespace, lowercase).
func (t *Tokenizer) IsCLIP() bool { return t.hf == nil }

// VocabSize is one more than the largest token id.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// PadID is the pad id the tokenizer files name (tokenizer.json's
// padding.pad_id, or tokenizer_config.json's pad_token), if any. OpenAI's
// merges file names none; open_clip pads with 0.
func (t *Tokenizer) PadID() (int, bool) { return int(t.padID), t.padID >= 0 }

// MaxLength is the context length the tokenizer files name
// (tokenizer.json's truncation or fixed padding length,
// tokenizer_config.json's model_max_length), if any.
func (t *Tokenizer) MaxLength() (int, bool) { return t.maxLength, t.maxLength > 0 }

// Format is the on-disk form the tokenizer was read from.
func (t *Tokenizer) Format() Format { return t.format }

// Path is the file or folder the tokenizer was read from.
func (t *Tokenizer) Path() string { return t.path }

// Describe says what was loaded, for logs.
func (t *Tokenizer) Describe() string {
	if p := t.hf; p != nil {
		return fmt.Sprintf("%s: %s %s, %d tokens, %d added, %d+%d specials around the text", t.path, t.format, p.kind, len(t.tokens), len(p.raw)+len(p.norm), len(p.prefix), len(p.suffix))
	}
	return fmt.Sprintf("%s: %s, %d tokens, %d merges, SOT %d, EOT %d", t.path, t.format, len(t.tokens), t.nMerges, t.sot, t.eot)
}

// TokenID returns the id of a vocabulary entry such as "cat</w>".
func (t *Tokenizer) TokenID(token string) (int, bool) {
	id, ok := t.vocab[token]
	return int(id), ok
}

// Token returns the vocabulary entry of id, or "" if there is none.
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// Decode turns ids back into text the way OpenAI's decode does: tokens
// joined, byte symbols turned back into bytes, every "</w>" a space.
// Special tokens appear as their strings; ids outside the vocabulary are
// skipped. Because cleaning is lossy, Decode(Encode(s)) is Clean(s) up to
// spacing at best.
//
// A tokenizer.json pipeline decodes as its usual decoder does: specials
// skipped, byte pieces joined, "▁" a space, "##" pieces glued.
func (t *Tokenizer) Decode(ids []int) string {
	if t.hf != nil {
		return t.hf.decode(t, ids, t.wpPrefix)
	}
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(t.Token(id))
	}
	joined := b.String()
	raw := make([]byte, 0, len(joined))
	for _, r := range joined {
		if by, ok := symbolByte(r); ok {
			raw = append(raw, by)
		} else {
			raw = utf8.AppendRune(raw, r)
		}
	}
	return strings.ReplaceAll(strings.ToValidUTF8(string(raw), "\ufffd"), EndOfWord, " ")
}

// symbolByte is the byte a vocabulary character stands for.
func symbolByte(r rune) (byte, bool) {
	switch {
	case r < 0x100:
		// Printable Latin-1 characters stand for themselves.
		if '!' <= r && r <= '~' || 0xa1 <= r && r <= 0xac || 0xae <= r && r <= 0xff {
			return byte(r), true
		}
	case r < 0x100+68:
		return nonPrintable[r-0x100], true
	}
	return 0, false
}

// nonPrintable lists, in order, the 68 bytes whose symbols are U+0100 up.
var nonPrintable = func() (t [68]byte) {
	order, _ := byteSymbols()
	copy(t[:], order[256-68:])
	return t
}()
