package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/evalclip/evalclip/internal/limits"
)

func init() { Register("mnist", openMNIST) }

// IDX magic numbers: unsigned bytes, 3 and 1 dimensions.
const (
	idxImagesMagic = 0x00000803 // 2051
	idxLabelsMagic = 0x00000801 // 2049
)

var idxName = regexp.MustCompile(`^(?:(.+)-)?(train|t10k|test)-(images|labels)[-.]idx([13])-ubyte(\.gz)?$`)

// idxSet is one split's image and label files.
type idxSet struct{ images, labels string }

// openMNIST reads MNIST-style IDX files in root:
// {train,t10k}-images-idx3-ubyte[.gz] and {train,t10k}-labels-idx1-ubyte[.gz]
// (MNIST, Fashion-MNIST, KMNIST; "." instead of "-" before idx is accepted),
// or EMNIST's emnist-<set>-{train,test}-... Split "test" reads t10k (or
// test), "train" reads train. When the folder holds several sets (EMNIST),
// name one in the split: "emnist-letters-test". Images may be any size.
// Classes are "0".."N-1" for the largest label N-1 in any of the set's
// label files (at least 10), or EMNIST's characters from
// <set>-mapping.txt.
func openMNIST(root, split string) (Dataset, error) {
	if err := rootDir("mnist", root); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	sets := map[string]map[string]*idxSet{} // prefix -> split -> files
	for _, e := range entries {
		m := idxName.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		prefix, sp := m[1], m[2]
		if sp == "t10k" {
			sp = "test"
		}
		if sets[prefix] == nil {
			sets[prefix] = map[string]*idxSet{}
		}
		s := sets[prefix][sp]
		if s == nil {
			s = &idxSet{}
			sets[prefix][sp] = s
		}
		p := &s.images
		if m[3] == "labels" {
			p = &s.labels
		}
		if *p != "" {
			// Both a raw file and its .gz: the raw one is read, after
			// checking that the two agree.
			r, z := *p, e.Name()
			if strings.HasSuffix(r, ".gz") {
				r, z = z, r
			}
			if err := sameIDX(root, r, z); err != nil {
				return nil, err
			}
			*p = r
			continue
		}
		*p = e.Name()
	}
	if len(sets) == 0 {
		return nil, fmt.Errorf("mnist: no IDX files (train-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz], ...) in %s", root)
	}
	prefix, sp := "", split
	if split == "val" {
		sp = "test"
	}
	if len(sets) > 1 || sets[""] == nil {
		var names []string
		for p := range sets {
			names = append(names, p)
		}
		sort.Strings(names)
		found := false
		for _, p := range names {
			for _, s := range []string{"train", "test"} {
				if split == p+"-"+s || (split == s && len(sets) == 1) {
					prefix, sp, found = p, s, true
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("mnist: %s holds several IDX sets (%s); name one in the split, e.g. %q", root, strings.Join(names, ", "), names[0]+"-"+split)
		}
	}
	set := sets[prefix][sp]
	if set == nil || set.images == "" || set.labels == "" {
		return nil, fmt.Errorf("mnist: split %q needs both %s-images-idx3-ubyte[.gz] and %s-labels-idx1-ubyte[.gz] in %s", split, idxPrefix(prefix, sp), idxPrefix(prefix, sp), root)
	}
	imgData, err := readIDX(root, set.images, idxImagesMagic)
	if err != nil {
		return nil, err
	}
	lblData, err := readIDX(root, set.labels, idxLabelsMagic)
	if err != nil {
		return nil, err
	}
	n, rows, cols := imgData.dims[0], imgData.dims[1], imgData.dims[2]
	if lblData.dims[0] != n {
		return nil, fmt.Errorf("mnist: %s has %d images but %s has %d labels", set.images, n, set.labels, lblData.dims[0])
	}
	d := &memDataset{format: "mnist", pix: imgData.data, w: cols, h: rows}
	maxLabel := 9
	for _, s := range sets[prefix] {
		if s.labels == "" || s == set {
			continue
		}
		other, err := readIDX(root, s.labels, idxLabelsMagic)
		if err != nil {
			return nil, err
		}
		for _, l := range other.data {
			maxLabel = max(maxLabel, int(l))
		}
	}
	d.labels = make([]int, n)
	for i, l := range lblData.data {
		d.labels[i] = int(l)
		maxLabel = max(maxLabel, int(l))
	}
	d.classes = make([]string, maxLabel+1)
	for i := range d.classes {
		d.classes[i] = strconv.Itoa(i)
	}
	if prefix != "" {
		if err := emnistMapping(root, prefix+"-mapping.txt", d.classes); err != nil {
			return nil, err
		}
	}
	id := newIdentity("mnist")
	id.bytes(imgData.data)
	id.bytes(lblData.data)
	for _, c := range d.classes {
		id.str(c)
	}
	d.id = id.sum()
	return d, nil
}

func idxPrefix(prefix, split string) string {
	if split == "test" && prefix == "" {
		split = "t10k"
	}
	if prefix == "" {
		return split
	}
	return prefix + "-" + split
}

type idxFile struct {
	dims []int
	data []byte
}

// readIDX reads an unsigned-byte IDX file (optionally gzip-compressed)
// and checks its magic number and payload length. The payload the header
// declares is checked before it is read: against the file's size for a
// raw file, against the allocation limit (internal/limits) for both; a
// compressed payload is read as it decompresses, never past its
// declaration.
func readIDX(root, name string, magic uint32) (*idxFile, error) {
	f, size, err := limits.Open(filepath.Join(root, name), 0)
	if err != nil {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	gz := strings.HasSuffix(name, ".gz")
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("mnist: %s: not a gzip file: %w", name, err)
		}
		r = zr
	}
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("mnist: %s: file too short for an IDX header: %w", name, err)
	}
	got := binary.BigEndian.Uint32(hdr[:])
	if got != magic {
		kind := "image"
		if magic == idxLabelsMagic {
			kind = "label"
		}
		return nil, fmt.Errorf("mnist: %s: magic number %d (0x%08x), expected %d (0x%08x) for an IDX %s file of unsigned bytes", name, got, got, magic, magic, kind)
	}
	ndim := int(magic & 0xff)
	dims := make([]int, ndim)
	sizes := make([]int64, ndim)
	for i := range dims {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return nil, fmt.Errorf("mnist: %s: truncated header: %w", name, err)
		}
		dims[i] = int(binary.BigEndian.Uint32(hdr[:]))
		if dims[i] <= 0 {
			return nil, fmt.Errorf("mnist: %s: bad dimension %d", name, dims[i])
		}
		sizes[i] = int64(dims[i])
	}
	what := fmt.Sprintf("mnist: %s: dimensions %v", name, dims)
	total, err := limits.Product(sizes...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if gz {
		err = limits.Alloc(what, total, 1)
	} else {
		err = limits.Fits(what, total, 1, size-int64(4+4*ndim))
	}
	if err != nil {
		if !gz && total > size-int64(4+4*ndim) {
			return nil, fmt.Errorf("mnist: %s: truncated payload: header says %v = %d bytes, file holds %d", name, dims, total, size-int64(4+4*ndim))
		}
		return nil, err
	}
	var buf bytes.Buffer
	if !gz {
		buf.Grow(int(total))
	}
	n, err := io.Copy(&buf, io.LimitReader(r, total+1))
	if err != nil {
		return nil, fmt.Errorf("mnist: %s: %w", name, err)
	}
	if n < total {
		return nil, fmt.Errorf("mnist: %s: truncated payload: header says %v = %d bytes, file holds %d", name, dims, total, n)
	}
	if n > total {
		return nil, fmt.Errorf("mnist: %s: %d bytes past the %v payload the header declares", name, n-total, dims)
	}
	return &idxFile{dims: dims, data: buf.Bytes()}, nil
}

