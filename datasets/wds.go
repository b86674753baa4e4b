package datasets

import (
	"archive/tar"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/evalclip/evalclip/encoders/imageproc"
	"github.com/evalclip/evalclip/internal/limits"
	"github.com/evalclip/evalclip/prompts"
)

func init() { Register("wds", openWDS) }

// openWDS reads a CLIP_benchmark webdataset: root/<split>/*.tar shards
// (read in numeric order: 0.tar, 1.tar, ..., 10.tar; exactly 0.tar to
// {n-1}.tar when root/<split>/nshards.txt says n), each sample a group of
// members sharing a key ("s0000012.webp", "s0000012.cls"), with the image
// in .jpg/.jpeg/.png/.webp and the 0-based class index as text in .cls;
// class names from root/classnames.txt (one per line, label order) and
// optional templates from root/zeroshot_classification_templates.txt
// ({c} marks the class name; exposed through [Templater]). Shards are
// indexed once at open (headers only); images are read from the shards on
// demand.
func openWDS(root, split string) (Dataset, error) {
	if t, err := wdsType(root); err != nil {
		return nil, err
	} else if t == "retrieval" {
		return nil, fmt.Errorf("wds: %s says %q: image-caption shards are for retrieval tasks (set captions = true on the dataset)", filepath.Join(root, WDSTypeFile), t)
	}
	shards, err := wdsShards(root, split)
	if err != nil {
		return nil, err
	}
	classes, err := wdsClasses(root, split)
	if err != nil {
		return nil, err
	}
	d := &wdsDataset{root: root, classes: classes}
	// The shards' own templates pass the checks of a suite's templates
	// file: present but empty, or a template without {c}, is an error.
	if t, err := prompts.ReadTemplates(filepath.Join(root, "zeroshot_classification_templates.txt")); err == nil {
		d.templates = t
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("wds: templates: %w", err)
	}
	if err := d.indexAll(shards, split); err != nil {
		return nil, err
	}
	return d, nil
}

func init() { RegisterCaptions("wds", openWDSCaptions) }

// openWDSCaptions reads CLIP_benchmark's retrieval shards (root's
// dataset_type.txt, when present, says "retrieval"): root/<split>/*.tar
// (as openWDS finds them), each sample an image member and a .txt member
// holding its captions, one a line (split as Python's str.splitlines
// does). An image without captions, captions without an image, and an
// empty caption line are errors naming the shard and member.
func openWDSCaptions(root, split string, _ CaptionOptions) (Captioned, error) {
	if t, err := wdsType(root); err != nil {
		return nil, err
	} else if t != "" && t != "retrieval" {
		return nil, fmt.Errorf("wds: %s says %q: these shards hold labels, not captions (classification tasks read them)", filepath.Join(root, WDSTypeFile), t)
	}
	shards, err := wdsShards(root, split)
	if err != nil {
		return nil, err
	}
	d := &wdsDataset{root: root, captions: true}
	if err := d.indexAll(shards, split); err != nil {
		return nil, err
	}
	return d, nil
}

// WDSTypeFile names a webdataset's kind in CLIP_benchmark's layout:
// "retrieval" for image-caption shards; "classification" (or no file) and
// "multilabel" otherwise.
const WDSTypeFile = "dataset_type.txt"

// wdsType reads root's dataset_type.txt, lower-cased ("" when absent).
func wdsType(root string) (string, error) {
	p := filepath.Join(root, WDSTypeFile)
	if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	b, err := limits.ReadFile(p, 1024)
	if err != nil {
		return "", fmt.Errorf("wds: %w", err)
	}
	return strings.ToLower(strings.TrimSpace(string(b))), nil
}

// wdsShards finds a split's shards, in numeric order, checked against its
// nshards.txt when there is one.
func wdsShards(root, split string) ([]string, error) {
	if err := rootDir("wds", root); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, split)
	shards, err := filepath.Glob(filepath.Join(dir, "*.tar"))
	if err != nil || len(shards) == 0 {
		return nil, fmt.Errorf("wds: no shards %s", filepath.Join(dir, "*.tar"))
	}
	sort.Slice(shards, func(a, b int) bool { return shardLess(filepath.Base(shards[a]), filepath.Base(shards[b])) })
	return announcedShards(dir, split, shards)
}

// indexAll indexes every shard and sets the identity.
func (d *wdsDataset) indexAll(shards []string, split string) error {
	id := newIdentity("wds")
	if d.captions {
		id.str("captions")
	}
	for _, c := range d.classes {
		id.str(c)
	}
	keys := map[string]string{} // sample key -> shard, across shards
	for si, shard := range shards {
		rel := split + "/" + filepath.Base(shard)
		if err := d.index(si, shard, rel, id, keys); err != nil {
			return err
		}
	}
	d.shards = shards
	d.files = make([]*os.File, len(shards))
	if len(d.samples) == 0 {
		return fmt.Errorf("wds: no samples in %s", filepath.Join(d.root, split))
	}
	d.id = id.sum()
	return nil
}

// maxCaptionBytes bounds one sample's .txt member.
const maxCaptionBytes = 1 << 20

