package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	_ "github.com/evalclip/evalclip/encoders/fake" // the fake backend for dry runs and tests
	"github.com/evalclip/evalclip/suites"
)

// taskOverrides replaces the registered task implementations when non-nil
// (tests).
var taskOverrides map[suites.TaskType]suites.TaskRunner

func init() {
	register(&command{
		name:    "run",
		args:    "[flags] SUITE",
		summary: "run a suite and write results.json (and reports) to an output folder",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			out := fs.String("out", "", "output folder (default reports/out/<suite>/<UTC timestamp>)")
			force := fs.Bool("force", false, "overwrite results already in the --out folder")
			quiet := fs.Bool("q", false, "quiet: no progress or per-job lines")
			failFast := fs.Bool("fail-fast", false, "stop at the first failed job")
			dryRun := fs.Bool("dry-run", false, "print the planned jobs and exit")
			return func(ctx context.Context, stdout, stderr io.Writer, args []string) error {
				if len(args) != 1 {
					return usagef("usage: evalclip run [flags] SUITE", "run: want exactly one suite file, got %d", len(args))
				}
				s, err := suites.Open(args[0])
				if err != nil {
					return err
				}
				jobs := suites.Plan(s)
				if *dryRun {
					for _, j := range jobs {
						fmt.Fprintln(stdout, j.ID)
					}
					return nil
				}
				dir := *out
				if dir == "" {
					dir = suites.DefaultOutDir(suites.DefaultOutRoot, s.Name, time.Now())
				}
				if err := suites.PrepareOutDir(dir, *force); err != nil {
					return err
				}
				r := &suites.Runner{Suite: s, Jobs: jobs, OutDir: dir, Stderr: stderr, Quiet: *quiet, FailFast: *failFast, Tasks: taskOverrides}
				sum, err := r.Run(ctx)
				if sum != nil && !*quiet {
					fmt.Fprintf(stderr, "results: %s (%d records, %d of %d jobs)\n",
						filepath.Join(dir, "results.json"), len(sum.Records), sum.Done, sum.Total)
				}
				return err
			}
		},
	})
}
