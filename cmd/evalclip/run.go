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
	"github.com/evalclip/evalclip/reports/gate"
	"github.com/evalclip/evalclip/suites"
	"github.com/evalclip/evalclip/suites/tasks"
)

// taskOverrides replaces the registered task implementations when non-nil
// (tests).
var taskOverrides map[suites.TaskType]suites.TaskRunner

func init() {
	register(&command{
		name:    "run",
		args:    "[flags] SUITE | --resume DIR [SUITE]",
		summary: "run a suite and write results.json (and reports) to an output folder",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			o := runFlags(fs)
			resume := fs.String("resume", "", "continue the run in this output folder: keep its complete records, run failed and missing jobs again (SUITE defaults to the folder's suite.toml)")
			return func(ctx context.Context, stdout, stderr io.Writer, args []string) error {
				if *resume != "" {
					return resumeRun(ctx, stdout, stderr, *resume, args, o)
				}
				if len(args) != 1 {
					return usagef("usage: evalclip run [flags] SUITE", "run: want exactly one suite file, got %d", len(args))
				}
				s, err := suites.Open(args[0])
				if err != nil {
					return err
				}
				return runSuite(ctx, stdout, stderr, s, o)
			}
		},
	})
}

// runOptions are the flags run and eval share, and what each adds.
type runOptions struct {
	out, shard, junit, provider                           *string
	force, quiet, failFast, dryRun, ci, noReport, noCache *bool
	offline                                               *bool
	// set by eval and --resume
	suiteData []byte                                                 // suite.toml to write (a suite built in memory)
	filter    func(jobs []suites.Job, stderr io.Writer) []suites.Job // drops jobs before the run
	prior     []reports.Record                                       // records kept from the run being resumed
	resumeDir string
	after     func(dir string, recs []reports.Record) error // runs after the run, on its records
}

// runFlags declares the flags of evalclip run (eval shares them).
func runFlags(fs *flag.FlagSet) *runOptions {
	return &runOptions{
		out:      fs.String("out", "", "output folder (default reports/out/<suite>/<UTC timestamp>)"),
		force:    fs.Bool("force", false, "overwrite results already in the --out folder (with --resume: resume although the suite changed)"),
		quiet:    fs.Bool("q", false, "quiet: no progress or per-job lines"),
		failFast: fs.Bool("fail-fast", false, "stop at the first failed job"),
		dryRun:   fs.Bool("dry-run", false, "print the planned jobs and exit"),
		shard:    fs.String("shard", "", "run only shard I/N of the jobs (I from 0); \"auto\" reads SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, \"auto/N\" also JOB_COMPLETION_INDEX"),
		ci:       fs.Bool("ci", false, "CI gate: compare with the suite's [ci] baseline, write junit.xml and ci-summary.md, exit 1 on a regression"),
		junit:    fs.String("junit", "", "JUnit XML path for --ci (default OUT/junit.xml)"),
		noReport: fs.Bool("no-report", false, "do not render tables, plots and index.html after the run"),
		noCache:  fs.Bool("no-cache", false, "neither read nor write cached image features"),
		provider: fs.String("provider", "", "execution provider for this run (cpu, cuda, tensorrt), instead of the suite's [runtime] provider"),
		offline:  fs.Bool("offline", false, "pull nothing: models and datasets named by hub must be in the Hugging Face cache (as HF_HUB_OFFLINE=1)"),
	}
}

