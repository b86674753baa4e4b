package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"io"
	"strconv"
	"strings"

	"github.com/evalclip/evalclip/encoders/imageproc"
	"github.com/evalclip/evalclip/internal/atomicfile"
	"github.com/evalclip/evalclip/internal/npy"
)

// fileSource decodes image files for the preprocessing pipeline.
type fileSource []string

func (s fileSource) Len() int                         { return len(s) }
func (s fileSource) Image(i int) (image.Image, error) { return imageproc.DecodeFile(s[i]) }

// tripleFlag is a "r,g,b" flag value.
type tripleFlag struct {
	v   [3]float32
	set bool
}

func (t *tripleFlag) String() string {
	if !t.set {
		return ""
	}
	return fmt.Sprintf("%g,%g,%g", t.v[0], t.v[1], t.v[2])
}

func (t *tripleFlag) Set(s string) error {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return fmt.Errorf("expected three comma-separated numbers r,g,b, got %q", s)
	}
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
		if err != nil {
			return fmt.Errorf("%q is not a number", p)
		}
		t.v[i] = float32(f)
	}
	t.set = true
	return nil
}

func init() {
	register(&command{
		name:    "preprocess",
		args:    "[flags] --out FILE.npy IMAGE...",
		summary: "decode and CLIP-preprocess images into a float32 [n,3,N,N] .npy file",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			def := imageproc.Default()
			size := fs.Int("size", def.Size, "output size N (images become N x N)")
			var mean, std tripleFlag
			fs.Var(&mean, "mean", "per-channel mean r,g,b (default OpenAI's 0.48145466,0.4578275,0.40821073)")
			fs.Var(&std, "std", "per-channel std r,g,b (default OpenAI's 0.26862954,0.26130258,0.27577711)")
			resize := fs.String("resize", string(def.Resize), "resize mode: shortest (shorter side to N, center crop) or squash (both sides to N)")
			interp := fs.String("interpolation", string(def.Interpolation), "filter: bicubic or bilinear (Pillow's)")
			cfgPath := fs.String("config", "", "model preprocessing file to start from: open_clip preprocess_cfg.json or Hugging Face preprocessor_config.json (flags given explicitly override it)")
			out := fs.String("out", "", "output .npy file (required)")
			workers := fs.Int("workers", 0, "decoding goroutines (0 = all cores)")
			return func(ctx context.Context, stdout, _ io.Writer, args []string) error {
				hint := "Run 'evalclip help preprocess' for usage."
				if *out == "" {
					return usagef(hint, "preprocess: --out is required")
				}
				if len(args) == 0 {
					return usagef(hint, "preprocess: no images given")
				}
				// The same precedence as a model's: flags given explicitly,
				// then the --config file, then CLIP's defaults.
				set := map[string]bool{}
				fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
				sources := imageproc.Sources{Defaults: def}
				o := &sources.Overrides
				if set["size"] {
					if *size < 1 {
						return usagef(hint, "preprocess: --size %d: want a positive size", *size)
					}
					o.Size = *size
				}
				if set["resize"] {
					if err := o.Resize.UnmarshalText([]byte(*resize)); err != nil {
						return usagef(hint, "preprocess: --resize: %v", err)
					}
				}
				if set["interpolation"] {
					if err := o.Interpolation.UnmarshalText([]byte(*interp)); err != nil {
						return usagef(hint, "preprocess: --interpolation: %v", err)
					}
				}
				if mean.set {
					o.Mean = &mean.v
				}
				if std.set {
					o.Std = &std.v
				}
				if *cfgPath != "" {
					file, err := imageproc.LoadModelPreprocess(*cfgPath)
					if err != nil {
						return usagef(hint, "preprocess: --config: %v", err)
					}
					sources.File = &file
				}
				c, err := imageproc.Resolve(sources)
				if err != nil {
					return usagef(hint, "preprocess: %v", err)
				}
				src := fileSource(args)
				shape := []int{len(args), 3, c.Size, c.Size}
				err = atomicfile.Write(*out, 0o644, func(w io.Writer) error {
					nw, err := npy.NewWriter(w, shape)
					if err != nil {
						return err
					}
					_, err = imageproc.Stream(ctx, src, c, imageproc.StreamOptions{Workers: *workers, BatchSize: 16}, func(b imageproc.Batch) error {
						return nw.Write(b.Pixels)
					})
					if err != nil {
						return err
					}
					return nw.Close()
				})
				if err != nil {
					return fmt.Errorf("preprocess: %w", err)
				}
				fmt.Fprintf(stdout, "%s: float32 %v (size %d, %s, %s, mean %v, std %v; JPEG decoder: %s)\n",
					*out, shape, c.Size, c.Resize, c.Interpolation, c.Mean, c.Std, imageproc.JPEGDecoder())
				return nil
			}
		},
	})
}
