package tokenizer

import (
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// EndOfWord is the suffix the last symbol of every word carries.
const EndOfWord = "</w>"

// byteSymbols returns the 256 printable characters that stand for bytes in
// the vocabulary, in vocabulary order, and the byte each one stands for.
// Printable Latin-1 bytes stand for themselves; the others (controls, space,
// 0x7F-0xA0, 0xAD) map to U+0100 upwards in byte order.
func byteSymbols() (order [256]byte, symbol [256]rune) {
	n := 0
	printable := func(b int) bool {
		return '!' <= b && b <= '~' || 0xa1 <= b && b <= 0xac || 0xae <= b && b <= 0xff
	}
	for b := 0; b < 256; b++ {
		if printable(b) {
			order[n] = byte(b)
			symbol[b] = rune(b)
			n++
		}
	}
	extra := rune(0)
	for b := 0; b < 256; b++ {
		if !printable(b) {
			order[n] = byte(b)
			symbol[b] = 256 + extra
			extra++
			n++
		}
	}
	return order, symbol
}

// merge is one ranked merge: the pair's rank and the id of the joined symbol.
type merge struct {
	rank int32
	id   int32
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// bpe appends the ids of one word (raw UTF-8 bytes of a pre-token) to dst.
func (t *Tokenizer) bpe(dst []int32, word string) []int32 {
	start := len(dst)
	for i := 0; i < len(word); i++ {
		id := t.byteSym[word[i]]
		if i == len(word)-1 {
			id = t.byteSymEnd[word[i]]
		}
		if id < 0 {
			if t.unk < 0 {
				continue // no unknown token: the symbol is dropped
			}
			id = t.unk
		}
		dst = append(dst, id)
	}
	sym := dst[start:]
	sym = applyMerges(t.merges, sym)
	return dst[:start+len(sym)]
}

// applyMerges applies merges to the symbols sym in place and returns them
// shortened: quadratic scanning for short words, mergeLong above longWord
// symbols. Hugging Face's BPE (lowest rank first, leftmost among equals)
// gives the same result, since only occurrences of one pair share a rank
// and merging never creates another occurrence of the pair merged.
func applyMerges(merges map[uint64]merge, sym []int32) []int32 {
	if len(sym) > longWord {
		return mergeLong(merges, sym)
	}
	return mergeScan(merges, sym)
}

// mergeScan applies the merges to sym in place and returns it shortened,
// as OpenAI's code does: find the lowest-ranked adjacent pair, merge every
// occurrence of it left to right, repeat until no pair has a rank.
func mergeScan(merges map[uint64]merge, sym []int32) []int32 {
	for len(sym) > 1 {
		best, at := merge{rank: math.MaxInt32}, -1
		for i := 0; i+1 < len(sym); i++ {
			if m, ok := merges[pairKey(sym[i], sym[i+1])]; ok && m.rank < best.rank {
				best, at = m, i
			}
		}
		if at < 0 {
			break
		}
		// at is the first occurrence of the pair.
		a, b := sym[at], sym[at+1]
		w := at
		for r := at; r < len(sym); {
			if r+1 < len(sym) && sym[r] == a && sym[r+1] == b {
				sym[w] = best.id
				r += 2
			} else {
				sym[w] = sym[r]
				r++
			}
			w++
		}
		sym = sym[:w]
	}
	return sym
}

// longWord is the symbol count above which bpe switches from the quadratic
// scan to mergeLong.
const longWord = 256

// mergeLong applies the merges to sym in place and returns it shortened,
// in O(n log n) rather than the scan's O(n^2), with the same result: each
// round takes the lowest-ranked pair present and merges its occurrences
// left to right. Pair positions are indexed per pair and the ranks kept in
// a heap; entries made stale by earlier merges are skipped.
func mergeLong(merges map[uint64]merge, sym []int32) []int32 {
	n := len(sym)
	next := make([]int32, n) // linked list over positions; -1 ends it
	prev := make([]int32, n)
	for i := range sym {
		next[i], prev[i] = int32(i+1), int32(i-1)
	}
	next[n-1] = -1
	alive := make([]bool, n)
	for i := range alive {
		alive[i] = true
	}
	at := map[uint64][]int32{} // pair -> left positions (possibly stale)
	var h rankHeap
	note := func(i int32) {
		j := next[i]
		if j < 0 {
			return
		}
		k := pairKey(sym[i], sym[j])
		m, ok := merges[k]
		if !ok {
			return
		}
		if len(at[k]) == 0 {
			h.push(rankKey{m.rank, k})
		}
		at[k] = append(at[k], i)
	}
	for i := range n - 1 {
		note(int32(i))
	}
	for len(h) > 0 {
		top := h.pop()
		pos := at[top.key]
		delete(at, top.key)
		if len(pos) == 0 {
			continue
		}
		slices.Sort(pos)
		m := merges[top.key]
		a, b := int32(top.key>>32), int32(uint32(top.key))
		for _, i := range pos {
			j := next[i]
			if !alive[i] || j < 0 || sym[i] != a || sym[j] != b {
				continue
			}
			sym[i] = m.id
			alive[j] = false
			next[i] = next[j]
			if next[j] >= 0 {
				prev[next[j]] = i
			}
			if prev[i] >= 0 {
				note(prev[i])
			}
			note(i)
		}
	}
	w := 0
	for i := int32(0); i >= 0; i = next[i] {
		sym[w] = sym[i]
		w++
	}
	return sym[:w]
}

// rankKey is a heap entry: a pair and its merge rank.
type rankKey struct {
	rank int32
	key  uint64
}

// rankHeap is a binary min-heap of pairs by rank.
type rankHeap []rankKey

func (h *rankHeap) push(e rankKey) {
	*h = append(*h, e)
	q := *h
	for i := len(q) - 1; i > 0; {
		p := (i - 1) / 2
		if q[p].rank <= q[i].rank {
			break
		}
		q[p], q[i] = q[i], q[p]
		i = p
	}
}

func (h *rankHeap) pop() rankKey {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(q) && q[l].rank < q[m].rank {
			m = l
		}
		if r < len(q) && q[r].rank < q[m].rank {
			m = r
		}
		if m == i {
			break
		}
		q[m], q[i] = q[i], q[m]
		i = m
	}
	*h = q
	return top
}

// Word cache bounds: words longer than maxCachedWord bytes are not kept,
// and a shard that fills up starts over.
const (
	cacheShards   = 64
	cacheShardMax = 4096
	maxCachedWord = 128
)

// wordCache maps words to their BPE ids; it is safe for concurrent use.
// Lookups of published words take no lock and write no shared memory, so
// goroutines tokenizing in parallel do not contend: each shard publishes an
// immutable map through an atomic pointer and collects new words in a
// locked pending map, which it folds into a fresh published map once the
// pending map reaches a quarter of the published one (amortised O(1) per
// word).
type wordCache struct {
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	published atomic.Pointer[map[string][]int32]
	mu        sync.Mutex
	pending   map[string][]int32
	hits      int // lookups answered from pending since the last publish
}

func shardOf(word string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(word); i++ {
		h ^= uint32(word[i])
		h *= 16777619
	}
	return h % cacheShards
}

func (c *wordCache) get(word string) ([]int32, bool) {
	if len(word) > maxCachedWord {
		return nil, false
	}
	s := &c.shards[shardOf(word)]
	if m := s.published.Load(); m != nil {
		if ids, ok := (*m)[word]; ok {
			return ids, true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, ok := s.pending[word]
	if ok {
		// Words read often but added slowly must not stay behind the
		// lock: publish once the pending hits pay for the copy.
		if s.hits++; s.hits >= 32+s.publishedLen()/4 {
			s.publish()
		}
	}
	return ids, ok
}

func (s *cacheShard) publishedLen() int {
	if m := s.published.Load(); m != nil {
		return len(*m)
	}
	return 0
}

// publish folds the pending words into a new published map; s.mu is held.
func (s *cacheShard) publish() {
	var old map[string][]int32
	if m := s.published.Load(); m != nil {
		old = *m
	}
	if len(old)+len(s.pending) > cacheShardMax {
		old = nil // full: start over with the pending words
	}
	m := make(map[string][]int32, len(old)+len(s.pending))
	for w, v := range old {
		m[w] = v
	}
	for w, v := range s.pending {
		m[w] = v
	}
	s.published.Store(&m)
	s.pending = nil
	s.hits = 0
}

func (c *wordCache) put(word string, ids []int32) {
	if len(word) > maxCachedWord {
		return
	}
	s := &c.shards[shardOf(word)]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		s.pending = make(map[string][]int32)
	}
	s.pending[word] = ids
	if len(s.pending) >= max(32, s.publishedLen()/4) {
		s.publish()
	}
}

// Len is the number of cached words.
func (c *wordCache) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		if m := s.published.Load(); m != nil {
			n += len(*m)
		}
		n += len(s.pending)
		s.mu.Unlock()
	}
	return n
}

// word appends the ids of one word to dst, through the cache. The word may
// hold ASCII capitals (the plain-ASCII path of encode does not lowercase
// its text); it is cached as given and lowercased for BPE.
func (t *Tokenizer) word(dst []int32, w string) []int32 {
	if t.noCache {
		return t.bpe(dst, asciiLower(w))
	}
	if ids, ok := t.cache.get(w); ok {
		return append(dst, ids...)
	}
	start := len(dst)
	dst = t.bpe(dst, asciiLower(w))
	ids := make([]int32, len(dst)-start)
	copy(ids, dst[start:])
	t.cache.put(strings.Clone(w), ids) // not a view into the caller's text
	return dst
}
