package datasets

import (
	"fmt"
	"image"
	"sort"
	"strings"
	"sync"
)

// Captioned is an image-text dataset, one split of one dataset: images,
// each with one or more captions, for retrieval.
type Captioned interface {
	// Len is the number of images.
	Len() int
	// Image decodes image i as Pillow's convert("RGB") would see it.
	Image(i int) (image.Image, error)
	// Captions are image i's captions, in file order (never empty; no
	// caption is empty).
	Captions(i int) []string
	// Identity changes when the images change (not the captions): it keys
	// the image features in the feature cache.
	Identity() string
}

// CaptionOptions are the reader settings some caption formats take.
type CaptionOptions struct {
	// Annotations is the annotation file (karpathy: the Karpathy-split
	// JSON); empty means the one the format finds under the root.
	Annotations string
	// Images is the folder image paths are relative to; empty means the
	// root.
	Images string
}

// CaptionOpener opens one split of a caption dataset stored at root.
type CaptionOpener func(root, split string, opts CaptionOptions) (Captioned, error)

var (
	capMu      sync.RWMutex
	capOpeners = map[string]CaptionOpener{}
)

// RegisterCaptions makes open the caption reader of format (a format may
// have a labelled reader too: csv and wds do). Registering twice panics.
func RegisterCaptions(format string, open CaptionOpener) {
	capMu.Lock()
	defer capMu.Unlock()
	if _, dup := capOpeners[format]; dup {
		panic("datasets: caption format " + format + " registered twice")
	}
	capOpeners[format] = open
}

// CaptionFormats lists the formats with a caption reader.
func CaptionFormats() []string {
	capMu.RLock()
	defer capMu.RUnlock()
	out := make([]string, 0, len(capOpeners))
	for f := range capOpeners {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// LabelFormats lists the formats with a labelled (classification) reader;
// it is Formats.
func LabelFormats() []string { return Formats() }

// AllFormats lists every format, labelled or caption, once.
func AllFormats() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range append(Formats(), CaptionFormats()...) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// HasCaptions reports whether format has a caption reader; HasLabels
// whether it has a labelled one.
func HasCaptions(format string) bool {
	capMu.RLock()
	defer capMu.RUnlock()
	_, ok := capOpeners[format]
	return ok
}

// HasLabels reports whether format has a labelled reader.
func HasLabels(format string) bool {
	mu.RLock()
	defer mu.RUnlock()
	_, ok := openers[format]
	return ok
}

// OpenCaptions opens split (default test) of the caption dataset at root.
func OpenCaptions(format, root, split string, opts CaptionOptions) (Captioned, error) {
	capMu.RLock()
	open, ok := capOpeners[format]
	capMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("no caption reader for format %q (caption formats: %s)", format, strings.Join(CaptionFormats(), ", "))
	}
	if split == "" {
		split = "test"
	}
	return open(root, split, opts)
}

// FlatCaptions lists every caption of d image by image, in order, and the
// image each belongs to: the queries of text-to-image retrieval, as
// CLIP_benchmark flattens them.
func FlatCaptions(d Captioned) (texts []string, image []int) {
	for i := 0; i < d.Len(); i++ {
		for _, c := range d.Captions(i) {
			texts = append(texts, c)
			image = append(image, i)
		}
	}
	return texts, image
}

// CaptionImages presents a caption dataset's images as a Dataset (one
// class, label 0) for the image pipeline. It does not skip undecodable
// images: an image missing from the features would leave its captions
// without their match, so any bad image stops the run.
func CaptionImages(d Captioned) Dataset { return captionImages{d} }

type captionImages struct{ Captioned }

func (captionImages) Label(int) int       { return 0 }
func (captionImages) Classes() []string   { return []string{"image"} }
func (c captionImages) Identity() string  { return "captions-" + c.Captioned.Identity() }
func (c captionImages) Unwrap() Captioned { return c.Captioned }

// Path names image i's file when the dataset is file-backed.
func (c captionImages) Path(i int) string {
	if p, ok := c.Captioned.(Pather); ok {
		return p.Path(i)
	}
	return fmt.Sprintf("image %d", i)
}

// Close closes the underlying dataset's files.
func (c captionImages) Close() error {
	if cl, ok := c.Captioned.(interface{ Close() error }); ok {
		return cl.Close()
	}
	return nil
}

// LimitCaptions keeps the first n images (and their captions) of d; n <=
// 0 keeps all.
func LimitCaptions(d Captioned, n int) Captioned {
	if n <= 0 || n >= d.Len() {
		return d
	}
	id := newIdentity("limit")
	id.str(d.Identity())
	id.int(n)
	return &limitedCaptions{Captioned: d, n: n, id: id.sum()}
}

type limitedCaptions struct {
	Captioned
	n  int
	id string
}

func (l *limitedCaptions) Len() int         { return l.n }
func (l *limitedCaptions) Identity() string { return l.id }

// splitLines splits text as Python's str.splitlines does (CLIP_benchmark
// reads a webdataset's .txt that way): at \n, \r, \r\n, \v, \f, \x1c-\x1e,
// \x85, \u2028 and \u2029; a final line break adds no empty line.
func splitLines(s string) []string {
	var out []string
	var b strings.Builder
	open := false // a line has started and not ended
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '\r', '\n', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
			if r == '\r' && i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			out = append(out, b.String())
			b.Reset()
			open = false
		default:
			b.WriteRune(r)
			open = true
		}
	}
	if open {
		out = append(out, b.String())
	}
	return out
}
