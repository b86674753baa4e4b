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
	"github.com/evalclip/evalclip/suites"
)

func init() {
	register(&command{
		name:    "merge",
		args:    "[flags] --out DIR SHARD_DIR...",
		summary: "combine the output folders of a sharded run into one results.json (and report)",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			out := fs.String("out", "", "output folder for the merged results.json, suite.toml and report (required)")
			force := fs.Bool("force", false, "overwrite results already in the --out folder")
			partial := fs.Bool("allow-partial", false, "merge even when shards or jobs are missing")
			noReport := fs.Bool("no-report", false, "do not render tables, plots and index.html")
			quiet := fs.Bool("q", false, "print nothing but errors")
			return func(_ context.Context, stdout, stderr io.Writer, args []string) error {
				if len(args) == 0 {
					return usagef("usage: evalclip merge [flags] --out DIR SHARD_DIR...", "merge: no shard folders given")
				}
				if *out == "" {
					return usagef("usage: evalclip merge [flags] --out DIR SHARD_DIR...", "merge: --out is required")
				}
				files, err := reports.ReadFiles(args)
				if err != nil {
					return usagef("", "merge: %v", err)
				}
				s, suiteData, err := shardSuite(files)
				if err != nil {
					return usagef("", "merge: %v", err)
				}
				opt := reports.MergeOptions{AllowPartial: *partial}
				if s != nil {
					for _, j := range suites.Plan(s) {
						opt.Plan = append(opt.Plan, j.ID)
					}
				} else if !*quiet {
					fmt.Fprintln(stderr, "note: no loadable suite.toml beside the results: records keep file order and missing jobs are not detected")
				}
				recs, err := reports.Merge(files, opt)
				if err != nil {
					return usagef("", "%v", err)
				}
				release, err := suites.ClaimOutDir(*out, *force)
				if err != nil {
					return err
				}
				defer release()
				if suiteData != nil {
					if err := atomicfile.WriteFile(filepath.Join(*out, suites.SuiteCopyFile), suiteData, 0o644); err != nil {
						return err
					}
				}
				path := filepath.Join(*out, reports.ResultsFile)
				if err := reports.WriteResults(path, recs); err != nil {
					return err
				}
				if !*quiet {
					fmt.Fprintf(stderr, "merged %d records from %d folders into %s\n", len(recs), len(files), path)
				}
				if *noReport || s == nil {
					return nil
				}
				return renderReport(stdout, stderr, *out, recs, s, *quiet, nil)
			}
		},
	})
}

// shardSuite loads the suite copy that each shard folder keeps and checks
// that they are the same suite. It returns nil (and no error) when no
// folder has a loadable copy.
func shardSuite(files []reports.File) (*suites.Suite, []byte, error) {
	var ref *suites.Suite
	var refData []byte
	var refPath string
	var errs []error
	for _, f := range files {
		p := filepath.Join(filepath.Dir(f.Path), suites.SuiteCopyFile)
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s, err := suites.Parse(p, data)
		if err != nil {
			continue // e.g. ${VAR} unset here; the records still carry the config hash
		}
		if ref == nil {
			ref, refData, refPath = s, data, p
			continue
		}
		if s.Name != ref.Name || s.Hash != ref.Hash {
			errs = append(errs, fmt.Errorf("%s: suite %q (config %s) differs from %s: suite %q (config %s); shards must come from the same suite file",
				p, s.Name, s.Hash, refPath, ref.Name, ref.Hash))
		}
	}
	if ref != nil {
		for _, f := range files {
			for i := range f.Records {
				if r := &f.Records[i]; r.Run.ConfigHash != "" && r.Run.ConfigHash != ref.Hash {
					errs = append(errs, fmt.Errorf("%s: config %s does not match %s (config %s)", reports.Where(f.Path, i, r), r.Run.ConfigHash, refPath, ref.Hash))
					break
				}
			}
		}
	}
	return ref, refData, errors.Join(errs...)
}
