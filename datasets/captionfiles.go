package datasets

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evalclip/evalclip/internal/limits"
)

func init() {
	RegisterCaptions("csv", openCSVCaptions)
	RegisterCaptions("karpathy", openKarpathy)
}

// captionFiles is a list of image files with their captions.
type captionFiles struct {
	*fileDataset
	caps [][]string
}

func (d *captionFiles) Captions(i int) []string { return d.caps[i] }

// newCaptionFiles checks the files (as fileDataset.finish) of images whose
// captions are caps; where[i] says where image i was listed.
func newCaptionFiles(format, root string, paths []string, caps [][]string, where []string) (*captionFiles, error) {
	fd := &fileDataset{format: format, root: root, paths: paths, labels: make([]int, len(paths)), classes: []string{"image"}}
	fd, err := fd.finish(where)
	if err != nil {
		return nil, err
	}
	return &captionFiles{fileDataset: fd, caps: caps}, nil
}

// openCSVCaptions reads a caption manifest: root is a folder holding
// <split>.csv, or one .csv file (then the only split, test), as the csv
// format's; one row per caption with an image column (header image, path,
// filepath or filename) and a caption column (caption, text or sentence);
// without a header, column 1 is the image and column 2 the caption. Image
// paths are relative to the manifest. An image's rows need not be
// adjacent: captions are grouped by image over the whole file, images in
// order of first appearance, captions in file order.
func openCSVCaptions(root, split string, _ CaptionOptions) (Captioned, error) {
	dir, file, err := csvManifestPath(root, split)
	if err != nil {
		return nil, err
	}
	var paths, where []string
	var caps [][]string
	at := map[string]int{}
	err = csvPairs(dir, file, "image and caption", []string{"image", "path", "filepath", "filename"}, []string{"caption", "text", "sentence"},
		func(p, c, pos string) error {
			p = strings.TrimSpace(p)
			switch {
			case p == "":
				return fmt.Errorf("csv: %s: a caption with no image", pos)
			case strings.TrimSpace(c) == "":
				return fmt.Errorf("csv: %s: empty caption for image %s", pos, p)
			}
			if filepath.IsAbs(p) {
				if rel, err := filepath.Rel(dir, p); err == nil {
					p = rel
				}
			}
			key := filepath.Clean(p)
			i, ok := at[key]
			if !ok {
				i = len(paths)
				at[key] = i
				paths = append(paths, filepath.ToSlash(p))
				caps = append(caps, nil)
				where = append(where, pos)
			}
			caps[i] = append(caps[i], c)
			return nil
		})
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("csv: %s lists no images", file)
	}
	return newCaptionFiles("csv", dir, paths, caps, where)
}

// csvManifestPath finds the manifest of split: <split>.csv in a folder,
// or root itself when it is one file (the test split).
func csvManifestPath(root, split string) (dir, file string, err error) {
	st, err := os.Stat(root)
	if err != nil {
		return "", "", fmt.Errorf("csv: dataset root: %w", err)
	}
	if st.IsDir() {
		file = split + ".csv"
		if !isFile(filepath.Join(root, file)) {
			return "", "", fmt.Errorf("csv: no manifest %s for split %q", filepath.Join(root, file), split)
		}
		return root, file, nil
	}
	dir, file = filepath.Split(root)
	if dir == "" {
		dir = "."
	}
	if base := strings.TrimSuffix(file, filepath.Ext(file)); split != "test" && split != base {
		return "", "", fmt.Errorf("csv: %s is a single manifest, the evaluated split; split %q needs a folder of <split>.csv manifests", root, split)
	}
	return dir, file, nil
}

// karpathyImage is one entry of a Karpathy-split file.
type karpathyImage struct {
	Filepath  string `json:"filepath"`
	Filename  string `json:"filename"`
	Split     string `json:"split"`
	Sentences []struct {
		Raw *string `json:"raw"`
	} `json:"sentences"`
}

