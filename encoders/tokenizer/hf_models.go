package tokenizer

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// hfModelImpl turns one pre-tokenized piece into ids.
type hfModelImpl interface {
	tokenize(dst []int32, piece string) []int32
}

// byteTokens maps bytes to their "<0xXX>" byte-fallback pieces (-1: none).
func byteTokens(vocab map[string]int32) ([256]int32, bool) {
	var t [256]int32
	all := true
	for b := 0; b < 256; b++ {
		id, ok := vocab[fmt.Sprintf("<0x%02X>", b)]
		if !ok {
			id, all = -1, false
		}
		t[b] = id
	}
	return t, all
}

// allBytes reports whether every byte of s has a byte piece.
func allBytes(s string, bytes [256]int32) bool {
	for i := 0; i < len(s); i++ {
		if bytes[s[i]] < 0 {
			return false
		}
	}
	return true
}

// appendBytes appends the byte pieces of s, or unk when one is missing.
func appendBytes(dst []int32, s string, bytes [256]int32, unk int32) []int32 {
	for i := 0; i < len(s); i++ {
		if bytes[s[i]] < 0 {
			return append(dst, unk)
		}
	}
	for i := 0; i < len(s); i++ {
		dst = append(dst, bytes[s[i]])
	}
	return dst
}

// unigram is SentencePiece's unigram model as Hugging Face runs it: the
// segmentation with the highest total score (Viterbi over the pieces that
// prefix each position); a character no piece covers is unknown, scored
// min_score - 10; consecutive unknowns fuse; with byte fallback an unknown
// becomes its UTF-8 byte pieces.
type unigram struct {
	trie         *pieceTrie
	scores       []float64
	unk          int32
	minScore     float64
	byteFallback bool
	bytes        [256]int32
}

