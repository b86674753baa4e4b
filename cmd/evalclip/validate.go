package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/evalclip/evalclip/suites"
	"github.com/evalclip/evalclip/suites/tasks"
)

func init() {
	register(&command{
		name:    "validate",
		args:    "[flags] SUITE...",
		summary: "check suite files (schema, references, files) without running them",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			quiet := fs.Bool("q", false, "print nothing for valid suites")
			schema := fs.Bool("schema-only", false, "check keys, types, values and references but not files or ${VAR}s (suites written for another machine)")
			return func(_ context.Context, stdout, stderr io.Writer, args []string) error {
				if len(args) == 0 {
					return usagef("usage: evalclip validate [flags] SUITE...", "validate: no suite files given")
				}
				var errs []error
				for _, path := range args {
					open := suites.Open
					if *schema {
						open = suites.OpenSchema
					}
					s, err := open(path)
					if err != nil {
						errs = append(errs, err)
						continue
					}
					jobs := suites.Plan(s)
					if !*schema {
						if err := tasks.Preflight(s, jobs); err != nil {
							errs = append(errs, err)
							continue
						}
					}
					if !*quiet {
						fmt.Fprintf(stdout, "%s: ok: suite %q, %d models, %d datasets, %d tasks, %d jobs\n",
							path, s.Name, len(s.Models), len(s.Datasets), len(s.Tasks), len(jobs))
					}
				}
				return errors.Join(errs...)
			}
		},
	})
}
