package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
	"github.com/evalclip/evalclip/suites/tasks"
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
			shardSpec := fs.String("shard", "", "run only shard I/N of the jobs (I from 0); \"auto\" reads SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, \"auto/N\" also JOB_COMPLETION_INDEX")
			ci := fs.Bool("ci", false, "CI gate: compare with the suite's [ci] baseline, write junit.xml and ci-summary.md, exit 1 on a regression")
			junit := fs.String("junit", "", "JUnit XML path for --ci (default OUT/junit.xml)")
			noReport := fs.Bool("no-report", false, "do not render tables, plots and index.html after the run")
			noCache := fs.Bool("no-cache", false, "neither read nor write cached image features")
			provider := fs.String("provider", "", "execution provider for this run (cpu, cuda, tensorrt), instead of the suite's [runtime] provider")
			offline := fs.Bool("offline", false, "pull nothing: models and datasets named by hub must be in the Hugging Face cache (as HF_HUB_OFFLINE=1)")
			return func(ctx context.Context, stdout, stderr io.Writer, args []string) error {
				if len(args) != 1 {
					return usagef("usage: evalclip run [flags] SUITE", "run: want exactly one suite file, got %d", len(args))
				}
				s, err := suites.Open(args[0])
				if err != nil {
					return err
				}
				if *provider != "" {
					var p suites.Provider
					if err := p.UnmarshalText([]byte(*provider)); err != nil {
						return usagef("", "run: --provider: %v", err)
					}
					s.Runtime.Provider = p
				}
				jobs := suites.Plan(s)
				var shard *suites.Shard
				if *shardSpec != "" {
					sh, err := suites.ParseShard(*shardSpec, os.Getenv)
					if err != nil {
						return usagef("", "run: --shard: %v", err)
					}
					shard, jobs = &sh, sh.Select(jobs)
				}
				if *dryRun {
					for _, j := range jobs {
						fmt.Fprintln(stdout, j.ID)
					}
					return nil
				}
				if err := tasks.Preflight(s, jobs); err != nil {
					return err
				}
				if suites.HubEntries(jobs) {
					c, err := hubClient(*offline, *quiet, stderr)
					if err != nil {
						return err
					}
					if err := suites.Fetch(ctx, s, jobs, hubFetcher{c}); err != nil {
						return err
					}
				}
				var baseline []reports.Record
				if *ci {
					if baseline, err = ciBaseline(s); err != nil {
						return err
					}
				}
				dir := *out
				if dir == "" {
					name := s.Name
					if shard != nil {
						name = filepath.Join(name, fmt.Sprintf("shard-%d-of-%d", shard.Index, shard.Count))
					}
					dir = suites.DefaultOutDir(suites.DefaultOutRoot, name, time.Now())
				}
				release, err := suites.ClaimOutDir(dir, *force)
				if err != nil {
					return err
				}
				defer release()
				r := &suites.Runner{Suite: s, Jobs: jobs, OutDir: dir, Stderr: stderr, Quiet: *quiet, FailFast: *failFast, Tasks: taskOverrides, NoCache: *noCache}
				if shard != nil {
					r.Shard = shard.String()
				}
				started := time.Now()
				sum, err := r.Run(ctx)
				if sum != nil && !*quiet {
					fmt.Fprintf(stderr, "results: %s (%d records, %d of %d jobs)\n",
						filepath.Join(dir, "results.json"), len(sum.Records), sum.Done, sum.Total)
				}
				if sum == nil || errors.Is(err, suites.ErrInterrupted) || errors.Is(err, suites.ErrResultsWrite) {
					return err // no report or gate over records the file may not hold
				}
				if !*noReport {
					err = errors.Join(err, renderReport(stdout, stderr, dir, sum.Records, s, *quiet))
				}
				if *ci {
					err = errors.Join(err, runGate(stdout, stderr, dir, *junit, s, jobs, baseline, sum.Records, started))
				}
				return err
			}
		},
	})
}