func newUnigram(path string, raw json.RawMessage) (*unigram, map[string]int32, []string, error) {
	var m struct {
		UnkID        *int                `json:"unk_id"`
		Vocab        [][]json.RawMessage `json:"vocab"`
		ByteFallback bool                `json:"byte_fallback"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, nil, fmt.Errorf("tokenizer %s: Unigram model: %w", path, err)
	}
	u := &unigram{trie: newPieceTrie(), unk: -1, minScore: math.Inf(1), byteFallback: m.ByteFallback}
	vocab := map[string]int32{}
	tokens := make([]string, len(m.Vocab))
	u.scores = make([]float64, len(m.Vocab))
	for i, e := range m.Vocab {
		var piece string
		var score float64
		if len(e) != 2 || json.Unmarshal(e[0], &piece) != nil || json.Unmarshal(e[1], &score) != nil {
			return nil, nil, nil, fmt.Errorf("tokenizer %s: model.vocab[%d]: want [piece, score]", path, i)
		}
		if _, dup := vocab[piece]; !dup {
			vocab[piece] = int32(i)
		}
		tokens[i], u.scores[i] = piece, score
		u.trie.add(piece, int32(i))
		u.minScore = math.Min(u.minScore, score)
	}
	u.trie.freeze()
	if m.UnkID != nil {
		if *m.UnkID < 0 || *m.UnkID >= len(tokens) {
			return nil, nil, nil, fmt.Errorf("tokenizer %s: model.unk_id %d outside the vocabulary", path, *m.UnkID)
		}
		u.unk = int32(*m.UnkID)
	}
	all := false
	if u.byteFallback {
		u.bytes, all = byteTokens(vocab)
	}
	if len(tokens) == 0 {
		return nil, nil, nil, fmt.Errorf("tokenizer %s: Unigram model.vocab is empty", path)
	}
	if u.unk < 0 && !(u.byteFallback && all) {
		return nil, nil, nil, fmt.Errorf("tokenizer %s: Unigram model has no unk_id (needed for characters no piece covers, without byte fallback over all 256 <0xXX> pieces)", path)
	}
	return u, vocab, tokens, nil
}

// viterbiNode is the best segmentation ending at a byte position.
type viterbiNode struct {
	score float64
	start int
	id    int32
	set   bool
}

// viterbiSpan is one token of the best path: its id and bytes.
type viterbiSpan struct {
	id         int32
	start, end int
}

type viterbiScratch struct {
	best []viterbiNode
	rev  []viterbiSpan
}

var viterbiPool = sync.Pool{New: func() any { return new(viterbiScratch) }}

func (u *unigram) tokenize(dst []int32, s string) []int32 {
	if s == "" {
		return dst
	}
	sc := viterbiPool.Get().(*viterbiScratch)
	defer viterbiPool.Put(sc)
	if cap(sc.best) < len(s)+1 {
		sc.best = make([]viterbiNode, len(s)+1)
	}
	best := sc.best[:len(s)+1]
	clear(best)
	best[0].set = true
	unkScore := u.minScore - 10
	unk := u.unk // marks unknown spans; without unk_id, byte fallback covers every byte
	if unk < 0 {
		unk = -2
	}
	for at := 0; at < len(s); {
		_, mblen := utf8.DecodeRuneInString(s[at:])
		if !best[at].set {
			at += mblen
			continue
		}
		here := best[at].score
		single := false
		u.trie.prefixes(s[at:], func(n int, id int32) {
			cand := u.scores[id] + here
			if t := &best[at+n]; !t.set || cand > t.score {
				*t = viterbiNode{score: cand, start: at, id: id, set: true}
			}
			if n == mblen {
				single = true
			}
		})
		if !single {
			if t := &best[at+mblen]; !t.set || unkScore+here > t.score {
				*t = viterbiNode{score: unkScore + here, start: at, id: unk, set: true}
			}
		}
		at += mblen
	}
	// Walk back; fuse runs of unknowns.
	rev := sc.rev[:0]
	for end := len(s); end > 0; {
		n := best[end]
		if last := len(rev) - 1; n.id == unk && last >= 0 && rev[last].id == unk {
			rev[last].start = n.start
		} else {
			rev = append(rev, viterbiSpan{n.id, n.start, end})
		}
		end = n.start
	}
	sc.rev = rev
	for i := len(rev) - 1; i >= 0; i-- {
		t := rev[i]
		if t.id == unk && u.byteFallback {
			dst = appendBytes(dst, s[t.start:t.end], u.bytes, u.unk)
			continue
		}
		dst = append(dst, t.id)
	}
	return dst
}

// pieceTrie is a byte trie of vocabulary pieces, built with add and
// searched with prefixes after freeze: nodes hold their children as a
// sorted run of edges.
type pieceTrie struct {
	build map[trieEdgeKey]int32 // while adding: (node, byte) -> child
	ends  map[int32]int32       // while adding: node -> piece id
	nodes []trieNode
	edges []trieEdge
	root  [256]int32 // the root's children, dense: most lookups start there
	n     int32
}

type trieEdgeKey struct {
	node int32
	b    byte
}

type trieNode struct {
	id     int32 // piece ending here, -1 if none
	lo, hi int32 // edges[lo:hi], sorted by byte
}

type trieEdge struct {
	b  byte
	to int32
}

func newPieceTrie() *pieceTrie {
	return &pieceTrie{build: map[trieEdgeKey]int32{}, ends: map[int32]int32{}, n: 1}
}

// add inserts s; a piece added twice keeps its first id.
func (t *pieceTrie) add(s string, id int32) {
	n := int32(0)
	for i := 0; i < len(s); i++ {
		k := trieEdgeKey{n, s[i]}
		c, ok := t.build[k]
		if !ok {
			c = t.n
			t.n++
			t.build[k] = c
		}
		n = c
	}
	if _, dup := t.ends[n]; !dup {
		t.ends[n] = id
	}
}

// freeze turns the build maps into the node and edge arrays.
func (t *pieceTrie) freeze() {
	t.nodes = make([]trieNode, t.n)
	for i := range t.nodes {
		t.nodes[i].id = -1
	}
	for n, id := range t.ends {
		t.nodes[n].id = id
	}
	keys := make([]trieEdgeKey, 0, len(t.build))
	for k := range t.build {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].node != keys[j].node {
			return keys[i].node < keys[j].node
		}
		return keys[i].b < keys[j].b
	})
	t.edges = make([]trieEdge, len(keys))
	for i, k := range keys {
		t.edges[i] = trieEdge{k.b, t.build[k]}
		if i == 0 || keys[i-1].node != k.node {
			t.nodes[k.node].lo = int32(i)
		}
		t.nodes[k.node].hi = int32(i + 1)
	}
	for b := range t.root {
		t.root[b] = t.child(0, byte(b))
	}
	t.build, t.ends = nil, nil
}

// child is node n's child on byte b, or -1.
func (t *pieceTrie) child(n int32, b byte) int32 {
	e := t.edges[t.nodes[n].lo:t.nodes[n].hi]
	lo, hi := 0, len(e)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case e[m].b == b:
			return e[m].to
		case e[m].b < b:
			lo = m + 1
		default:
			hi = m
		}
	}
	return -1
}

// prefixes calls f with the length and id of every piece that prefixes s,
// shortest first.
func (t *pieceTrie) prefixes(s string, f func(n int, id int32)) {
	if len(s) == 0 {
		return
	}
	n := t.root[s[0]]
	for i := 0; ; {
		if n < 0 {
			return
		}
		if id := t.nodes[n].id; id >= 0 {
			f(i+1, id)
		}
		if i++; i == len(s) {
			return
		}
		n = t.child(n, s[i])
	}
}

// wordPiece is BERT's greedy longest-match-first subword model.
type wordPiece struct {
	vocab  map[string]int32
	unk    int32
	prefix string
	maxLen int
}

func newWordPiece(path string, raw json.RawMessage) (*wordPiece, map[string]int32, []string, error) {
	var m struct {
		UnkToken string           `json:"unk_token"`
		Prefix   *string          `json:"continuing_subword_prefix"`
		MaxChars *int             `json:"max_input_chars_per_word"`
		Vocab    map[string]int32 `json:"vocab"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, nil, fmt.Errorf("tokenizer %s: WordPiece model: %w", path, err)
	}
	w := &wordPiece{vocab: m.Vocab, prefix: "##", maxLen: 100, unk: -1}
	if m.Prefix != nil {
		w.prefix = *m.Prefix
	}
	if m.MaxChars != nil {
		w.maxLen = *m.MaxChars
	}
	if m.UnkToken == "" {
		m.UnkToken = "[UNK]"
	}
	id, ok := m.Vocab[m.UnkToken]
	if !ok {
		return nil, nil, nil, fmt.Errorf("tokenizer %s: WordPiece unk_token %q is not in the vocabulary", path, m.UnkToken)
	}
	w.unk = id
	tokens, err := tokenList(path, m.Vocab)
	return w, m.Vocab, tokens, err
}

