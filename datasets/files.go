package datasets

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"

	"github.com/evalclip/evalclip/encoders/imageproc"
)

// fileDataset is a list of image files with labels.
type fileDataset struct {
	format  string
	root    string
	paths   []string // relative to root, slash-separated
	labels  []int
	classes []string
	id      string
}

func (d *fileDataset) Len() int          { return len(d.paths) }
func (d *fileDataset) Label(i int) int   { return d.labels[i] }
func (d *fileDataset) Classes() []string { return d.classes }
func (d *fileDataset) Identity() string  { return d.id }

// SkipBad: an undecodable image is skipped and counted, not fatal.
func (d *fileDataset) SkipBad() bool { return true }

// Path is the file of sample i.
func (d *fileDataset) Path(i int) string {
	return filepath.Join(d.root, filepath.FromSlash(d.paths[i]))
}

// Image decodes sample i; errors name the file.
func (d *fileDataset) Image(i int) (image.Image, error) {
	img, err := imageproc.DecodeFile(d.Path(i))
	if err != nil {
		return nil, fmt.Errorf("%s: sample %d: %w", d.format, i, err)
	}
	return img, nil
}

// missingRef is a referenced file that does not exist, and where it was
// referenced (file:line).
type missingRef struct {
	path  string
	where string
}

// finish stats every file (missing ones fail, naming where they were
// referenced) and computes the identity from relative paths, sizes,
// modification times, labels and classes.
func (d *fileDataset) finish(where []string) (*fileDataset, error) {
	id := newIdentity(d.format)
	id.int(len(d.classes))
	for _, c := range d.classes {
		id.str(c)
	}
	var missing []missingRef
	for i, p := range d.paths {
		st, err := os.Stat(d.Path(i))
		if err != nil {
			w := ""
			if where != nil {
				w = where[i]
			}
			missing = append(missing, missingRef{p, w})
			continue
		}
		if st.IsDir() {
			return nil, fmt.Errorf("%s: %s is a folder, expected an image file", d.format, p)
		}
		id.str(p)
		id.int(d.labels[i])
		id.int(int(st.Size()))
		id.int(int(st.ModTime().UnixNano()))
	}
	if len(missing) > 0 {
		m := missing[0]
		msg := fmt.Sprintf("%s: ", d.format)
		if m.where != "" {
			msg += m.where + ": "
		}
		msg += fmt.Sprintf("image %s does not exist", m.path)
		if len(missing) > 1 {
			var more []string
			for _, x := range missing[1:min(len(missing), 4)] {
				more = append(more, x.path)
			}
			msg += fmt.Sprintf(" (%d referenced images are missing, also %s", len(missing), strings.Join(more, ", "))
			if len(missing) > 4 {
				msg += ", ..."
			}
			msg += ")"
		}
		return nil, fmt.Errorf("%s", msg)
	}
	d.id = id.sum()
	return d, nil
}

// imageExt reports whether name has one of torchvision's image extensions
// (case-insensitive).
func imageExt(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp", ".gif":
		return true
	}
	return false
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// rootDir checks that root is an existing folder.
func rootDir(format, root string) error {
	st, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("%s: dataset root: %w", format, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: dataset root %s is not a folder", format, root)
	}
	return nil
}
