package tokenizer

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

func loadSmall(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := Load("testdata/small/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokenizeTruncation(t *testing.T) {
	tok := loadSmall(t)
	text := "a photo of a big dog."
	ids := tok.Encode(text)
	if len(ids) < 5 {
		t.Fatalf("Encode(%q) = %v, want several ids", text, ids)
	}
	sot, eot := tok.SOT(), tok.EOT()
	full := append(append([]int{sot}, ids...), eot)
	for _, c := range []struct {
		ctx  int
		want []int
	}{
		{0, full},
		{-1, full},
		{len(full), full},
		{len(full) + 10, full},
		{len(full) - 1, append(append([]int{sot}, ids[:len(ids)-1]...), eot)},
		{3, []int{sot, ids[0], eot}},
		{2, []int{sot, eot}},
		{1, []int{eot}},
	} {
		if got := tok.Tokenize(text, c.ctx); !slices.Equal(got, c.want) {
			t.Errorf("Tokenize(%q, %d) = %v, want %v", text, c.ctx, got, c.want)
		}
	}
	if got := tok.Tokenize("", 77); !slices.Equal(got, []int{sot, eot}) {
		t.Errorf("Tokenize(\"\") = %v", got)
	}
}

func TestBatch(t *testing.T) {
	tok := loadSmall(t)
	texts := []string{"a photo of a cat.", "", strings.Repeat("dog ", 100), "<|endoftext|>"}
	const ctx, pad = 8, -7
	b := tok.Batch(texts, ctx, pad)
	b32 := tok.BatchInt32(texts, ctx, pad)
	if len(b) != len(texts)*ctx || len(b32) != len(b) {
		t.Fatalf("Batch len %d, BatchInt32 len %d, want %d", len(b), len(b32), len(texts)*ctx)
	}
	for i, text := range texts {
		row := tok.Tokenize(text, ctx)
		for j := 0; j < ctx; j++ {
			want := pad
			if j < len(row) {
				want = row[j]
			}
			if int(b[i*ctx+j]) != want || int(b32[i*ctx+j]) != want {
				t.Fatalf("row %d (%q) col %d: Batch %d, BatchInt32 %d, want %d", i, text, j, b[i*ctx+j], b32[i*ctx+j], want)
			}
		}
	}
	if got := tok.Batch(nil, ctx, 0); len(got) != 0 {
		t.Errorf("Batch(nil) = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Batch with context length 0 did not panic")
		}
	}()
	tok.Batch(texts, 0, 0)
}

// TestBatchParallel checks that the multi-goroutine path of Batch gives the
// rows of the one-goroutine path.
func TestBatchParallel(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	tok := loadSmall(t)
	var texts []string
	for i := range 1000 {
		texts = append(texts, fmt.Sprintf("a photo of item %d, the %s one", i, strings.Repeat("x", i%13)))
	}
	par := tok.Batch(texts, 16, 0)
	runtime.GOMAXPROCS(1)
	seq := loadSmall(t).Batch(texts, 16, 0)
	if !slices.Equal(par, seq) {
		t.Fatal("parallel and sequential batches differ")
	}
}