// openKarpathy reads a Karpathy-split JSON (dataset_flickr30k.json,
// dataset_coco.json, ...): opts.Annotations, else the one dataset_*.json
// (or the one .json) in root. Its images[] entries of split are the
// images, in file order, at <images>/<filepath>/<filename> (<images> is
// opts.Images, else root; without filepath, <images>/<filename>), with the
// raw text of their sentences[] as captions (never the tokens). An entry
// without sentences, an empty caption, an image listed twice and a split
// no entry has are errors naming the file and entry.
func openKarpathy(root, split string, opts CaptionOptions) (Captioned, error) {
	if err := rootDir("karpathy", root); err != nil {
		return nil, err
	}
	ann := opts.Annotations
	if ann == "" {
		found, _ := filepath.Glob(filepath.Join(root, "dataset_*.json"))
		if len(found) == 0 {
			found, _ = filepath.Glob(filepath.Join(root, "*.json"))
		}
		switch len(found) {
		case 0:
			return nil, fmt.Errorf("karpathy: no dataset_*.json in %s (set annotations to the Karpathy-split file)", root)
		case 1:
			ann = found[0]
		default:
			for i := range found {
				found[i] = filepath.Base(found[i])
			}
			return nil, fmt.Errorf("karpathy: %s holds %s: set annotations to one of them", root, strings.Join(found, ", "))
		}
	}
	base := root
	if opts.Images != "" {
		base = opts.Images
	}
	f, _, err := limits.Open(ann, maxTextBytes)
	if err != nil {
		return nil, fmt.Errorf("karpathy: %w", err)
	}
	defer f.Close()
	name := filepath.Base(ann)
	dec := json.NewDecoder(bufio.NewReader(f))
	if err := karpathySeekImages(dec); err != nil {
		return nil, fmt.Errorf("karpathy: %s: %w", name, err)
	}
	var paths, where []string
	var caps [][]string
	seen := map[string]string{}
	splits := map[string]int{}
	for n := 0; dec.More(); n++ {
		var e karpathyImage
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("karpathy: %s: images[%d]: %w", name, n, err)
		}
		splits[e.Split]++
		if e.Split != split {
			continue
		}
		entry := fmt.Sprintf("%s: images[%d] (%s)", name, n, e.Filename)
		if e.Filename == "" {
			return nil, fmt.Errorf("karpathy: %s: images[%d]: no filename", name, n)
		}
		p := filepath.ToSlash(filepath.Join(e.Filepath, e.Filename))
		if prev, dup := seen[p]; dup {
			return nil, fmt.Errorf("karpathy: %s: image %s is listed again (first at %s)", entry, p, prev)
		}
		seen[p] = fmt.Sprintf("images[%d]", n)
		if len(e.Sentences) == 0 {
			return nil, fmt.Errorf("karpathy: %s: an image with no sentences", entry)
		}
		var cs []string
		for j, s := range e.Sentences {
			if s.Raw == nil || strings.TrimSpace(*s.Raw) == "" {
				return nil, fmt.Errorf("karpathy: %s: sentences[%d]: empty or missing raw caption", entry, j)
			}
			cs = append(cs, *s.Raw)
		}
		paths, caps, where = append(paths, p), append(caps, cs), append(where, entry)
	}
	if len(paths) == 0 {
		var have []string
		for s := range splits {
			have = append(have, fmt.Sprintf("%s (%d)", s, splits[s]))
		}
		sort.Strings(have)
		return nil, fmt.Errorf("karpathy: %s: no image of split %q (splits: %s)", name, split, strings.Join(have, ", "))
	}
	return newCaptionFiles("karpathy", base, paths, caps, where)
}

// karpathySeekImages moves dec into the top-level "images" array, reading
// the document as a stream so that a 150 MB COCO file is never held whole.
func karpathySeekImages(dec *json.Decoder) error {
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("not a JSON object (want {\"images\": [...]})")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if k, _ := t.(string); k == "images" {
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return fmt.Errorf("\"images\" is not an array")
			}
			return nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return fmt.Errorf("no \"images\" array")
}
