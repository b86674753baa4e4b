// Package tokenizer is CLIP's byte-level BPE tokenizer in pure Go, giving the
// same token ids as OpenAI's simple_tokenizer.py (and open_clip's copy).
//
// Data comes from one of three on-disk forms, read by [Load]:
//
//   - OpenAI's bpe_simple_vocab_16e6.txt.gz: merges only; the vocabulary is
//     the 256 byte symbols, the same with "</w>", the first 48,894 merges
//     and <|startoftext|> (49406), <|endoftext|> (49407);
//   - a Hugging Face folder with vocab.json and merges.txt;
//   - a Hugging Face tokenizer.json whose model is BPE with the "</w>"
//     end-of-word suffix (open_clip and immich textual/ folders).
//
// A tokenizer_config.json beside the Hugging Face files adds the pad token
// and maximum length ([Tokenizer.PadID], [Tokenizer.MaxLength]).
//
// Start and end token ids always come from the vocabulary, so small
// vocabularies with other ids work too. Other tokenizer kinds (WordPiece,
// Unigram/SentencePiece, GPT-2-style BPE) are rejected with an
// [UnsupportedError].
//
// Text goes through these steps, as in OpenAI's implementation:
//
//  1. cleaning ([Clean]): the fixes ftfy.fix_text applies by default (HTML
//     entities, decoded repeatedly unless a line holds "<"; mojibake
//     repair, ftfy's fix_encoding: text that its badness heuristic flags is
//     re-encoded in the first of ten single-byte encodings that can hold it
//     and decoded as UTF-8, with its repairs of altered no-break spaces,
//     lost bytes and embedded runs; C1 controls read as Windows-1252; Latin ligatures split;
//     full- and half-width forms to standard width; curly quotes
//     straightened; line breaks unified; ANSI escapes and control characters
//     removed; NFC), then Python's html.unescape twice, Unicode whitespace
//     runs collapsed to one space, trimmed, and Python's str.lower (with its
//     final-sigma and dotted-I rules);
//  2. splitting into words with CLIP's pattern: the two special-token
//     strings, the contractions 's 't 're 've 'm 'll 'd, runs of letters,
//     single digits (any Unicode number), runs of other non-space characters;
//  3. per word, its UTF-8 bytes as byte symbols, the last one with "</w>",
//     merged by rank (lowest first, every occurrence left to right) until no
//     ranked pair remains; results are kept in a bounded, concurrency-safe
//     word cache.
//
// The ids go to the text encoders: [Tokenizer.Tokenize] gives one
// unpadded row [SOT] ids [EOT], truncated so that EOT stays in the last
// slot (open_clip's behaviour), and [Tokenizer.Batch] gives a padded
// row-major batch for an ONNX text tower. Pad ids differ by model family: 0
// for OpenAI and open_clip exports, the EOT id for Hugging Face CLIP exports.
package tokenizer
