package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"

	"github.com/evalclip/evalclip/internal/atomicfile"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/reports/tables"
)

func init() {
	register(&command{
		name:    "build",
		args:    "[flags] RESULTS...",
		summary: "a model x dataset table with average and ranks (as clip_benchmark build) from evalclip and CLIP_benchmark results",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			task := fs.String("task", "zeroshot", "task: zeroshot (zeroshot_classification), linear_probe or retrieval (zeroshot_retrieval)")
			metric := fs.String("metric", "", "metric (default: the task's primary one: acc1; retrieval: image_retrieval_recall at its smallest k)")
			k := fs.Int("k", 0, "linear_probe: shots per class (0: all the training data)")
			format := fs.String("format", "md", "output: md, csv or tex")
			out := fs.String("out", "", "write to this file instead of stdout")
			force := fs.Bool("force", false, "overwrite --out if it exists")
			return func(_ context.Context, stdout, _ io.Writer, args []string) error {
				hint := "usage: evalclip build [flags] RESULTS..."
				if len(args) == 0 {
					return usagef(hint, "build: no results given (results.json files, run folders, CLIP_benchmark result files or folders of them)")
				}
				t := taskNames[*task]
				if t == "" {
					return usagef(hint, "build: --task %q: want zeroshot, linear_probe or retrieval", *task)
				}
				if *k < 0 {
					return usagef(hint, "build: --k %d: want 0 (all) or more", *k)
				}
				files, err := reports.ReadFiles(args)
				if err != nil {
					return usagef("", "build: %v", err)
				}
				var recs []reports.Record
				for _, f := range files {
					recs = append(recs, f.Records...)
				}
				tb, err := tables.Leaderboard(recs, tables.LeaderboardOptions{Task: t, Metric: *metric, K: *k})
				if err != nil {
					return usagef("", "build: %v", err)
				}
				var buf bytes.Buffer
				switch *format {
				case "md":
					err = tables.WriteMarkdown(&buf, []*tables.Table{tb})
				case "csv":
					err = tables.WriteCSV(&buf, tb)
				case "tex":
					err = tables.WriteLaTeX(&buf, []*tables.Table{tb})
				default:
					return usagef(hint, "build: --format %q: want md, csv or tex", *format)
				}
				if err != nil {
					return err
				}
				if *out == "" {
					_, err = stdout.Write(buf.Bytes())
					return err
				}
				if _, err := os.Lstat(*out); err == nil && !*force {
					return usagef("", "build: %s exists (--force overwrites)", *out)
				}
				return atomicfile.WriteFile(*out, buf.Bytes(), 0o644)
			}
		},
	})
}
