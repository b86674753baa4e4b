package tokenizer

import (
	"path/filepath"
	"testing"
)

// Throughput on the 80 ImageNet templates x 1000 class names. tokens/s
// counts the ids Encode returns (no SOT/EOT), so it can be compared with
// tools/fixtures/clip_tokenizer_ref.py --bench-imagenet, which counts the
// same; tools/bench/tokenizer.sh interleaves the two.
//
//	go test -run '^$' -bench . ./encoders/tokenizer

// benchEncode encodes prompts one at a time, round robin, b.N times.
func benchEncode(b *testing.B, tok *Tokenizer, prompts []string, warm bool) {
	b.Helper()
	if warm {
		for _, p := range prompts {
			tok.Encode(p)
		}
	}
	var buf []int32
	tokens := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = tok.appendIDs(buf[:0], prompts[i%len(prompts)])
		tokens += len(buf)
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(tokens)/s, "tokens/s")
	b.ReportMetric(float64(b.N)/s, "prompts/s")
}

// benchBatch tokenizes all prompts per op as padded int64 batches of
// batchSize texts (a text tower's batch), each batch on all cores.
func benchBatch(b *testing.B, tok *Tokenizer, prompts []string) {
	b.Helper()
	const batchSize = 1000
	tokens := 0
	for _, p := range prompts {
		tokens += len(tok.Encode(p)) // also warms the cache
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for lo := 0; lo < len(prompts); lo += batchSize {
			tok.Batch(prompts[lo:min(lo+batchSize, len(prompts))], DefaultContextLength, 0)
		}
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(tokens*b.N)/s, "tokens/s")
	b.ReportMetric(float64(len(prompts)*b.N)/s, "prompts/s")
}

func BenchmarkEncode(b *testing.B) {
	ref := referenceDir(b)
	prompts := imagenetPrompts(b, ref)
	b.Run("openai/warm", func(b *testing.B) {
		tok, err := Load(filepath.Join(ref, "bpe_simple_vocab_16e6.txt.gz"))
		if err != nil {
			b.Fatal(err)
		}
		benchEncode(b, tok, prompts, true)
	})
	b.Run("openai/nocache", func(b *testing.B) {
		tok, err := Load(filepath.Join(ref, "bpe_simple_vocab_16e6.txt.gz"))
		if err != nil {
			b.Fatal(err)
		}
		tok.noCache = true
		benchEncode(b, tok, prompts, false)
	})
	b.Run("openai/batch", func(b *testing.B) {
		tok, err := Load(filepath.Join(ref, "bpe_simple_vocab_16e6.txt.gz"))
		if err != nil {
			b.Fatal(err)
		}
		benchBatch(b, tok, prompts)
	})
}

// BenchmarkEncodeSmall needs no reference files: the committed 1,514-token
// vocabulary on the first 2,000 ImageNet prompts of the golden data.
func BenchmarkEncodeSmall(b *testing.B) {
	var prompts []string
	for _, c := range readJSONL[smallCase](b, filepath.Join("testdata", "golden_small.jsonl.gz")) {
		if c.Name == "imagenet" {
			prompts = append(prompts, c.Text)
		}
	}
	b.Run("warm", func(b *testing.B) { benchEncode(b, loadSmall(b), prompts, true) })
	b.Run("batch", func(b *testing.B) { benchBatch(b, loadSmall(b), prompts) })
}

func BenchmarkLoadOpenAI(b *testing.B) {
	path := filepath.Join(referenceDir(b), "bpe_simple_vocab_16e6.txt.gz")
	for i := 0; i < b.N; i++ {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeKinds measures every tokenizer kind on the same prompts:
// the 80 ImageNet templates x 1000 English class names, and the Chinese
// templates x class names of shared/reference (CJK text, where the
// SentencePiece and WordPiece models do most of their work). The HF
// fixtures are small (2,000 to 4,000 pieces), so their tokens/s is an
// upper bound for 32k-250k vocabularies only in memory traffic; the
// algorithms are the same.
//
//	go test -run '^$' -bench EncodeKinds ./encoders/tokenizer
func BenchmarkEncodeKinds(b *testing.B) {
	ref := referenceDir(b)
	sets := map[string][]string{"en": imagenetPrompts(b, ref), "cn": languagePrompts(b, ref, "cn")}
	for _, lang := range []string{"en", "cn"} {
		for _, name := range []string{"clip", "spm_unigram", "spm_t5", "spm_bpe", "spm_xlmr", "wordpiece"} {
			for _, mode := range []string{"warm", "nocache"} {
				b.Run(lang+"/"+name+"/"+mode, func(b *testing.B) {
					var tok *Tokenizer
					var err error
					if name == "clip" {
						tok, err = Load(filepath.Join(ref, "bpe_simple_vocab_16e6.txt.gz"))
					} else {
						tok, err = Load(filepath.Join("testdata", "hf", name, "tokenizer.json"))
					}
					if err != nil {
						b.Fatal(err)
					}
					if mode == "nocache" {
						tok.noCache = true
						if tok.hf != nil {
							tok.hf.noCache = true
						}
					}
					benchEncode(b, tok, sets[lang], mode == "warm")
				})
			}
		}
	}
}
