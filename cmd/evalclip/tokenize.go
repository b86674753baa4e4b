package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/onnx"
	"github.com/evalclip/evalclip/encoders/tokenizer"
	"github.com/evalclip/evalclip/suites"
)

// tokenizeInput is where tokenize reads its lines (tests replace it).
var tokenizeInput io.Reader = os.Stdin

func init() {
	register(&command{
		name: "tokenize",
		args: "(--tokenizer PATH [--context-length N] | --model DIR [--mask]) [--clean MODE] [TEXT...]",
		summary: "print the token ids of each input line as a JSON array: a tokenizer file's (CLIP BPE, " +
			"SentencePiece Unigram/BPE, WordPiece ...) or exactly what a model's text tower gets",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			path := fs.String("tokenizer", "", "a tokenizer: bpe_simple_vocab_16e6.txt.gz, tokenizer.json (any model type), vocab.json+merges.txt, vocab.txt, or a folder holding one")
			model := fs.String("model", "", "a model folder (or .onnx file): print the padded rows its text tower gets, with the folder's tokenizer and config (cleaning, context length, pad id)")
			n := fs.Int("context-length", tokenizer.DefaultContextLength, "longest row in tokens, specials included and kept (0 = no limit); with --model it overrides the model's like the suite key")
			clean := fs.String("clean", "", "open_clip text cleaning before tokenizing: whitespace, lower, canonicalize or none (default: none for --tokenizer, beyond CLIP BPE's own; the model config's for --model)")
			mask := fs.Bool("mask", false, "with --model, print {\"input_ids\": [...], \"attention_mask\": [...]} per line")
			return func(ctx context.Context, stdout, _ io.Writer, args []string) error {
				const hint = "Run 'evalclip help tokenize' for usage."
				setN := false
				fs.Visit(func(f *flag.Flag) { setN = setN || f.Name == "context-length" })
				switch {
				case *path == "" && *model == "":
					return usagef(hint, "tokenize: --tokenizer or --model is required")
				case *path != "" && *model != "":
					return usagef(hint, "tokenize: give --tokenizer or --model, not both")
				case *n < 0:
					return usagef(hint, "tokenize: --context-length %d: want 0 (no limit) or more", *n)
				case *mask && *model == "":
					return usagef(hint, "tokenize: --mask needs --model")
				}
				mode, err := tokenizer.ParseCleanMode(*clean)
				if err != nil {
					return usagef(hint, "tokenize: --%v", err)
				}
				var emit func(w *bufio.Writer, text string) error
				if *model != "" {
					if emit, err = modelRows(*model, mode, *n, setN, *mask); err != nil {
						return usagef(hint, "tokenize: %v", err)
					}
				} else {
					tok, err := tokenizer.Load(*path)
					if err != nil {
						return usagef(hint, "tokenize: %v", err)
					}
					if mode == tokenizer.CleanDefault {
						mode = tokenizer.CleanNone
					}
					in, err := tokenizer.NewTextInput(tok, mode, max(*n, 1), 0, false)
					if err != nil {
						return usagef(hint, "tokenize: %v", err)
					}
					var row []int32
					emit = func(w *bufio.Writer, text string) error {
						text = in.Prepare(text)
						ids := tok.Tokenize(text, *n)
						row = row[:0]
						for _, id := range ids {
							row = append(row, int32(id))
						}
						return writeIDs(w, row)
					}
				}
				return eachLine(ctx, stdout, args, emit)
			}
		},
	})
}

// modelRows returns an emitter of the rows model's text tower gets.
func modelRows(model string, clean tokenizer.CleanMode, n int, setN, mask bool) (func(*bufio.Writer, string) error, error) {
	spec := encoders.Spec{Name: model, Path: model}
	if clean != tokenizer.CleanDefault {
		spec.Clean = string(clean)
	}
	if setN {
		if n == 0 {
			return nil, fmt.Errorf("--context-length 0 with --model: a tower takes a fixed width; leave it out to use the model's")
		}
		spec.ContextLength = n
	}
	in, _, err := onnx.TextInputFor(spec)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, in.Context)
	m := make([]int64, in.Context)
	row := make([]int32, in.Context)
	return func(w *bufio.Writer, text string) error {
		in.Fill([]string{text}, ids, m)
		for i, v := range ids {
			row[i] = int32(v)
		}
		if !mask {
			return writeIDs(w, row)
		}
		w.WriteString(`{"input_ids": `)
		writeIDsRaw(w, row)
		w.WriteString(`, "attention_mask": `)
		for i, v := range m {
			row[i] = int32(v)
		}
		writeIDsRaw(w, row)
		_, err := w.WriteString("}\n")
		return err
	}, nil
}

// writeIDsRaw writes ids as a JSON array.
func writeIDsRaw(w *bufio.Writer, ids []int32) {
	var buf [16]byte
	w.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			w.WriteByte(',')
		}
		w.Write(strconv.AppendInt(buf[:0], int64(id), 10))
	}
	w.WriteByte(']')
}

// writeIDs writes ids as a JSON array on a line of its own.
func writeIDs(w *bufio.Writer, ids []int32) error {
	writeIDsRaw(w, ids)
	return w.WriteByte('\n')
}

// eachLine calls emit for each argument, or else each line of standard
// input, writing to stdout.
func eachLine(ctx context.Context, stdout io.Writer, args []string, emit func(*bufio.Writer, string) error) error {
	w := bufio.NewWriter(stdout)
	if len(args) > 0 {
		for _, text := range args {
			if err := emit(w, text); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	r := bufio.NewReaderSize(tokenizeInput, 1<<16)
	for line := 1; ; line++ {
		if ctx.Err() != nil {
			w.Flush()
			return fmt.Errorf("tokenize: %w after %d lines", suites.ErrInterrupted, line-1)
		}
		text, err := r.ReadString('\n')
		if text == "" && err != nil {
			if errors.Is(err, io.EOF) {
				return w.Flush()
			}
			return fmt.Errorf("tokenize: standard input line %d: %w", line, err)
		}
		text = strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")
		if err := emit(w, text); err != nil {
			return err
		}
	}
}
