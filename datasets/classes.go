package datasets

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// ClassLister returns a split's class names in label order without
// indexing its samples.
type ClassLister func(root, split string) ([]string, error)

var classListers = map[string]ClassLister{
	"imagefolder": func(root, split string) ([]string, error) {
		if err := rootDir("imagefolder", root); err != nil {
			return nil, err
		}
		dir, err := splitDir("imagefolder", root, split)
		if err != nil {
			return nil, err
		}
		d, err := classNames("imagefolder", dir)
		return d, err
	},
	"wds":  wdsClasses,
	"svhn": func(string, string) ([]string, error) { return digitClasses(), nil },
	// IDX label files are small: the reader's own classes (EMNIST's too)
	"mnist": func(root, split string) ([]string, error) {
		d, err := openMNIST(root, split)
		if err != nil {
			return nil, err
		}
		return d.Classes(), nil
	},
}

// wdsClasses reads a webdataset's root/classnames.txt (one per line,
// label order; blank lines skipped).
func wdsClasses(root, _ string) ([]string, error) {
	p := filepath.Join(root, "classnames.txt")
	lines, err := readLines(p)
	if err != nil {
		return nil, fmt.Errorf("wds: class names: %w", err)
	}
	var out []string
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("wds: %s lists no classes", p)
	}
	return out, nil
}

// digitClasses are "0".."9".
func digitClasses() []string {
	out := make([]string, 10)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}

// Classes returns the class names of a split, in the reader's label order,
// when its format can list them cheaply (folder names, a class-name file,
// a fixed set); ok is false for formats that must index the data to know
// (evalclip validate leaves those to the run).
func Classes(format, root, split string) (classes []string, ok bool, err error) {
	lister, ok := classListers[format]
	if !ok {
		return nil, false, nil
	}
	if split == "" {
		split = "test"
	}
	c, err := lister(root, split)
	return c, true, err
}