// runSuite plans, runs, reports and gates suite s.
func runSuite(ctx context.Context, stdout, stderr io.Writer, s *suites.Suite, o *runOptions) error {
	if *o.provider != "" {
		var p suites.Provider
		if err := p.UnmarshalText([]byte(*o.provider)); err != nil {
			return usagef("", "run: --provider: %v", err)
		}
		s.Runtime.Provider = p
	}
	jobs := suites.Plan(s)
	var shard *suites.Shard
	if *o.shard != "" {
		sh, err := suites.ParseShard(*o.shard, os.Getenv)
		if err != nil {
			return usagef("", "run: --shard: %v", err)
		}
		shard, jobs = &sh, sh.Select(jobs)
	}
	if o.filter != nil {
		jobs = o.filter(jobs, stderr)
		if len(jobs) == 0 && o.resumeDir == "" {
			if !*o.quiet {
				fmt.Fprintln(stderr, "nothing to run: every job was skipped")
			}
			return nil
		}
	}
	if *o.dryRun {
		for _, j := range jobs {
			fmt.Fprintln(stdout, j.ID)
		}
		return nil
	}
	if err := tasks.Preflight(s, jobs); err != nil {
		return err
	}
	if suites.HubEntries(jobs) {
		c, err := hubClient(*o.offline, *o.quiet, stderr)
		if err != nil {
			return err
		}
		if err := suites.Fetch(ctx, s, jobs, hubFetcher{c}); err != nil {
			return err
		}
	}
	var baseline []reports.Record
	if *o.ci {
		var err error
		if baseline, err = ciBaseline(s); err != nil {
			return err
		}
	}
	dir := *o.out
	if o.resumeDir != "" {
		dir = o.resumeDir
	}
	if dir == "" {
		name := s.Name
		if shard != nil {
			name = filepath.Join(name, fmt.Sprintf("shard-%d-of-%d", shard.Index, shard.Count))
		}
		dir = suites.DefaultOutDir(suites.DefaultOutRoot, name, time.Now())
	}
	var release func() error
	var err error
	if o.resumeDir != "" {
		release, err = suites.ClaimResume(dir)
	} else {
		release, err = suites.ClaimOutDir(dir, *o.force)
	}
	if err != nil {
		return err
	}
	defer release()
	r := &suites.Runner{Suite: s, Jobs: jobs, OutDir: dir, Stderr: stderr, Quiet: *o.quiet, FailFast: *o.failFast, Tasks: taskOverrides,
		NoCache: *o.noCache, Prior: o.prior, SuiteData: o.suiteData}
	if shard != nil {
		r.Shard = shard.String()
	}
	started := time.Now()
	sum, err := r.Run(ctx)
	if sum != nil && !*o.quiet {
		fmt.Fprintf(stderr, "results: %s (%d records, %d of %d jobs)\n",
			filepath.Join(dir, "results.json"), len(sum.Records), sum.Done, sum.Total)
	}
	if sum == nil || errors.Is(err, suites.ErrInterrupted) || errors.Is(err, suites.ErrResultsWrite) {
		return err // no report or gate over records the file may not hold
	}
	if o.after != nil {
		err = errors.Join(err, o.after(dir, sum.Records))
	}
	var verdict *gate.Result
	if *o.ci {
		verdict = gateResult(s, jobs, baseline, sum.Records)
	}
	if !*o.noReport {
		err = errors.Join(err, renderReport(stdout, stderr, dir, sum.Records, s, *o.quiet, verdict))
	}
	if *o.ci {
		err = errors.Join(err, runGate(stdout, stderr, dir, *o.junit, s, verdict, started))
	}
	return err
}

// resumeRun continues the run in dir: the suite (args[0], else the
// folder's suite.toml) must be the one that made it unless --force; jobs
// whose records are complete are kept, the others run again.
func resumeRun(ctx context.Context, stdout, stderr io.Writer, dir string, args []string, o *runOptions) error {
	hint := "usage: evalclip run --resume DIR [SUITE]"
	if len(args) > 1 {
		return usagef(hint, "run: --resume takes at most one suite file, got %d", len(args))
	}
	if *o.out != "" {
		return usagef(hint, "run: --resume continues in its own folder; --out does not apply")
	}
	prior, err := reports.ReadResults(filepath.Join(dir, reports.ResultsFile))
	if err != nil {
		return usagef(hint, "run: --resume %s: %v", dir, err)
	}
	path := filepath.Join(dir, suites.SuiteCopyFile)
	if len(args) == 1 {
		path = args[0]
	}
	s, err := suites.Open(path)
	if err != nil {
		if len(args) == 0 {
			return fmt.Errorf("%w\n(the copy in the run folder resolves relative paths from that folder: give the original suite, %s)", err, hint)
		}
		return err
	}
	if data, err := os.ReadFile(filepath.Join(dir, suites.SuiteCopyFile)); err == nil && len(args) == 0 {
		o.suiteData = data
	}
	shards := map[string]bool{}
	for i := range prior {
		r := &prior[i]
		if r.Run.ConfigHash != "" && r.Run.ConfigHash != s.Hash && !*o.force {
			return usagef(hint, "run: --resume %s: the suite changed since that run (record %d has config hash %s, %s now has %s): resume with the suite that made it, or --force",
				dir, i, r.Run.ConfigHash, path, s.Hash)
		}
		if r.Run.Suite != "" && r.Run.Suite != s.Name {
			return usagef(hint, "run: --resume %s: the folder holds suite %q, not %q", dir, r.Run.Suite, s.Name)
		}
		shards[r.Run.Shard] = true
	}
	if *o.shard == "" && len(shards) == 1 {
		for sh := range shards {
			*o.shard = sh // the same shard as the run being resumed
		}
	}
	o.resumeDir = dir
	o.filter = func(jobs []suites.Job, stderr io.Writer) []suites.Job {
		res := suites.Resume(jobs, prior)
		o.prior = res.Keep
		if !*o.quiet {
			fmt.Fprintf(stderr, "resume %s: %d of %d jobs complete (%d records kept), %d to run\n", dir, len(jobs)-len(res.Run), len(jobs), len(res.Keep), len(res.Run))
			for _, j := range res.Run {
				fmt.Fprintf(stderr, "  %s: %s\n", j.ID, res.Reasons[j.ID])
			}
		}
		return append([]suites.Job{}, res.Run...) // none left: an empty plan, not the whole one
	}
	return runSuite(ctx, stdout, stderr, s, o)
}
