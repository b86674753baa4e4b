// Package tokenizer turns text into the token ids of CLIP-family text
// towers in pure Go: CLIP's byte-level BPE, giving the same ids as OpenAI's
// simple_tokenizer.py (and open_clip's copy) with ftfy.fix_text's cleaning,
// and Hugging Face tokenizer.json pipelines of every other kind the
// published exports ship (SentencePiece Unigram and BPE for SigLIP,
// XLM-RoBERTa, NLLB and mT5 towers; WordPiece for Chinese-CLIP and BERT
// towers), with open_clip's text conventions on top ([TextInput]).
//
// Data comes from one of these on-disk forms, read by [Load]:
//
//   - OpenAI's bpe_simple_vocab_16e6.txt.gz: merges only; the vocabulary is
//     the 256 byte symbols, the same with "</w>", the first 48,894 merges
//     and <|startoftext|> (49406), <|endoftext|> (49407);
//   - a Hugging Face folder with vocab.json and merges.txt;
//   - a Hugging Face tokenizer.json: a BPE model with the "</w>"
//     end-of-word suffix is CLIP's (open_clip and immich textual/
//     folders); any other model (Unigram, WordPiece, BPE, WordLevel) runs
//     as Hugging Face's pipeline does: added tokens matched whole in the
//     raw text, the normalizer, the pre-tokenizer, the model, and the
//     post-processor's special tokens around the text (see hf.go);
//   - a BERT vocab.txt, built into the pipeline Hugging Face's converter
//     makes of it (tokenizer_config.json's do_lower_case and specials).
//
// A tokenizer_config.json beside the Hugging Face files adds the pad token,
// sep token and maximum length ([Tokenizer.PadID], [Tokenizer.SepID],
// [Tokenizer.MaxLength]). An unknown pipeline component is an error naming
// it and the file; a SentencePiece .model alone is an [UnsupportedError].
//
// Start and end token ids always come from the vocabulary (for pipelines,
// from the post-processor), so small vocabularies with other ids work too.
//
// [ReadTextConfig] reads an export's open_clip_config.json or config.json
// (text_cfg: hf_tokenizer_name, tokenizer_kwargs such as clean and
// strip_sep_token, context_length; init_logit_bias and the learned scale
// and bias), and [TextInput] turns texts into a tower's rows with them:
// open_clip's cleaning ([CleanText]: whitespace, lower, canonicalize), the
// tokenizer, truncation that keeps the specials, padding with the pad id.
//
// For CLIP's BPE, text goes through these steps, as in OpenAI's
// implementation:
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