// readCaptions splits a .txt member into captions, refusing empty lines.
func readCaptions(r io.Reader, where string) ([]string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxCaptionBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if len(b) > maxCaptionBytes {
		return nil, fmt.Errorf("%s: more than %d bytes of captions", where, maxCaptionBytes)
	}
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("%s: captions are not UTF-8", where)
	}
	lines := splitLines(string(b))
	if len(lines) == 0 {
		return nil, fmt.Errorf("%s: no captions", where)
	}
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			return nil, fmt.Errorf("%s: line %d: empty caption", where, i+1)
		}
	}
	return lines, nil
}

// NShardsFile is a split's shard count file in CLIP_benchmark's layout.
const NShardsFile = "nshards.txt"

// MaxShards bounds the shard count a nshards.txt may announce.
const MaxShards = 1_000_000

// ReadNShards reads a shard count file: one integer from 1 to MaxShards.
func ReadNShards(path string) (int, error) {
	data, err := limits.ReadFile(path, 64)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || n < 1 || n > MaxShards {
		return 0, fmt.Errorf("%s: %q, want a shard count from 1 to %d", path, strings.TrimSpace(string(data)), MaxShards)
	}
	return n, nil
}

// announcedShards checks the shards against <split>/nshards.txt when the
// split has one, as CLIP_benchmark reads {split}/{0..n-1}.tar: every
// announced shard must be there, and no other .tar may be (it would be
// read by one tool and not the other).
func announcedShards(dir, split string, found []string) ([]string, error) {
	ns := filepath.Join(dir, NShardsFile)
	if _, err := os.Lstat(ns); errors.Is(err, os.ErrNotExist) {
		return found, nil
	}
	n, err := ReadNShards(ns)
	if err != nil {
		return nil, fmt.Errorf("wds: %w", err)
	}
	want := make([]string, n)
	wanted := map[string]bool{}
	for i := range want {
		want[i] = filepath.Join(dir, strconv.Itoa(i)+".tar")
		wanted[want[i]] = true
	}
	have := map[string]bool{}
	for _, f := range found {
		if !wanted[f] {
			return nil, fmt.Errorf("wds: %s/%s says %d shards (0.tar to %d.tar), but %s/%s is there too: remove it or fix %s",
				split, NShardsFile, n, n-1, split, filepath.Base(f), NShardsFile)
		}
		have[f] = true
	}
	for _, w := range want {
		if !have[w] {
			return nil, fmt.Errorf("wds: %s/%s says %d shards, but %s/%s is missing", split, NShardsFile, n, split, filepath.Base(w))
		}
	}
	return want, nil
}

// shardLess orders "2.tar" before "10.tar", other names by text.
func shardLess(a, b string) bool {
	na, ea := strconv.Atoi(strings.TrimSuffix(a, ".tar"))
	nb, eb := strconv.Atoi(strings.TrimSuffix(b, ".tar"))
	if ea == nil && eb == nil {
		return na < nb
	}
	return a < b
}

type wdsSample struct {
	shard  int
	key    string
	member string
	offset int64
	size   int64
	label  int
	caps   []string // caption shards only
}

type wdsDataset struct {
	root string
	// captions: retrieval shards (.txt captions), not labelled ones.
	captions  bool
	shards    []string
	classes   []string
	templates []string
	samples   []wdsSample
	id        string

	mu    sync.Mutex
	files []*os.File
}

var wdsImageExts = []string{"jpg", "jpeg", "png", "webp"}