func (w *wordPiece) tokenize(dst []int32, s string) []int32 {
	if utf8.RuneCountInString(s) > w.maxLen {
		return append(dst, w.unk)
	}
	start := len(dst)
	for pos := 0; pos < len(s); {
		end, found := len(s), int32(-1)
		for pos < end {
			sub := s[pos:end]
			if pos > 0 {
				sub = w.prefix + sub
			}
			if id, ok := w.vocab[sub]; ok {
				found = id
				break
			}
			_, n := utf8.DecodeLastRuneInString(s[pos:end])
			end -= n
		}
		if found < 0 {
			return append(dst[:start], w.unk)
		}
		dst = append(dst, found)
		pos = end
	}
	return dst
}

// tokenList turns a token -> id map into an id -> token list.
func tokenList(path string, vocab map[string]int32) ([]string, error) {
	n := 0
	for _, id := range vocab {
		if id < 0 {
			return nil, fmt.Errorf("tokenizer %s: negative id %d in the vocabulary", path, id)
		}
		n = max(n, int(id)+1)
	}
	if n > 1<<24 {
		return nil, fmt.Errorf("tokenizer %s: vocabulary ids up to %d", path, n)
	}
	tokens := make([]string, n)
	for t, id := range vocab {
		tokens[id] = t
	}
	return tokens, nil
}

// wordLevel maps whole pieces to ids.
type wordLevel struct {
	vocab map[string]int32
	unk   int32
}

func (w *wordLevel) tokenize(dst []int32, s string) []int32 {
	if id, ok := w.vocab[s]; ok {
		return append(dst, id)
	}
	return append(dst, w.unk)
}

// hfBPE is Hugging Face's BPE model (GPT-2 and SentencePiece-BPE style):
// a piece's characters (with the continuing prefix and end-of-word
// suffix), unknown ones fused or made byte pieces, merged by rank, lowest
// first and leftmost among equals.
type hfBPE struct {
	vocab        map[string]int32
	merges       map[uint64]merge
	unk          int32
	fuseUnk      bool
	byteFallback bool
	bytes        [256]int32
	prefix       string
	suffix       string
	ignoreMerges bool
}

