package datasets

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"image"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Dataset is a labelled image collection, one split of one dataset.
type Dataset interface {
	// Len is the number of samples.
	Len() int
	// Label is sample i's class, 0-based, an index into Classes().
	Label(i int) int
	// Classes are the class names (or ids) in label order.
	Classes() []string
	// Image decodes sample i as Pillow's convert("RGB") would see it.
	Image(i int) (image.Image, error)
	// Identity changes when the samples, labels or classes change; it is
	// the feature-cache key. It does not depend on where the data lives
	// or on the split's name, so two splits with the same content have
	// the same identity.
	Identity() string
}

// Templater is implemented by datasets that ship their own zero-shot
// prompt templates (webdataset shards with
// zeroshot_classification_templates.txt).
type Templater interface {
	// Templates are prompt templates with {c} marking the class name.
	Templates() []string
}

// Pather is implemented by file-backed datasets.
type Pather interface {
	// Path is the file sample i is read from (for webdataset shards,
	// "shard.tar:member").
	Path(i int) string
}

// SkipsBad reports the dataset's bad-sample policy: true when a sample
// whose image cannot be decoded should be left out, counted and reported
// (file-backed formats), false when any failure must stop the run.
func SkipsBad(d Dataset) bool {
	if s, ok := d.(interface{ SkipBad() bool }); ok {
		return s.SkipBad()
	}
	return false
}

// Opener opens one split of a dataset stored at root.
type Opener func(root, split string) (Dataset, error)

var (
	mu      sync.RWMutex
	openers = map[string]Opener{}
)

// Register makes open the reader of format. Readers register from init;
// registering a format twice panics.
func Register(format string, open Opener) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := openers[format]; dup {
		panic("datasets: format " + format + " registered twice")
	}
	openers[format] = open
}

// Formats lists the registered formats.
func Formats() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(openers))
	for f := range openers {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Open opens split of the dataset at root with the reader for format
// (imagenet, pets, mnist, svhn, imagefolder, csv or wds). An empty split
// means "test".
func Open(format, root, split string) (Dataset, error) {
	mu.RLock()
	open, ok := openers[format]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown dataset format %q (have: %s)", format, strings.Join(Formats(), ", "))
	}
	if split == "" {
		split = "test"
	}
	return open(root, split)
}

// subset is a view of some samples of a dataset.
type subset struct {
	Dataset
	idx []int
	id  string
}

// Subset returns the samples idx of d, in that order. Its identity derives
// from d's and idx. Templates and the bad-sample policy carry over.
func Subset(d Dataset, idx []int) (Dataset, error) {
	n := d.Len()
	h := newIdentity("subset")
	h.str(d.Identity())
	for _, i := range idx {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("subset: index %d out of range 0..%d", i, n-1)
		}
		h.int(i)
	}
	s := &subset{Dataset: d, idx: append([]int(nil), idx...), id: h.sum()}
	if t, ok := d.(Templater); ok {
		return &templatedSubset{subset: s, t: t}, nil
	}
	return s, nil
}

// Limit returns the first n samples of d (all of them when n <= 0 or
// n >= d.Len()): a suite's limit key.
func Limit(d Dataset, n int) Dataset {
	if n <= 0 || n >= d.Len() {
		return d
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	s, _ := Subset(d, idx)
	return s
}

func (s *subset) Len() int                         { return len(s.idx) }
func (s *subset) Label(i int) int                  { return s.Dataset.Label(s.idx[i]) }
func (s *subset) Image(i int) (image.Image, error) { return s.Dataset.Image(s.idx[i]) }
func (s *subset) Identity() string                 { return s.id }
func (s *subset) SkipBad() bool                    { return SkipsBad(s.Dataset) }

// Path is the parent's path of sample i, or "" when it has none.
func (s *subset) Path(i int) string {
	if p, ok := s.Dataset.(Pather); ok {
		return p.Path(s.idx[i])
	}
	return ""
}

type templatedSubset struct {
	*subset
	t Templater
}

func (s *templatedSubset) Templates() []string { return s.t.Templates() }

// Labels returns every label of d, in sample order.
func Labels(d Dataset) []int {
	out := make([]int, d.Len())
	for i := range out {
		out[i] = d.Label(i)
	}
	return out
}

// CheckNoOverlap fails when the training (or validation) split shares
// samples with the evaluated split: the same identity, or (for file-backed
// datasets) the same file, however it is reached (links, "..", another
// spelling of the path: files are compared, not names; a webdataset member
// by its shard file and member name).
func CheckNoOverlap(evaluated, training Dataset) error {
	if evaluated.Identity() == training.Identity() {
		return errors.New("the training split has the same content as the evaluated split")
	}
	pe, ok1 := evaluated.(Pather)
	pt, ok2 := training.(Pather)
	if !ok1 || !ok2 {
		return nil
	}
	ids := fileIDs{}
	seen := make(map[string]int, evaluated.Len())
	for i := 0; i < evaluated.Len(); i++ {
		if p := pe.Path(i); p != "" {
			seen[ids.of(p)] = i
		}
	}
	for i := 0; i < training.Len(); i++ {
		p := pt.Path(i)
		if j, dup := seen[ids.of(p)]; dup {
			return fmt.Errorf("training sample %d (%s) and evaluated sample %d (%s) are the same file", i, p, j, pe.Path(j))
		}
	}
	return nil
}

// fileIDs names files by what they are: device and inode where the
// system has them, else the absolute path with links resolved. Shards are
// looked up once.
type fileIDs map[string]string

func (c fileIDs) of(p string) string {
	file, member := p, ""
	if i := strings.LastIndex(p, ".tar:"); i >= 0 {
		file, member = p[:i+4], p[i+4:]
	}
	id, ok := c[file]
	if !ok {
		id = fileID(file)
		c[file] = id
	}
	return id + member
}

func fileID(p string) string {
	if st, err := os.Stat(p); err == nil {
		if key := statKey(st); key != "" {
			return key
		}
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	if a, err := filepath.Abs(p); err == nil {
		p = a
	}
	return filepath.Clean(p)
}

// identity accumulates a dataset's identity hash.
type identity struct{ h hash.Hash }

func newIdentity(format string) *identity {
	id := &identity{h: sha256.New()}
	id.str(format)
	return id
}

func (id *identity) str(s string) {
	id.int(len(s))
	id.h.Write([]byte(s))
}

func (id *identity) int(v int) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(v))
	id.h.Write(b[:])
}

func (id *identity) bytes(b []byte) {
	id.int(len(b))
	id.h.Write(b)
}

func (id *identity) sum() string { return hex.EncodeToString(id.h.Sum(nil)[:16]) }
