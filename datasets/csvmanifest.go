package datasets

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/evalclip/evalclip/internal/limits"
)

// MaxClasses bounds the classes a reader makes from label values alone
// (integer labels 0..max): ImageNet-21k has 21,841.
const MaxClasses = 1_000_000

func init() { Register("csv", openCSV) }

// openCSV reads a CSV manifest of "path,label" rows. root is a folder
// holding <split>.csv (all *.csv there share one class list), or a single
// .csv file, which is then the only split (test). Paths are relative to
// the manifest's folder. An optional header names the columns (path:
// path, filepath, file, filename or image; label: label, class, target or
// y); without one, column 1 is the path and column 2 the label. Labels are
// either all integers (classes "0".."max", or the names of classnames.txt
// next to the manifests) or all names (classes: classnames.txt order, or
// sorted names over every manifest).
func openCSV(root, split string) (Dataset, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("csv: dataset root: %w", err)
	}
	var dir, file string
	var all []string
	if st.IsDir() {
		dir = root
		file = split + ".csv"
		if !isFile(filepath.Join(dir, file)) {
			return nil, fmt.Errorf("csv: no manifest %s for split %q", filepath.Join(dir, file), split)
		}
		m, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
		for _, p := range m {
			all = append(all, filepath.Base(p))
		}
	} else {
		dir, file = filepath.Split(root)
		if dir == "" {
			dir = "."
		}
		base := strings.TrimSuffix(file, filepath.Ext(file))
		if split != "test" && split != base {
			return nil, fmt.Errorf("csv: %s is a single manifest, the evaluated split; split %q needs a folder of <split>.csv manifests", root, split)
		}
		all = []string{file}
	}
	manifests := map[string][]csvRow{}
	for _, f := range all {
		rows, err := readManifest(dir, f)
		if err != nil {
			return nil, err
		}
		manifests[f] = rows
	}
	rows := manifests[file]
	if len(rows) == 0 {
		return nil, fmt.Errorf("csv: %s lists no images", file)
	}
	var named []string
	if p := filepath.Join(dir, "classnames.txt"); isFile(p) {
		lines, err := readLines(p)
		if err != nil {
			return nil, fmt.Errorf("csv: %w", err)
		}
		for _, l := range lines {
			if l = strings.TrimSpace(l); l != "" {
				named = append(named, l)
			}
		}
	}
	numeric := true
	for _, rs := range manifests {
		for _, r := range rs {
			if _, err := strconv.Atoi(r.label); err != nil {
				numeric = false
			}
		}
	}
	classes := named
	if classes == nil {
		if numeric {
			maxLabel, at := -1, ""
			for _, rs := range manifests {
				for _, r := range rs {
					if v, _ := strconv.Atoi(r.label); v > maxLabel {
						maxLabel, at = v, r.where
					}
				}
			}
			if maxLabel >= MaxClasses {
				return nil, fmt.Errorf("csv: %s: label %d would make %d classes, more than the limit of %d (name the classes in classnames.txt, or use class names as labels)", at, maxLabel, maxLabel+1, MaxClasses)
			}
			for i := 0; i <= maxLabel; i++ {
				classes = append(classes, strconv.Itoa(i))
			}
		} else {
			seen := map[string]bool{}
			for _, rs := range manifests {
				for _, r := range rs {
					if !seen[r.label] {
						seen[r.label] = true
						classes = append(classes, r.label)
					}
				}
			}
			sort.Strings(classes)
		}
	}
	index := map[string]int{}
	for i, c := range classes {
		index[c] = i
	}
	d := &fileDataset{format: "csv", root: dir, classes: classes}
	where := make([]string, len(rows))
	for i, r := range rows {
		label := -1
		if numeric {
			v, _ := strconv.Atoi(r.label)
			if v < 0 || v >= len(classes) {
				return nil, fmt.Errorf("csv: %s: label %d out of range 0..%d", r.where, v, len(classes)-1)
			}
			label = v
		} else {
			v, ok := index[r.label]
			if !ok {
				return nil, fmt.Errorf("csv: %s: label %q is not in classnames.txt", r.where, r.label)
			}
			label = v
		}
		d.paths = append(d.paths, filepath.ToSlash(r.path))
		d.labels = append(d.labels, label)
		where[i] = r.where
	}
	return d.finish(where)
}

type csvRow struct {
	path, label, where string
}

func readManifest(dir, name string) ([]csvRow, error) {
	var rows []csvRow
	seen := map[string]string{}
	err := csvPairs(dir, name, "path and label", []string{"path", "filepath", "file", "filename", "image"}, []string{"label", "class", "target", "y"},
		func(p, l, where string) error {
			p, l = strings.TrimSpace(p), strings.TrimSpace(l)
			if p == "" || l == "" {
				return fmt.Errorf("csv: %s: empty path or label", where)
			}
			if filepath.IsAbs(p) {
				if rel, err := filepath.Rel(dir, p); err == nil {
					p = rel
				}
			}
			clean := filepath.Clean(p)
			if prev, dup := seen[clean]; dup {
				return fmt.Errorf("csv: %s: image %s is listed again (first at %s)", where, p, prev)
			}
			seen[clean] = where
			rows = append(rows, csvRow{path: p, label: l, where: where})
			return nil
		})
	return rows, err
}

// csvPairs reads the two columns of a manifest's records, calling fn with
// them and "file:line": a header naming both (firstNames, secondNames,
// case-insensitive) picks the columns and is skipped; without one,
// columns 1 and 2 are read. what names the pair in errors ("path and
// label").
func csvPairs(dir, name, what string, firstNames, secondNames []string, fn func(first, second, where string) error) error {
	f, _, err := limits.Open(filepath.Join(dir, name), maxTextBytes)
	if err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(io.LimitReader(f, maxTextBytes)))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	c1, c2 := 0, 1
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("csv: %s: %w", name, err)
		}
		line, _ := r.FieldPos(0) // only valid for a record read without error
		where := fmt.Sprintf("%s:%d", name, line)
		if first {
			a, b := -1, -1
			for i, h := range rec {
				h = strings.ToLower(strings.TrimSpace(h))
				if contains(firstNames, h) {
					a = i
				} else if contains(secondNames, h) {
					b = i
				}
			}
			if a >= 0 && b >= 0 {
				c1, c2 = a, b
				continue
			}
		}
		if len(rec) <= max(c1, c2) {
			return fmt.Errorf("csv: %s: expected %s columns, got %d fields", where, what, len(rec))
		}
		if err := fn(rec[c1], rec[c2], where); err != nil {
			return err
		}
	}
}