// TestConcurrentEncode encodes from many goroutines at once through one
// cold cache; every result must match a sequential run.
func TestConcurrentEncode(t *testing.T) {
	tok := loadSmall(t)
	var texts []string
	for i := range 300 {
		texts = append(texts, fmt.Sprintf("word%d shared Ωmega café %d", i%37, i))
	}
	want := make([][]int, len(texts))
	for i, text := range texts {
		want[i] = loadSmall(t).Encode(text)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range texts {
				i := (k*7 + g) % len(texts)
				if got := tok.Encode(texts[i]); !slices.Equal(got, want[i]) {
					errs <- fmt.Sprintf("%q: %v, want %v", texts[i], got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestCacheBound feeds more distinct words than the cache holds.
func TestCacheBound(t *testing.T) {
	tok := loadSmall(t)
	fresh := loadSmall(t)
	for i := range cacheShards*cacheShardMax + 5000 {
		w := fmt.Sprintf("w%dq", i)
		tok.Encode(w)
		if i%9973 == 0 && !slices.Equal(tok.Encode(w), fresh.Encode(w)) {
			t.Fatalf("%q encodes differently after many words", w)
		}
	}
	if n := tok.cache.Len(); n > cacheShards*cacheShardMax || n == 0 {
		t.Errorf("cache holds %d words, want 1..%d", n, cacheShards*cacheShardMax)
	}
	long := strings.Repeat("abc", 100)
	tok.Encode(long)
	if _, ok := tok.cache.get(long); ok {
		t.Error("a 300-byte word was cached")
	}
}

func TestDecodeAndLookup(t *testing.T) {
	tok := loadSmall(t)
	ids := tok.Tokenize("A photo of a CAT.", 77)
	if got, want := tok.Decode(ids), "<|startoftext|>a photo of a cat . <|endoftext|>"; got != want {
		t.Errorf("Decode = %q, want %q", got, want)
	}
	if got := tok.Decode(tok.Encode("Zürich naïve")); got != "zürich naïve " {
		t.Errorf("Decode(non-ASCII) = %q", got)
	}
	if got := tok.Decode([]int{-1, 1 << 30}); got != "" {
		t.Errorf("Decode(out of range) = %q", got)
	}
	id, ok := tok.TokenID("the</w>")
	if !ok || tok.Token(id) != "the</w>" {
		t.Errorf("TokenID(the</w>) = %d, %v; Token = %q", id, ok, tok.Token(id))
	}
	if _, ok := tok.TokenID("no such token"); ok {
		t.Error("TokenID found a missing token")
	}
	if tok.Token(-1) != "" || tok.Token(tok.VocabSize()) != "" {
		t.Error("Token out of range should be empty")
	}
}

func TestInvalidUTF8(t *testing.T) {
	tok := loadSmall(t)
	if got, want := tok.Encode("caf\xe9 \xff"), tok.Encode("caf\ufffd \ufffd"); !slices.Equal(got, want) {
		t.Errorf("invalid bytes: %v, want %v (each as U+FFFD)", got, want)
	}
}

// TestFastPathMatchesClean checks that the shortcut for plain ASCII gives
// the words full cleaning gives.
func TestFastPathMatchesClean(t *testing.T) {
	tok := loadSmall(t)
	for _, text := range []string{
		"A Photo Of A Dog.", "  spaced\tout\nlines\r\nand\fform  ", "it's <|ENDOFTEXT|> 'S 12 ok?!",
		"x\ry", "<b>not html</b>",
	} {
		if needsFix(text) {
			t.Fatalf("%q should take the fast path", text)
		}
		var slow []int32
		s := Clean(text)
		for i := 0; ; {
			a, b := nextWord(s, i)
			if b < 0 {
				break
			}
			i = b
			switch w := s[a:b]; w {
			case StartOfText:
				slow = append(slow, tok.sot)
			case EndOfText:
				slow = append(slow, tok.eot)
			default:
				slow = tok.bpe(slow, w)
			}
		}
		got := tok.encode(nil, text, -1)
		if !slices.Equal(got, slow) {
			t.Errorf("%q: fast %v, cleaned %v", text, got, slow)
		}
	}
}

// TestMergeLongMatchesScan runs both merge algorithms on random words of
// every length up to a few thousand symbols, on the small vocabularies and
// (when present) OpenAI's.
func TestMergeLongMatchesScan(t *testing.T) {
	toks := []*Tokenizer{loadSmall(t)}
	if tok, err := Load("testdata/shuffled_nounk"); err == nil {
		toks = append(toks, tok)
	}
	if ref, _ := findReference(); ref != "" {
		toks = append(toks, openAI(t))
	}
	alphabets := []string{"abcdefghijklmnopqrstuvwxyz", "ab", "a", "aab", "thereinonatesor", "ßéüñçøå中文字", "\x00\x01\xff\xfe \t"}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tok := range toks {
		for trial := range 400 {
			alpha := []rune(alphabets[trial%len(alphabets)])
			n := 1 + rng.IntN(1+trial*trial%3000)
			var b strings.Builder
			for range n {
				b.WriteRune(alpha[rng.IntN(len(alpha))])
			}
			word := b.String()
			var sym []int32
			for i := 0; i < len(word); i++ {
				id := tok.byteSym[word[i]]
				if i == len(word)-1 {
					id = tok.byteSymEnd[word[i]]
				}
				if id >= 0 {
					sym = append(sym, id)
				}
			}
			want := mergeScan(tok.merges, slices.Clone(sym))
			got := mergeLong(tok.merges, slices.Clone(sym))
			if !slices.Equal(got, want) {
				t.Fatalf("%s: word of %d bytes %.40q...: mergeLong %v, mergeScan %v", tok.Path(), len(word), word, got, want)
			}
		}
	}
}