// index lists one shard's samples: for each key, the first image member
// (by the order of wdsImageExts) and the .cls label. A member whose
// declared size runs past the shard or the per-image limit, a member
// present twice, and a key already seen in another shard (seen) are
// errors naming the shard and the member.
func (d *wdsDataset) index(si int, shard, rel string, id *identity, seen map[string]string) error {
	f, size, err := limits.Open(shard, 0)
	if err != nil {
		return fmt.Errorf("wds: %w", err)
	}
	defer f.Close()
	type group struct {
		img      map[string]wdsSample
		cls      string
		hasCls   bool
		caps     []string
		hasTxt   bool
		firstPos int
	}
	groups := map[string]*group{}
	var keys []string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("wds: %s: %w", rel, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		// The data of the member starts where the reader stands now.
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return fmt.Errorf("wds: %s: %w", rel, err)
		}
		if h.Size < 0 || h.Size > size-off {
			return fmt.Errorf("wds: %s: member %s declares %d bytes but the shard holds %d after its header", rel, h.Name, h.Size, size-off)
		}
		base := path.Base(h.Name)
		dot := strings.Index(base, ".")
		if dot <= 0 {
			continue
		}
		key := path.Join(path.Dir(h.Name), base[:dot])
		ext := strings.ToLower(base[dot+1:])
		g := groups[key]
		if g == nil {
			if other, dup := seen[key]; dup {
				return fmt.Errorf("wds: %s: sample %s is also in %s (keys must be unique across shards)", rel, key, other)
			}
			seen[key] = rel
			g = &group{img: map[string]wdsSample{}}
			groups[key] = g
			keys = append(keys, key)
		}
		switch {
		case d.captions && ext == "txt" && g.hasTxt:
			return fmt.Errorf("wds: %s: sample %s has two .txt members", rel, key)
		case d.captions && ext == "txt":
			if g.caps, err = readCaptions(tr, rel+":"+h.Name); err != nil {
				return fmt.Errorf("wds: %w", err)
			}
			g.hasTxt = true
		case d.captions && ext == "cls":
		case ext == "cls" && g.hasCls:
			return fmt.Errorf("wds: %s: sample %s has two .cls members", rel, key)
		case ext == "cls":
			b, err := io.ReadAll(io.LimitReader(tr, 64))
			if err != nil {
				return fmt.Errorf("wds: %s: %s: %w", rel, h.Name, err)
			}
			g.cls, g.hasCls = strings.TrimSpace(string(b)), true
		case contains(wdsImageExts, ext):
			if _, dup := g.img[ext]; dup {
				return fmt.Errorf("wds: %s: sample %s has two .%s members", rel, key, ext)
			}
			if h.Size > limits.MaxImageFileBytes {
				return fmt.Errorf("wds: %s: member %s: %d bytes is more than the %d-byte limit of one image", rel, h.Name, h.Size, limits.MaxImageFileBytes)
			}
			g.img[ext] = wdsSample{shard: si, key: key, member: h.Name, offset: off, size: h.Size}
		}
	}
	for _, key := range keys {
		g := groups[key]
		var s wdsSample
		found := false
		for _, ext := range wdsImageExts {
			if v, ok := g.img[ext]; ok {
				s, found = v, true
				break
			}
		}
		if d.captions {
			switch {
			case !found && !g.hasTxt:
				continue
			case !found:
				return fmt.Errorf("wds: %s: sample %s has captions but no .jpg/.png/.webp image", rel, key)
			case !g.hasTxt:
				return fmt.Errorf("wds: %s: sample %s has an image but no .txt captions", rel, key)
			}
			s.caps = g.caps
			d.samples = append(d.samples, s)
			id.str(rel)
			id.str(s.member)
			id.int(int(s.size))
			continue
		}
		if !found && !g.hasCls {
			continue // a key with neither (metadata only)
		}
		if !found {
			return fmt.Errorf("wds: %s: sample %s has a label but no .jpg/.png/.webp image", rel, key)
		}
		if !g.hasCls {
			return fmt.Errorf("wds: %s: sample %s has no .cls label", rel, key)
		}
		label, err := strconv.Atoi(g.cls)
		if err != nil || label < 0 || label >= len(d.classes) {
			return fmt.Errorf("wds: %s: %s.cls: label %q out of range 0..%d (classnames.txt has %d classes)", rel, key, g.cls, len(d.classes)-1, len(d.classes))
		}
		s.label = label
		d.samples = append(d.samples, s)
		id.str(rel)
		id.str(s.member)
		id.int(int(s.size))
		id.int(label)
	}
	st, err := f.Stat()
	if err == nil {
		id.int(int(st.Size()))
		id.int(int(st.ModTime().UnixNano()))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (d *wdsDataset) Len() int            { return len(d.samples) }
func (d *wdsDataset) Label(i int) int     { return d.samples[i].label }
func (d *wdsDataset) Classes() []string   { return d.classes }
func (d *wdsDataset) Identity() string    { return d.id }
func (d *wdsDataset) Templates() []string { return d.templates }

// Captions are sample i's captions (caption shards).
func (d *wdsDataset) Captions(i int) []string { return d.samples[i].caps }

// SkipBad: an undecodable image is skipped and counted, not fatal.
func (d *wdsDataset) SkipBad() bool { return true }

// Path is "shard.tar:member" for sample i.
func (d *wdsDataset) Path(i int) string {
	s := d.samples[i]
	return d.shards[s.shard] + ":" + s.member
}

// Image reads sample i's image member from its shard and decodes it.
func (d *wdsDataset) Image(i int) (image.Image, error) {
	s := d.samples[i]
	f, err := d.file(s.shard)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, s.size)
	if _, err := f.ReadAt(buf, s.offset); err != nil {
		return nil, fmt.Errorf("wds: %s: %w", d.Path(i), err)
	}
	img, err := imageproc.Decode(buf)
	if err != nil {
		return nil, fmt.Errorf("wds: sample %d: %s: %w", i, d.Path(i), err)
	}
	return img, nil
}

// file opens shard si once and keeps it open (ReadAt is safe for
// concurrent use).
func (d *wdsDataset) file(si int) (*os.File, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f := d.files[si]; f != nil {
		return f, nil
	}
	f, err := os.Open(d.shards[si])
	if err != nil {
		return nil, fmt.Errorf("wds: %w", err)
	}
	d.files[si] = f
	return f, nil
}

// Close closes the open shard files.
func (d *wdsDataset) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for i, f := range d.files {
		if f != nil {
			errs = append(errs, f.Close())
			d.files[i] = nil
		}
	}
	return errors.Join(errs...)
}
