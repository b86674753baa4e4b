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
// Classes are the sorted class folder names; files are listed as
// torchvision does (sorted folder walk, sorted names, image extensions
// only).
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

// classFolders lists dir/<class>/**/<image>.
func classFolders(format, root, dir string) (*fileDataset, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	d := &fileDataset{format: format, root: root}
	for _, e := range entries {
		if isClassDir(dir, e) {
			d.classes = append(d.classes, e.Name())
		}
	}
	sort.Strings(d.classes)
	if len(d.classes) == 0 {
		return nil, fmt.Errorf("%s: %s has no class folders", format, dir)
	}
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
