package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"sort"

	"github.com/evalclip/evalclip/encoders/onnx"
	"github.com/evalclip/evalclip/internal/hub"
	"github.com/evalclip/evalclip/internal/hub/pull"
	"github.com/evalclip/evalclip/reports"
	"github.com/evalclip/evalclip/suites"
)

// hubClient is configured as huggingface_hub is (HF_ENDPOINT, HF_HOME,
// HF_HUB_CACHE, HF_TOKEN, HF_HUB_OFFLINE); offline adds --offline. Its
// progress goes to stderr unless quiet.
func hubClient(offline, quiet bool, stderr io.Writer) (*hub.Client, error) {
	cfg, err := hub.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, usagef("", "%v", err)
	}
	cfg.Offline = cfg.Offline || offline
	c := hub.New(cfg)
	if !quiet {
		c.Progress = stderr
	}
	return c, nil
}

// hubFetcher pulls a suite's hub entries (suites.Fetcher).
type hubFetcher struct{ c *hub.Client }

func (f hubFetcher) FetchModel(ctx context.Context, m *suites.Model) (string, reports.Source, error) {
	res, err := pull.Model(ctx, f.c, m.Hub, m.Revision, onnx.HubSpec{Vision: m.Vision, Text: m.Text, Tokenizer: m.Tokenizer, ImageOnly: m.Supervised})
	if err != nil {
		return "", reports.Source{}, err
	}
	return res.Dir, res.Source, nil
}

func (f hubFetcher) FetchDataset(ctx context.Context, d *suites.Dataset, splits []string) (string, reports.Source, error) {
	res, err := pull.WDS(ctx, f.c, d.Hub, d.Revision, splits)
	if err != nil {
		return "", reports.Source{}, err
	}
	return res.Dir, res.Source, nil
}

func init() {
	register(&command{
		name: "pull",
		args: "[flags] REPO | --dataset REPO --split SPLIT",
		summary: "download a model (or a CLIP_benchmark webdataset) from the Hugging Face Hub into its cache and print the folder;\n" +
			"HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_TOKEN and HF_HUB_OFFLINE work as for huggingface_hub",
		flags: func(fs *flag.FlagSet) func(context.Context, io.Writer, io.Writer, []string) error {
			revision := fs.String("revision", hub.DefaultRevision, "branch, tag or commit")
			dataset := fs.String("dataset", "", "a dataset repository in CLIP_benchmark's webdataset layout (clip-benchmark/wds_vtab-pets)")
			splitFlag := &listFlag{}
			fs.Var(splitFlag, "split", "dataset split(s) to pull (repeat or comma-separate; default test)")
			offline := fs.Bool("offline", false, "make no request: find the files in the cache or fail (as HF_HUB_OFFLINE=1)")
			dryRun := fs.Bool("dry-run", false, "list what would be downloaded, with sizes, and download nothing")
			quiet := fs.Bool("q", false, "quiet: no progress")
			return func(ctx context.Context, stdout, stderr io.Writer, args []string) error {
				c, err := hubClient(*offline, *quiet, stderr)
				if err != nil {
					return err
				}
				switch {
				case *dataset != "" && len(args) > 0:
					return usagef("usage: evalclip pull --dataset REPO --split SPLIT", "pull: a model repository %q and --dataset together", args[0])
				case *dataset == "" && len(args) != 1:
					return usagef("usage: evalclip pull [flags] REPO", "pull: want one model repository (or --dataset REPO), got %d arguments", len(args))
				case *dataset == "" && len(splitFlag.vals) > 0:
					return usagef("", "pull: --split is for --dataset")
				}
				if *dataset != "" {
					if _, err := hub.ParseRepo(hub.Dataset, *dataset); err != nil {
						return usagef("", "pull: --dataset: %v", err)
					}
				} else if _, err := hub.ParseRepo(hub.Model, args[0]); err != nil {
					return usagef("", "pull: %v", err)
				}
				if !hub.ValidRevision(*revision) {
					return usagef("", "pull: --revision %q is not a branch, tag or commit name", *revision)
				}
				splits := splitFlag.vals
				if len(splits) == 0 {
					splits = []string{suites.DefaultSplit}
				}
				if *dryRun {
					return pullPlan(ctx, stdout, c, args, *dataset, *revision, splits)
				}
				var res *pull.Result
				if *dataset != "" {
					res, err = pull.WDS(ctx, c, *dataset, *revision, splits)
				} else {
					res, err = pull.Model(ctx, c, args[0], *revision, onnx.HubSpec{})
				}
				if err != nil {
					return pullError(err)
				}
				what := res.Source.Hub
				if res.Source.OpenCLIP != "" {
					what += fmt.Sprintf(" (open_clip %s, %s)", res.Source.OpenCLIP, res.Source.Pretrained)
				}
				if !*quiet {
					fmt.Fprintf(stderr, "pulled %s@%s, commit %s: %d files, %s\n", what, res.Source.Revision, res.Source.Commit,
						len(res.Files), hub.ByteSize(res.Bytes))
				}
				fmt.Fprintln(stdout, res.Dir)
				return nil
			}
		},
	})
}

// pullError makes a Hub answer that names a missing repository, revision
// or file (or refused credentials) a usage error: exit status 2.
func pullError(err error) error {
	for _, k := range []error{hub.ErrRepoNotFound, hub.ErrRevisionNotFound, hub.ErrEntryNotFound, hub.ErrGated,
		hub.ErrUnauthorized, hub.ErrOffline} {
		if errors.Is(err, k) {
			return usagef("", "pull: %v", err)
		}
	}
	return fmt.Errorf("pull: %w", err)
}

// pullPlan prints what a pull would fetch, from the repository listing.
func pullPlan(ctx context.Context, stdout io.Writer, c *hub.Client, args []string, dataset, revision string, splits []string) error {
	typ, id := hub.Model, dataset
	if dataset == "" {
		id = args[0]
	} else {
		typ = hub.Dataset
	}
	repo, err := hub.ParseRepo(typ, id)
	if err != nil {
		return usagef("", "pull: %v", err)
	}
	info, err := c.Resolve(ctx, repo, revision)
	if err != nil {
		return pullError(err)
	}
	var files []string
	if typ == hub.Model {
		var list []string
		for _, f := range info.Files {
			list = append(list, f.Path)
		}
		if files, err = onnx.HubFiles(list, onnx.HubSpec{}); err != nil {
			return usagef("", "pull: %s@%s: %v", repo, revision, err)
		}
	} else {
		files = []string{pull.ClassnamesFile, pull.TemplatesFile}
		for _, f := range info.Files {
			for _, s := range splits {
				if path.Dir(f.Path) == s {
					files = append(files, f.Path)
				}
			}
		}
	}
	sort.Strings(files)
	var total, cached int64
	fmt.Fprintf(stdout, "%s@%s (commit %s):\n", repo, revision, info.Commit)
	for _, p := range files {
		f, ok := info.File(p)
		if !ok {
			continue
		}
		state := ""
		if _, ok := c.Cache().Cached(repo, info.Commit, p); ok {
			state, cached = " (cached)", cached+f.Size
		}
		total += f.Size
		fmt.Fprintf(stdout, "  %-48s %10s%s\n", p, hub.ByteSize(f.Size), state)
	}
	fmt.Fprintf(stdout, "%d files, %s (%s cached)", len(files), hub.ByteSize(total), hub.ByteSize(cached))
	if typ == hub.Model {
		fmt.Fprint(stdout, "; plus any external data files the towers name")
	}
	fmt.Fprintln(stdout)
	return nil
}