func newHFBPE(path string, raw json.RawMessage) (*hfBPE, map[string]int32, []string, error) {
	var m struct {
		Vocab        map[string]int32  `json:"vocab"`
		Merges       []json.RawMessage `json:"merges"`
		UnkToken     *string           `json:"unk_token"`
		Prefix       *string           `json:"continuing_subword_prefix"`
		Suffix       *string           `json:"end_of_word_suffix"`
		FuseUnk      bool              `json:"fuse_unk"`
		ByteFallback bool              `json:"byte_fallback"`
		IgnoreMerges bool              `json:"ignore_merges"`
		Dropout      *float64          `json:"dropout"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, nil, fmt.Errorf("tokenizer %s: BPE model: %w", path, err)
	}
	if m.Dropout != nil && *m.Dropout > 0 {
		return nil, nil, nil, &UnsupportedError{Type: "BPE with dropout", File: path}
	}
	b := &hfBPE{vocab: m.Vocab, merges: make(map[uint64]merge, len(m.Merges)), unk: -1,
		fuseUnk: m.FuseUnk, byteFallback: m.ByteFallback, ignoreMerges: m.IgnoreMerges}
	if m.Prefix != nil {
		b.prefix = *m.Prefix
	}
	if m.Suffix != nil {
		b.suffix = *m.Suffix
	}
	if m.UnkToken != nil {
		id, ok := m.Vocab[*m.UnkToken]
		if !ok {
			return nil, nil, nil, fmt.Errorf("tokenizer %s: BPE unk_token %q is not in the vocabulary", path, *m.UnkToken)
		}
		b.unk = id
	}
	for i, r := range m.Merges {
		var s string
		var pair []string
		if json.Unmarshal(r, &s) == nil {
			x, y, ok := strings.Cut(s, " ")
			if !ok {
				return nil, nil, nil, fmt.Errorf("tokenizer %s: model.merges[%d] %q", path, i, s)
			}
			pair = []string{x, y}
		} else if json.Unmarshal(r, &pair) != nil || len(pair) != 2 {
			return nil, nil, nil, fmt.Errorf("tokenizer %s: model.merges[%d]: want \"a b\" or [a, b]", path, i)
		}
		l, ok1 := m.Vocab[pair[0]]
		r2, ok2 := m.Vocab[pair[1]]
		joined := pair[0] + pair[1]
		if b.prefix != "" && strings.HasPrefix(pair[1], b.prefix) {
			joined = pair[0] + pair[1][len(b.prefix):]
		}
		j, ok3 := m.Vocab[joined]
		if !ok1 || !ok2 || !ok3 {
			return nil, nil, nil, fmt.Errorf("tokenizer %s: model.merges[%d] %q + %q: not in the vocabulary", path, i, pair[0], pair[1])
		}
		if i >= 1<<31-1 {
			return nil, nil, nil, fmt.Errorf("tokenizer %s: more than %d merges", path, 1<<31-1)
		}
		// A repeated pair keeps its last rank, as in Hugging Face's map.
		b.merges[pairKey(l, r2)] = merge{rank: int32(i), id: j}
	}
	if b.byteFallback {
		b.bytes, _ = byteTokens(m.Vocab)
	}
	tokens, err := tokenList(path, m.Vocab)
	return b, m.Vocab, tokens, err
}

func (b *hfBPE) tokenize(dst []int32, s string) []int32 {
	if s == "" {
		return dst
	}
	if b.ignoreMerges {
		if id, ok := b.vocab[s+b.suffix]; ok {
			return append(dst, id)
		}
	}
	var syms []int32
	pending := int32(-1) // an unknown not yet added (fused with the next ones)
	n := utf8.RuneCountInString(s)
	k := 0
	for i, r := range s {
		ch := s[i : i+utf8.RuneLen(r)]
		if k > 0 {
			ch = b.prefix + ch
		}
		if k == n-1 {
			ch += b.suffix
		}
		k++
		if id, ok := b.vocab[ch]; ok {
			if pending >= 0 {
				syms, pending = append(syms, pending), -1
			}
			syms = append(syms, id)
			continue
		}
		if b.byteFallback && allBytes(ch, b.bytes) {
			// As Hugging Face does, byte pieces do not flush a pending unknown.
			for j := 0; j < len(ch); j++ {
				syms = append(syms, b.bytes[ch[j]])
			}
			continue
		}
		if b.unk < 0 {
			continue
		}
		if pending >= 0 && !b.fuseUnk {
			syms = append(syms, pending)
		}
		pending = b.unk
	}
	if pending >= 0 {
		syms = append(syms, pending)
	}
	return append(dst, applyMerges(b.merges, syms)...)
}

// sortedAdded orders added tokens longest first (leftmost-longest
// matching).
func sortedAdded(a []addedToken) {
	sort.SliceStable(a, func(i, j int) bool { return len(a[i].content) > len(a[j].content) })
}
