package datasets

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

func init() { Register("imagefolder", openImageFolder) }

// openImageFolder reads torchvision's ImageFolder layout: root/<split>/
// <class>/**/<image>, or root/<class>/... when root has no train, val or
// test folder (then only the test split, under any of the names test,
// val, all, exists, so that training never reads the evaluated images).
// Classes are the sorted class folder names (numerically when every name
// is a number: see sortClasses); files are listed as torchvision does
// (sorted folder walk, sorted names, image extensions only).
func openImageFolder(root, split string) (Dataset, error) {
	if err := rootDir("imagefolder", root); err != nil {
		return nil, err
	}
	dir, err := splitDir("imagefolder", root, split)
	if err != nil {
		return nil, err
	}
	return classFolders("imagefolder", root, dir)
}

// splitDir finds the folder of split under root.
func splitDir(format, root, split string) (string, error) {
	if p := filepath.Join(root, split); isDir(p) {
		return p, nil
	}
	for _, s := range []string{"train", "val", "test"} {
		if isDir(filepath.Join(root, s)) {
			return "", fmt.Errorf("%s: no folder %s for split %q", format, filepath.Join(root, split), split)
		}
	}
	switch split {
	case "test", "val", "all":
		return root, nil
	}
	return "", fmt.Errorf("%s: %s has no split folders (train/, val/, test/), so it is a single evaluation split; split %q does not exist (give the linear probe a separate training folder)", format, root, split)
}

// classNames lists dir's class folders in label order.
func classNames(format, dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	var classes []string
	for _, e := range entries {
		if isClassDir(dir, e) {
			classes = append(classes, e.Name())
		}
	}
	if len(classes) == 0 {
		return nil, fmt.Errorf("%s: %s has no class folders", format, dir)
	}
	if err := sortClasses(classes); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", format, dir, err)
	}
	return classes, nil
}

// classFolders lists dir/<class>/**/<image>.
func classFolders(format, root, dir string) (*fileDataset, error) {
	classes, err := classNames(format, dir)
	if err != nil {
		return nil, err
	}
	d := &fileDataset{format: format, root: root, classes: classes}
	for label, class := range d.classes {
		files, err := walkImages(filepath.Join(dir, class))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", format, err)
		}
		for _, f := range files {
			rel, err := filepath.Rel(root, f)
			if err != nil {
				return nil, err
			}
			d.paths = append(d.paths, filepath.ToSlash(rel))
			d.labels = append(d.labels, label)
		}
	}
	if len(d.paths) == 0 {
		return nil, fmt.Errorf("%s: no images under %s", format, dir)
	}
	return d.finish(nil)
}

// walkImages lists image files under dir like torchvision's make_dataset
// (os.walk with followlinks=True): folders visited in sorted path order,
// files sorted by name within each. Symbolic links to folders are followed
// (a class folder may itself be one); a link back to a folder already on
// the way down is not, so a loop ends instead of walking forever.
func walkImages(dir string) ([]string, error) {
	var dirs []string
	var walk func(p string, ancestors []os.FileInfo) error
	walk = func(p string, ancestors []os.FileInfo) error {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		for _, a := range ancestors {
			if os.SameFile(a, st) {
				return nil // a link loop
			}
		}
		dirs = append(dirs, p)
		entries, err := os.ReadDir(p)
		if err != nil {
			return err
		}
		for _, e := range entries {
			sub := filepath.Join(p, e.Name())
			if e.IsDir() || (e.Type()&fs.ModeSymlink != 0 && isDir(sub)) {
				if err := walk(sub, append(ancestors, st)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(dir, nil); err != nil {
		return nil, err
	}
	sort.Strings(dirs)
	var out []string
	for _, d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, e := range entries {
			if imageExt(e.Name()) && !isDir(filepath.Join(d, e.Name())) {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			out = append(out, filepath.Join(d, n))
		}
	}
	return out, nil
}

// isClassDir reports whether entry e of dir is a folder or a link to one.
func isClassDir(dir string, e fs.DirEntry) bool {
	return e.IsDir() || (e.Type()&fs.ModeSymlink != 0 && isDir(filepath.Join(dir, e.Name())))
}

// sortClasses orders class folder names. Names that are all numbers
// (ImageNetV2's 0..999, say) sort numerically, so that folder "10" is label
// 10, not label 2 as in torchvision's lexical order ("0", "1", "10",
// "100", ...), which would score every image against the wrong class;
// named 0..N-1, label = int(name). Any other set of names sorts lexically,
// as torchvision's ImageFolder does. Two names of one number ("7" and
// "07") are an error.
func sortClasses(names []string) error {
	vals := make(map[string]uint64, len(names))
	for _, n := range names {
		v, ok := classNumber(n)
		if !ok {
			sort.Strings(names)
			return nil
		}
		vals[n] = v
	}
	sort.Slice(names, func(i, j int) bool { return vals[names[i]] < vals[names[j]] })
	for i := 1; i < len(names); i++ {
		if vals[names[i]] == vals[names[i-1]] {
			return fmt.Errorf("class folders %q and %q name the same number", names[i-1], names[i])
		}
	}
	return nil
}

// classNumber parses a folder name made only of ASCII digits (at most 18).
func classNumber(s string) (uint64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}
