package reports

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// MergeOptions controls [Merge].
type MergeOptions struct {
	// Plan lists the suite's job IDs in plan order (from the suite copy in
	// the shard folders). When set, merged records follow plan order, a
	// record of a job outside the plan is an error, and so is a planned job
	// without records unless AllowPartial.
	Plan []string
	// AllowPartial accepts missing shards and jobs.
	AllowPartial bool
}

// ShardLabel parses a record's shard label "i/n".
func ShardLabel(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		i, err = strconv.Atoi(a)
		if err == nil {
			n, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("shard label %q is not I/N with 0 <= I < N", s)
	}
	return i, n, nil
}

// Merge combines the results files of one suite's shards into one record
// list. It refuses files from different suites (name or configuration
// hash), a job whose records appear in two files, the same shard twice,
// and (unless AllowPartial) missing shards or jobs.
func Merge(files []File, opt MergeOptions) ([]Record, error) {
	if len(files) == 0 {
		return nil, errors.New("merge: no results files")
	}
	var errs []error
	given := map[string]bool{}
	for _, f := range files {
		p := filepath.Clean(f.Path)
		if given[p] {
			return nil, fmt.Errorf("merge: %s is given twice (the same shard merged twice?)", f.Path)
		}
		given[p] = true
		if err := CheckConsistency(f.Path, f.Records); err != nil {
			errs = append(errs, fmt.Errorf("merge: %w", err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var ref *Record
	var refPath string
	jobFile := map[string]string{}
	identFile := map[string]string{}
	shardFile := map[int]string{}
	total := 0
	var out []Record
	for _, f := range files {
		fileShards := map[string]bool{}
		fileJobs := map[string]bool{}
		for i := range f.Records {
			r := &f.Records[i]
			if ref == nil {
				ref, refPath = r, f.Path
			} else if r.Run.Suite != ref.Run.Suite || r.Run.ConfigHash != ref.Run.ConfigHash {
				errs = append(errs, fmt.Errorf("%s: suite %q (config %s) does not match %s: suite %q (config %s); shards must come from the same suite file",
					Where(f.Path, i, r), r.Run.Suite, r.Run.ConfigHash, refPath, ref.Run.Suite, ref.Run.ConfigHash))
				return nil, errors.Join(errs...)
			}
			fileShards[r.Run.Shard] = true
			if r.Job != "" {
				if prev, dup := jobFile[r.Job]; dup && prev != f.Path {
					if !fileJobs[r.Job] {
						errs = append(errs, fmt.Errorf("%s: job %s also has records in %s (the same shard merged twice?)", Where(f.Path, i, r), r.Job, prev))
					}
					fileJobs[r.Job] = true
					continue
				}
				jobFile[r.Job] = f.Path
				fileJobs[r.Job] = true
			}
			id := r.Identity()
			if prev, dup := identFile[id]; dup {
				if len(errs) < 10 {
					errs = append(errs, fmt.Errorf("%s: duplicate record, also in %s", Where(f.Path, i, r), prev))
				}
				continue
			}
			identFile[id] = fmt.Sprintf("%s record %d", f.Path, i)
			out = append(out, *r)
		}
		for label := range fileShards {
			if label == "" {
				continue
			}
			i, n, err := ShardLabel(label)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", f.Path, err))
				continue
			}
			if total != 0 && n != total {
				errs = append(errs, fmt.Errorf("%s: shard %s is from a run split %d ways, others were split %d ways", f.Path, label, n, total))
				continue
			}
			total = n
			if prev, dup := shardFile[i]; dup && prev != f.Path {
				errs = append(errs, fmt.Errorf("%s: shard %s is also in %s", f.Path, label, prev))
			}
			shardFile[i] = f.Path
		}
	}
	if total > 0 && !opt.AllowPartial && len(shardFile) < total {
		var missing []string
		for i := 0; i < total; i++ {
			if _, ok := shardFile[i]; !ok {
				missing = append(missing, fmt.Sprintf("%d/%d", i, total))
			}
		}
		errs = append(errs, fmt.Errorf("merge: shards %s have no records (pass their folders too, or --allow-partial)", strings.Join(missing, ", ")))
	}
	if opt.Plan != nil {
		order := make(map[string]int, len(opt.Plan))
		for i, id := range opt.Plan {
			order[id] = i
		}
		var missing []string
		for _, id := range opt.Plan {
			if _, ok := jobFile[id]; !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 && !opt.AllowPartial {
			errs = append(errs, fmt.Errorf("merge: %d of %d planned jobs have no records: %s", len(missing), len(opt.Plan), abbreviate(missing, 5)))
		}
		for i := range out {
			if _, ok := order[out[i].Job]; !ok {
				errs = append(errs, fmt.Errorf("merge: job %q is not in the suite's plan (records from another suite?)", out[i].Job))
			}
		}
		sort.SliceStable(out, func(a, b int) bool { return order[out[a].Job] < order[out[b].Job] })
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func abbreviate(list []string, n int) string {
	if len(list) <= n {
		return strings.Join(list, ", ")
	}
	return strings.Join(list[:n], ", ") + fmt.Sprintf(" and %d more", len(list)-n)
}
