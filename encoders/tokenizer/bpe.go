package tokenizer

import (
	"math"
	"strings"
	"sync"
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
	for len(sym) > 1 {
		best, at := merge{rank: math.MaxInt32}, -1
		for i := 0; i+1 < len(sym); i++ {
			if m, ok := t.merges[pairKey(sym[i], sym[i+1])]; ok && m.rank < best.rank {
				best, at = m, i
			}
		}
		if at < 0 {
			break
		}
		// Merge every occurrence of the pair, left to right; at is the first.
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
	return dst[:start+len(sym)]
}

// Word cache bounds: words longer than maxCachedWord bytes are not kept,
// and a shard that fills up is emptied.
const (
	cacheShards   = 64
	cacheShardMax = 4096
	maxCachedWord = 128
)

// wordCache maps words to their BPE ids; it is safe for concurrent use.
type wordCache struct {
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[string][]int32
	_  [32]byte // a shard per 64-byte cache line
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
	s.mu.RLock()
	ids, ok := s.m[word]
	s.mu.RUnlock()
	return ids, ok
}

func (c *wordCache) put(word string, ids []int32) {
	if len(word) > maxCachedWord {
		return
	}
	s := &c.shards[shardOf(word)]
	s.mu.Lock()
	if s.m == nil || len(s.m) >= cacheShardMax {
		s.m = make(map[string][]int32, 256)
	}
	s.m[word] = ids
	s.mu.Unlock()
}

// Len is the number of cached words.
func (c *wordCache) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}

// word appends the ids of one word to dst, through the cache.
func (t *Tokenizer) word(dst []int32, w string) []int32 {
	if ids, ok := t.cache.get(w); ok {
		return append(dst, ids...)
	}
	start := len(dst)
	dst = t.bpe(dst, w)
	ids := make([]int32, len(dst)-start)
	copy(ids, dst[start:])
	t.cache.put(strings.Clone(w), ids) // not a view into the caller's text
	return dst
}
