package reports

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File is one results file and its records.
type File struct {
	Path    string
	Records []Record
}

// ResolveResults turns a command-line argument into a results file path: a
// folder stands for the results.json inside it.
func ResolveResults(arg string) string {
	if fi, err := os.Stat(arg); err == nil && fi.IsDir() {
		return filepath.Join(arg, ResultsFile)
	}
	return arg
}

// ReadFiles reads each argument with [ReadResults]: a results file, a
// CLIP_benchmark result file, a run folder (its results.json), or a
// folder of CLIP_benchmark result files (every *.json in it, as
// `clip_benchmark build` takes a folder), which reads as one file.
func ReadFiles(args []string) ([]File, error) {
	var out []File
	var errs []error
	for _, a := range args {
		p := ResolveResults(a)
		if _, err := os.Stat(p); err != nil && p != a {
			f, err := readCBFolder(a)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, f)
			continue
		}
		recs, err := ReadResults(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, File{Path: p, Records: recs})
	}
	return out, errors.Join(errs...)
}

// readCBFolder reads a folder of CLIP_benchmark result files.
func readCBFolder(dir string) (File, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return File{}, err
	}
	if len(names) == 0 {
		return File{}, fmt.Errorf("%s: no %s and no CLIP_benchmark result files (*.json) in the folder", dir, ResultsFile)
	}
	sort.Strings(names)
	f := File{Path: dir}
	var errs []error
	for _, n := range names {
		recs, err := ReadResults(n)
		switch {
		case err != nil:
			errs = append(errs, err)
		case len(recs) != 1 || recs[0].Run.Imported != FormatCLIPBenchmark:
			errs = append(errs, fmt.Errorf("%s: an evalclip results file in a folder of CLIP_benchmark results (give it on its own)", n))
		default:
			f.Records = append(f.Records, recs[0])
		}
	}
	return f, errors.Join(errs...)
}

// Identity names what a record measures within its run, so that a
// measurement present twice can be found: its key's ID ([Key.ID]), plus the
// job for tasks with their own dimensions (kernels: one job times many
// configurations, and two jobs may time the same one).
func (r *Record) Identity() string {
	k := r.Key()
	id := k.ID()
	if k.Dims != "" && r.Job != "" {
		id += "/job=" + r.Job
	}
	return id
}

// Where names record i of a file for messages: "runs/a/results.json: record
// 3 (zeroshot/model=m/dataset=d/...)".
func Where(path string, i int, r *Record) string {
	return fmt.Sprintf("%s: record %d (%s)", path, i, r.Identity())
}

// Combine concatenates the records of several results files for one report.
// A measurement present in two files is an error naming both (use merge for
// shards, compare for two runs of the same suite). Records from different
// suites or evalclip versions are allowed; the returned notes say so.
func Combine(files []File) ([]Record, []string, error) {
	var out []Record
	var notes []string
	seen := map[string]string{}
	var errs []error
	suitesSeen, versions := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		for i := range f.Records {
			r := &f.Records[i]
			id := r.Identity()
			if prev, dup := seen[id]; dup && r.Error == "" {
				errs = append(errs, fmt.Errorf("%s: measured twice, also in %s (report one run per measurement; use 'evalclip compare' for two runs)", Where(f.Path, i, r), prev))
				continue
			}
			if r.Error == "" {
				seen[id] = fmt.Sprintf("%s record %d", f.Path, i)
			}
			if r.Run.Suite != "" {
				suitesSeen[r.Run.Suite] = true
			}
			if r.Run.Version != "" {
				versions[r.Run.Version] = true
			}
			out = append(out, *r)
		}
	}
	if len(suitesSeen) > 1 {
		notes = append(notes, "records come from several suites: "+strings.Join(sortedSet(suitesSeen), ", "))
	}
	if len(versions) > 1 {
		notes = append(notes, "records come from several evalclip versions: "+strings.Join(sortedSet(versions), ", "))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return out, append(notes, Check(out)...), nil
}

// Check lists problems that reports show rather than fail on: failed jobs,
// inconsistent records ([Record.Inconsistencies]), missing required
// metrics and NaN metrics, one line per problem.
func Check(recs []Record) []string {
	var notes []string
	for i := range recs {
		r := &recs[i]
		name := r.Job
		if name == "" {
			name = r.Identity()
		}
		if r.Error != "" {
			notes = append(notes, fmt.Sprintf("%s: failed: %s", name, firstLine(r.Error)))
			continue
		}
		for _, p := range r.Inconsistencies() {
			notes = append(notes, fmt.Sprintf("%s: inconsistent: %s", name, p))
		}
		for _, m := range LookupTask(r.Task).Required {
			if _, ok := r.Metrics[m]; !ok {
				notes = append(notes, fmt.Sprintf("%s: missing metric %s", name, m))
			}
		}
		for _, k := range sortedSet(keysOf(r.Metrics)) {
			if k == MetricAcc5 && r.FewClasses() {
				continue // undefined below five classes, by definition NaN
			}
			if v := r.Metrics[k]; math.IsNaN(v) || math.IsInf(v, 0) {
				notes = append(notes, fmt.Sprintf("%s: metric %s is %v", name, k, v))
			}
		}
	}
	return notes
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func keysOf(m Metrics) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
