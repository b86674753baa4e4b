package datasets

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/evalclip/evalclip/datasets/internal/mat5"
	"github.com/evalclip/evalclip/internal/limits"
)

// maxTextBytes bounds a label, manifest or class-name file (ImageNet-21k's
// largest is tens of megabytes).
const maxTextBytes = 1 << 30

func init() { Register("imagenet", openImageNet) }

var wnidRe = regexp.MustCompile(`^n\d{8}$`)

// openImageNet reads ImageNet-1k. Split "val" (also "test" and
// "validation": ImageNet's labelled evaluation split is val) and "train".
//
// Class-per-folder: root/<split>/<wnid>/*.JPEG (or root/<wnid>/... for the
// val split); classes are the sorted wnids, torchvision's and CLIP's order.
//
// Flat val folder: root/ILSVRC2012_img_val/ILSVRC2012_val_%08d.JPEG with
// labels from root/LOC_val_solution.csv (ImageId,PredictionString: the
// first wnid), or the devkit's ILSVRC2012_validation_ground_truth.txt (one
// ILSVRC2012_ID per image, in file-number order) mapped to wnids by the
// devkit's meta.mat, or imagenet_2012_validation_synset_labels.txt (one
// wnid per image). Devkit files are looked for in root,
// root/ILSVRC2012_devkit_t12/data and root/ILSVRC2012_devkit_t12. Classes
// are the 1000 wnids of LOC_synset_mapping.txt or meta.mat when present,
// otherwise the sorted wnids the labels use.
func openImageNet(root, split string) (Dataset, error) {
	if err := rootDir("imagenet", root); err != nil {
		return nil, err
	}
	names := []string{split}
	switch split {
	case "val", "test", "validation":
		names = []string{"val", "validation"}
	case "train":
	default:
		return nil, fmt.Errorf("imagenet: unknown split %q (expected val (or test) or train)", split)
	}
	for _, n := range names {
		dir := filepath.Join(root, n)
		if isDir(dir) && hasWnidFolders(dir) {
			return classFolders("imagenet", root, dir)
		}
	}
	if names[0] == "val" {
		if hasWnidFolders(root) {
			return classFolders("imagenet", root, root)
		}
		return flatImageNetVal(root)
	}
	return nil, fmt.Errorf("imagenet: no %s folder with wnid class folders (n01440764/...) in %s", split, root)
}

func hasWnidFolders(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if wnidRe.MatchString(e.Name()) && isClassDir(dir, e) {
			return true
		}
	}
	return false
}

// devkitFile finds name in root or the devkit folders; "" when absent.
func devkitFile(root, name string) string {
	for _, dir := range []string{"", "ILSVRC2012_devkit_t12/data", "ILSVRC2012_devkit_t12"} {
		p := filepath.Join(root, filepath.FromSlash(dir), name)
		if isFile(p) {
			return p
		}
	}
	return ""
}

