package suites

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/evalclip/evalclip/internal/hub"
	"github.com/evalclip/evalclip/reports"
)

// Fetcher brings what a suite names with hub into local folders (the
// Hugging Face cache): the CLI's is internal/hub/pull on a client
// configured from the environment.
type Fetcher interface {
	// FetchModel pulls a hub model; dir is the folder to load it from.
	FetchModel(ctx context.Context, m *Model) (dir string, src reports.Source, err error)
	// FetchDataset pulls the splits of a hub dataset; dir is its root.
	FetchDataset(ctx context.Context, d *Dataset, splits []string) (dir string, src reports.Source, err error)
}

// SplitReader is implemented by task configs whose jobs read dataset
// splits besides the evaluated one (the linear probe's training and
// validation splits), so that Fetch pulls those too.
type SplitReader interface {
	Splits(d *Dataset) []string
}

// HubEntries reports whether jobs use a model or dataset named by hub.
func HubEntries(jobs []Job) bool {
	for _, j := range jobs {
		if (j.Model != nil && j.Model.Hub != "") || (j.Dataset != nil && j.Dataset.Hub != "") {
			return true
		}
	}
	return false
}

// hubConfigErrors are the failures that say the suite names something
// that is not there (or not readable with the credentials given): config
// errors, exit status 2. Network trouble, a full disk or a bad download
// are failed runs.
var hubConfigErrors = []error{hub.ErrRepoNotFound, hub.ErrRevisionNotFound, hub.ErrEntryNotFound,
	hub.ErrGated, hub.ErrUnauthorized, hub.ErrOffline}

// Fetch pulls the hub models and datasets the jobs use (each once, in
// suite order; a dataset's splits are those its jobs read) and points their
// paths at the pulled folders, model overrides (vision, text, tokenizer)
// resolved inside them. A repository, revision or file the Hub does not
// have, refused credentials, or an offline cache that lacks it is a
// ConfigError at the entry's hub key.
func Fetch(ctx context.Context, s *Suite, jobs []Job, f Fetcher) error {
	splits := map[*Dataset][]string{}
	models := map[*Model]bool{}
	for _, j := range jobs {
		if j.Model != nil && j.Model.Hub != "" {
			models[j.Model] = true
		}
		if d := j.Dataset; d != nil && d.Hub != "" {
			want := []string{d.Split}
			if sr, ok := j.Task.Config.(SplitReader); ok {
				want = sr.Splits(d)
			}
			for _, sp := range want {
				if sp != "" && !contains(splits[d], sp) {
					splits[d] = append(splits[d], sp)
				}
			}
		}
	}
	wrap := func(key, what string, err error) error {
		for _, k := range hubConfigErrors {
			if errors.Is(err, k) {
				return s.KeyError(key, "%s: %v", what, err)
			}
		}
		return fmt.Errorf("%s (%s): %w", key, what, err)
	}
	for i := range s.Models {
		m := &s.Models[i]
		if !models[m] {
			continue
		}
		key := fmt.Sprintf("models[%d].hub", i)
		dir, src, err := f.FetchModel(ctx, m)
		if err != nil {
			return wrap(key, m.Hub, err)
		}
		m.Path, m.Source = dir, &src
		for _, o := range []struct {
			k string
			v *string
		}{{"vision", &m.Vision}, {"text", &m.Text}, {"tokenizer", &m.Tokenizer}} {
			if *o.v == "" {
				continue
			}
			*o.v = filepath.Join(dir, filepath.FromSlash(*o.v))
			if _, err := os.Stat(*o.v); err != nil {
				return s.KeyError(fmt.Sprintf("models[%d].%s", i, o.k), "not in the pulled repository %s: %v", m.Hub, err)
			}
		}
	}
	for i := range s.Datasets {
		d := &s.Datasets[i]
		sp, ok := splits[d]
		if !ok {
			continue
		}
		dir, src, err := f.FetchDataset(ctx, d, sp)
		if err != nil {
			return wrap(fmt.Sprintf("datasets[%d].hub", i), d.Hub, err)
		}
		d.Path, d.Source = dir, &src
	}
	return nil
}
