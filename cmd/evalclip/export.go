package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/evalclip/evalclip/internal/atomicfile"
	"github.com/evalclip/evalclip/reports"
)

func init() {
	register(&command{
		name:    "export",
		args:    "--format clip_benchmark [flags] --out DIR RESULTS...",
		summary: "write results as CLIP_benchmark result JSON files, one per record",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			format := fs.String("format", "", "output format: clip_benchmark (required)")
			out := fs.String("out", "", "folder for the files (created if missing; required)")
			pattern := fs.String("output", reports.CBDefaultOutput, "file name pattern inside --out, CLIP_benchmark's --output fields: {model} {pretrained} {dataset} {task} {language}, and {k} {seed} {prompts}")
			force := fs.Bool("force", false, "overwrite files that already exist")
			quiet := fs.Bool("q", false, "print nothing but errors")
			return func(_ context.Context, _, stderr io.Writer, args []string) error {
				hint := "usage: evalclip export --format clip_benchmark [flags] --out DIR RESULTS..."
				switch {
				case *format == "":
					return usagef(hint, "export: --format is required (clip_benchmark)")
				case *format != reports.FormatCLIPBenchmark:
					return usagef(hint, "export: --format %q: want clip_benchmark", *format)
				case *out == "":
					return usagef(hint, "export: --out is required")
				case len(args) == 0:
					return usagef(hint, "export: no results files given")
				}
				files, err := reports.ReadFiles(args)
				if err != nil {
					return usagef("", "export: %v", err)
				}
				n, skipped, err := exportCLIPBenchmark(files, *out, *pattern, *force, stderr, *quiet)
				if err != nil {
					return err
				}
				if !*quiet {
					fmt.Fprintf(stderr, "wrote %d CLIP_benchmark result files to %s", n, *out)
					if skipped > 0 {
						fmt.Fprintf(stderr, " (%d records have no CLIP_benchmark form)", skipped)
					}
					fmt.Fprintln(stderr)
				}
				return nil
			}
		},
	})
}

// exportCLIPBenchmark writes one CLIP_benchmark result file per record of
// files under dir, named by pattern. Names are checked before anything is
// written: two records with one name, or a name already taken (without
// force), write nothing. Kernel and failed records are skipped (said on
// stderr).
func exportCLIPBenchmark(files []reports.File, dir, pattern string, force bool, stderr io.Writer, quiet bool) (written, skipped int, err error) {
	type job struct {
		path string
		data []byte
	}
	var jobs []job
	owner := map[string]string{}
	var errs []error
	for _, f := range files {
		for i := range f.Records {
			r := &f.Records[i]
			names, err := reports.CLIPBenchmarkNames(r)
			var data []byte
			if err == nil {
				data, err = reports.CLIPBenchmarkResult(r)
			}
			if err != nil {
				skipped++
				if !quiet {
					fmt.Fprintf(stderr, "skip %s: %v\n", reports.Where(f.Path, i, r), err)
				}
				continue
			}
			name, err := names.OutputName(pattern, r.K, r.Seed)
			if err != nil {
				return 0, 0, usagef("", "export: --output: %v", err)
			}
			p := filepath.Join(dir, name)
			where := reports.Where(f.Path, i, r)
			if prev, dup := owner[p]; dup {
				errs = append(errs, fmt.Errorf("%s and %s both become %s: add {k} and {seed} (few-shot records), {prompts} (zero-shot tasks with their own prompts) or other fields to --output", prev, where, p))
				continue
			}
			owner[p] = where
			if _, err := os.Lstat(p); err == nil && !force {
				errs = append(errs, fmt.Errorf("%s exists (from an earlier export or run; --force overwrites)", p))
				continue
			}
			jobs = append(jobs, job{p, data}) // no final newline, as json.dump
		}
	}
	if err := errors.Join(errs...); err != nil {
		return 0, 0, fmt.Errorf("export: %w", err)
	}
	for _, j := range jobs {
		if err := writeCreatingFolders(j.path, j.data); err != nil {
			return written, skipped, err
		}
		written++
	}
	return written, skipped, nil
}

// writeCreatingFolders writes data to path atomically, creating missing
// folders (CLIP_benchmark output patterns may name some).
func writeCreatingFolders(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o644)
}