func flatImageNetVal(root string) (Dataset, error) {
	imgDir := ""
	for _, n := range []string{"ILSVRC2012_img_val", "val"} {
		if isDir(filepath.Join(root, n)) {
			imgDir = n
			break
		}
	}
	if imgDir == "" {
		return nil, fmt.Errorf("imagenet: %s has neither val/<wnid>/ class folders nor a flat ILSVRC2012_img_val/ folder", root)
	}
	var (
		ids     []string // image ids (file names without extension)
		wnids   []string // label per image
		where   []string
		classes []string
		err     error
	)
	rel := func(p string) string {
		r, err := filepath.Rel(root, p)
		if err != nil {
			return p
		}
		return filepath.ToSlash(r)
	}
	if p := devkitFile(root, "LOC_synset_mapping.txt"); p != "" {
		if classes, err = readSynsetList(p, rel(p)); err != nil {
			return nil, err
		}
	}
	var idToWnid map[int]string
	if p := devkitFile(root, "meta.mat"); p != "" {
		var metaClasses []string
		if idToWnid, metaClasses, err = readMetaMat(p, rel(p)); err != nil {
			return nil, err
		}
		if classes == nil {
			classes = metaClasses
		}
	}
	switch {
	case devkitFile(root, "LOC_val_solution.csv") != "":
		p := devkitFile(root, "LOC_val_solution.csv")
		ids, wnids, where, err = readLocSolution(p, rel(p))
	case devkitFile(root, "ILSVRC2012_validation_ground_truth.txt") != "":
		p := devkitFile(root, "ILSVRC2012_validation_ground_truth.txt")
		if idToWnid == nil {
			if q := devkitFile(root, "imagenet_2012_validation_synset_labels.txt"); q != "" {
				ids, wnids, where, err = readPerImageWnids(q, rel(q))
				break
			}
			return nil, fmt.Errorf("imagenet: %s maps images to ILSVRC2012_IDs, which need the devkit's meta.mat to become wnids; none found in %s or %s", rel(p), root, filepath.Join(root, "ILSVRC2012_devkit_t12", "data"))
		}
		ids, wnids, where, err = readGroundTruth(p, rel(p), idToWnid)
	case devkitFile(root, "imagenet_2012_validation_synset_labels.txt") != "":
		q := devkitFile(root, "imagenet_2012_validation_synset_labels.txt")
		ids, wnids, where, err = readPerImageWnids(q, rel(q))
	default:
		return nil, fmt.Errorf("imagenet: flat folder %s needs labels: LOC_val_solution.csv, or ILSVRC2012_validation_ground_truth.txt with meta.mat, or imagenet_2012_validation_synset_labels.txt", filepath.Join(root, imgDir))
	}
	if err != nil {
		return nil, err
	}
	if classes == nil {
		seen := map[string]bool{}
		for _, w := range wnids {
			if !seen[w] {
				seen[w] = true
				classes = append(classes, w)
			}
		}
		sort.Strings(classes)
	}
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	d := &fileDataset{format: "imagenet", root: root, classes: classes}
	for i, id := range ids {
		label, ok := index[wnids[i]]
		if !ok {
			return nil, fmt.Errorf("imagenet: %s: wnid %s is not one of the %d classes", where[i], wnids[i], len(classes))
		}
		d.paths = append(d.paths, imgDir+"/"+id+".JPEG")
		d.labels = append(d.labels, label)
	}
	// Stable order: by file name.
	order := make([]int, len(d.paths))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return d.paths[order[a]] < d.paths[order[b]] })
	paths, labels, wh := make([]string, len(order)), make([]int, len(order)), make([]string, len(order))
	for k, i := range order {
		paths[k], labels[k], wh[k] = d.paths[i], d.labels[i], where[i]
	}
	d.paths, d.labels = paths, labels
	return d.finish(wh)
}

// readSynsetList reads "wnid words..." lines (LOC_synset_mapping.txt). A
// wnid listed twice is an error; the classes are the wnids sorted (the
// order of class folders and of CLIP's ImageNet prompts), whatever order
// the file lists them in.
func readSynsetList(path, rel string) ([]string, error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, fmt.Errorf("imagenet: %w", err)
	}
	var out []string
	at := map[string]int{}
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if !wnidRe.MatchString(f[0]) {
			return nil, fmt.Errorf("imagenet: %s:%d: %q is not a wnid (n + 8 digits)", rel, i+1, f[0])
		}
		if prev, dup := at[f[0]]; dup {
			return nil, fmt.Errorf("imagenet: %s:%d: wnid %s is listed again (first at line %d)", rel, i+1, f[0], prev)
		}
		at[f[0]] = i + 1
		out = append(out, f[0])
	}
	sort.Strings(out)
	return out, nil
}

// readMetaMat reads the devkit's meta.mat: synsets(i).ILSVRC2012_ID and
// .WNID; IDs 1..1000 are the classification classes. It returns the ID ->
// wnid map and those wnids sorted.
func readMetaMat(path, rel string) (map[int]string, []string, error) {
	vars, err := mat5.ReadFile(path, "synsets")
	if err != nil {
		return nil, nil, fmt.Errorf("imagenet: %w", err)
	}
	s := vars["synsets"]
	if s.Class != mat5.Struct {
		return nil, nil, fmt.Errorf("imagenet: %s: synsets is not a struct array", rel)
	}
	m := map[int]string{}
	var classes []string
	for i := range s.StructElem {
		idv, wv := s.Field(i, "ILSVRC2012_ID"), s.Field(i, "WNID")
		if idv == nil || wv == nil {
			return nil, nil, fmt.Errorf("imagenet: %s: synsets lacks ILSVRC2012_ID or WNID", rel)
		}
		ids, err := idv.Float64s()
		if err != nil || len(ids) != 1 {
			return nil, nil, fmt.Errorf("imagenet: %s: synsets(%d).ILSVRC2012_ID is not a number", rel, i+1)
		}
		w, err := wv.String()
		if err != nil || !wnidRe.MatchString(w) {
			return nil, nil, fmt.Errorf("imagenet: %s: synsets(%d).WNID %q is not a wnid", rel, i+1, w)
		}
		id := int(ids[0])
		if prev, dup := m[id]; dup {
			return nil, nil, fmt.Errorf("imagenet: %s: synsets(%d).ILSVRC2012_ID %d is also %s's", rel, i+1, id, prev)
		}
		m[id] = w
		if id >= 1 && id <= 1000 {
			if slices.Contains(classes, w) {
				return nil, nil, fmt.Errorf("imagenet: %s: synsets(%d): wnid %s has two ILSVRC2012_IDs", rel, i+1, w)
			}
			classes = append(classes, w)
		}
	}
	sort.Strings(classes)
	return m, classes, nil
}

