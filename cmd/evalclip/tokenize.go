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

	"github.com/evalclip/evalclip/encoders/tokenizer"
	"github.com/evalclip/evalclip/suites"
)

// tokenizeInput is where tokenize reads its lines (tests replace it).
var tokenizeInput io.Reader = os.Stdin

func init() {
	register(&command{
		name:    "tokenize",
		args:    "--tokenizer PATH [--context-length N] [TEXT...]",
		summary: "print the CLIP token ids of each input line as a JSON array",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			path := fs.String("tokenizer", "", "bpe_simple_vocab_16e6.txt.gz, a tokenizer.json, or a folder with vocab.json and merges.txt (required)")
			n := fs.Int("context-length", tokenizer.DefaultContextLength, "longest row in tokens; longer ones keep EOT last (0 = no limit)")
			return func(ctx context.Context, stdout, _ io.Writer, args []string) error {
				const hint = "Run 'evalclip help tokenize' for usage."
				if *path == "" {
					return usagef(hint, "tokenize: --tokenizer is required")
				}
				if *n < 0 {
					return usagef(hint, "tokenize: --context-length %d: want 0 (no limit) or more", *n)
				}
				tok, err := tokenizer.Load(*path)
				if err != nil {
					return usagef(hint, "tokenize: %v", err)
				}
				w := bufio.NewWriter(stdout)
				var buf []byte
				emit := func(text string) error {
					buf = append(buf[:0], '[')
					for i, id := range tok.Tokenize(text, *n) {
						if i > 0 {
							buf = append(buf, ',')
						}
						buf = strconv.AppendInt(buf, int64(id), 10)
					}
					buf = append(buf, ']', '\n')
					_, err := w.Write(buf)
					return err
				}
				if len(args) > 0 {
					for _, text := range args {
						if err := emit(text); err != nil {
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
					if err := emit(text); err != nil {
						return err
					}
				}
			}
		},
	})
}