// sameIDX checks that a raw IDX file and its .gz copy hold the same number
// of bytes (the gzip trailer's ISIZE, modulo 2^32), so that the raw file
// evalclip reads is not a stale or damaged stand-in for the archive (as
// torchvision leaves both, after extracting).
func sameIDX(root, raw, gz string) error {
	rs, err := limits.RegularFile(filepath.Join(root, raw), 0)
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	f, size, err := limits.Open(filepath.Join(root, gz), 0)
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	defer f.Close()
	var tail [4]byte
	if size < 18 {
		return fmt.Errorf("mnist: %s is too short for a gzip file", gz)
	}
	if _, err := f.ReadAt(tail[:], size-4); err != nil {
		return fmt.Errorf("mnist: %s: %w", gz, err)
	}
	if isize := binary.LittleEndian.Uint32(tail[:]); isize != uint32(rs) {
		return fmt.Errorf("mnist: %s (%d bytes) and %s (%d bytes uncompressed) differ; remove the stale copy", raw, rs, gz, isize)
	}
	return nil
}

// emnistMapping names classes from EMNIST's "<label> <code> [<code>]" file
// (the first character code names the class), when the file exists.
func emnistMapping(root, name string, classes []string) error {
	data, err := os.ReadFile(filepath.Join(root, name))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mnist: %w", err)
	}
	for i, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		label, err1 := strconv.Atoi(f[0])
		code := -1
		var err2 error
		if len(f) >= 2 {
			code, err2 = strconv.Atoi(f[1])
		}
		if err1 != nil || err2 != nil || code < 0 || code > 0x10ffff {
			return fmt.Errorf("mnist: %s:%d: expected \"label charcode\", got %q", name, i+1, line)
		}
		if label < 0 || label >= len(classes) {
			continue
		}
		classes[label] = string(rune(code))
	}
	return nil
}

// memDataset holds every grayscale image in memory (IDX files): w x h
// bytes per sample.
type memDataset struct {
	format  string
	pix     []byte
	w, h    int
	labels  []int
	classes []string
	id      string
}

func (d *memDataset) Len() int          { return len(d.labels) }
func (d *memDataset) Label(i int) int   { return d.labels[i] }
func (d *memDataset) Classes() []string { return d.classes }
func (d *memDataset) Identity() string  { return d.id }

// Image returns sample i as *image.Gray (torchvision's
// Image.fromarray(mode="L")), sharing the dataset's memory.
func (d *memDataset) Image(i int) (image.Image, error) {
	if i < 0 || i >= len(d.labels) {
		return nil, fmt.Errorf("%s: sample %d out of range 0..%d", d.format, i, len(d.labels)-1)
	}
	n := d.w * d.h
	return &image.Gray{Pix: d.pix[i*n : (i+1)*n : (i+1)*n], Stride: d.w, Rect: image.Rect(0, 0, d.w, d.h)}, nil
}