func readLines(path string) ([]string, error) {
	f, _, err := limits.Open(path, maxTextBytes)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(io.LimitReader(f, maxTextBytes))
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for sc.Scan() {
		out = append(out, strings.TrimRight(sc.Text(), "\r"))
	}
	return out, sc.Err()
}

// readLocSolution reads Kaggle's LOC_val_solution.csv.
func readLocSolution(path, rel string) (ids, wnids, where []string, err error) {
	f, _, err := limits.Open(path, maxTextBytes)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("imagenet: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = 2
	at := map[string]int{}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("imagenet: %s: %w", rel, err)
		}
		if line == 1 && rec[0] == "ImageId" {
			continue
		}
		w := strings.Fields(rec[1])
		if len(w) == 0 || !wnidRe.MatchString(w[0]) {
			return nil, nil, nil, fmt.Errorf("imagenet: %s:%d: prediction string %q does not start with a wnid", rel, line, rec[1])
		}
		if prev, dup := at[rec[0]]; dup {
			return nil, nil, nil, fmt.Errorf("imagenet: %s:%d: image %s is labelled again (first at line %d)", rel, line, rec[0], prev)
		}
		at[rec[0]] = line
		ids = append(ids, rec[0])
		wnids = append(wnids, w[0])
		where = append(where, fmt.Sprintf("%s:%d", rel, line))
	}
	return ids, wnids, where, nil
}

// valID is the file name of the i-th (1-based) validation image.
func valID(i int) string { return fmt.Sprintf("ILSVRC2012_val_%08d", i) }

// readGroundTruth reads the devkit's per-image ILSVRC2012_IDs.
func readGroundTruth(path, rel string, idToWnid map[int]string) (ids, wnids, where []string, err error) {
	return readPerImage(path, rel, func(l string) (string, error) {
		id, err := strconv.Atoi(l)
		if err != nil {
			return "", fmt.Errorf("%q is not an ILSVRC2012_ID", l)
		}
		w, ok := idToWnid[id]
		if !ok || id < 1 || id > 1000 {
			return "", fmt.Errorf("ILSVRC2012_ID %d out of range 1..1000", id)
		}
		return w, nil
	})
}

// readPerImageWnids reads one wnid per validation image, in file order.
func readPerImageWnids(path, rel string) (ids, wnids, where []string, err error) {
	return readPerImage(path, rel, func(l string) (string, error) {
		if !wnidRe.MatchString(l) {
			return "", fmt.Errorf("%q is not a wnid", l)
		}
		return l, nil
	})
}

// readPerImage reads one label line per validation image: image n
// (1-based) gets wnid(line n). Trailing blank lines are ignored; a blank
// line before the last label is an error, since every later image would
// take the label of the line after its own.
func readPerImage(path, rel string, wnid func(line string) (string, error)) (ids, wnids, where []string, err error) {
	lines, err := readLines(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("imagenet: %w", err)
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	n := 0
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			return nil, nil, nil, fmt.Errorf("imagenet: %s:%d: blank line among the per-image labels (line n labels image n)", rel, i+1)
		}
		n++
		wh := fmt.Sprintf("%s:%d", rel, i+1)
		w, err := wnid(l)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("imagenet: %s: %w", wh, err)
		}
		ids = append(ids, valID(n))
		wnids = append(wnids, w)
		where = append(where, wh)
	}
	return ids, wnids, where, nil
}
