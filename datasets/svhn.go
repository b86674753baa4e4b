package datasets

import (
	"errors"
	"fmt"
	"image"
	"math"
	"path/filepath"
	"strconv"

	"github.com/evalclip/evalclip/datasets/internal/mat5"
	"github.com/evalclip/evalclip/encoders/imageproc"
	"github.com/evalclip/evalclip/internal/limits"
)

func init() { Register("svhn", openSVHN) }

// openSVHN reads SVHN's cropped digits, <split>_32x32.mat (split train,
// test or extra): MATLAB v5 files, compressed or not, holding X (32x32x3xN
// uint8, column-major: X(row, col, channel, sample)) and y (Nx1, 1..10
// where 10 is the digit 0). Classes are "0".."9", as torchvision's SVHN
// labels them. MATLAB v7.3 (HDF5) files are refused with how to convert
// them.
func openSVHN(root, split string) (Dataset, error) {
	if err := rootDir("svhn", root); err != nil {
		return nil, err
	}
	switch split {
	case "train", "test", "extra":
	default:
		return nil, fmt.Errorf("svhn: unknown split %q (expected train, test or extra)", split)
	}
	name := split + "_32x32.mat"
	vars, err := mat5.ReadFile(filepath.Join(root, name), "X", "y")
	if err != nil {
		if errors.Is(err, mat5.ErrV73) {
			return nil, fmt.Errorf("svhn: %s: %w", name, mat5.ErrV73)
		}
		return nil, fmt.Errorf("svhn: %w", err)
	}
	x, y := vars["X"], vars["y"]
	if len(x.Dims) != 4 || x.Dims[2] != 3 {
		return nil, fmt.Errorf("svhn: %s: X has dimensions %v, expected HxWx3xN", name, x.Dims)
	}
	pix, ok := x.Bytes()
	if !ok {
		return nil, fmt.Errorf("svhn: %s: X is not stored as uint8", name)
	}
	h, w, n := x.Dims[0], x.Dims[1], x.Dims[3]
	if err := limits.Pixels(fmt.Sprintf("svhn: %s: X", name), w, h); err != nil {
		return nil, err
	}
	ys, err := y.Float64s()
	if err != nil {
		return nil, fmt.Errorf("svhn: %s: %w", name, err)
	}
	if len(ys) != n {
		return nil, fmt.Errorf("svhn: %s: X holds %d images but y has %d labels", name, n, len(ys))
	}
	d := &svhnDataset{pix: pix, w: w, h: h, labels: make([]int, n)}
	for i, v := range ys {
		if v != math.Trunc(v) || v < 0 || v > 10 {
			return nil, fmt.Errorf("svhn: %s: y(%d) = %v, expected an integer label 1..10 (10 = digit 0)", name, i+1, v)
		}
		d.labels[i] = int(v) % 10
	}
	d.classes = make([]string, 10)
	for i := range d.classes {
		d.classes[i] = strconv.Itoa(i)
	}
	id := newIdentity("svhn")
	id.int(h)
	id.int(w)
	id.bytes(pix)
	for _, l := range d.labels {
		id.int(l)
	}
	d.id = id.sum()
	return d, nil
}

type svhnDataset struct {
	pix     []byte
	w, h    int
	labels  []int
	classes []string
	id      string
}

func (d *svhnDataset) Len() int          { return len(d.labels) }
func (d *svhnDataset) Label(i int) int   { return d.labels[i] }
func (d *svhnDataset) Classes() []string { return d.classes }
func (d *svhnDataset) Identity() string  { return d.id }

// Image converts sample i from MATLAB's column-major planes to RGB.
func (d *svhnDataset) Image(i int) (image.Image, error) {
	if i < 0 || i >= len(d.labels) {
		return nil, fmt.Errorf("svhn: sample %d out of range 0..%d", i, len(d.labels)-1)
	}
	plane := d.w * d.h
	s := d.pix[i*3*plane : (i+1)*3*plane]
	img := imageproc.NewRGB(image.Rect(0, 0, d.w, d.h))
	for y := 0; y < d.h; y++ {
		row := img.Pix[y*img.Stride:][:3*d.w]
		for x := 0; x < d.w; x++ {
			k := x*d.h + y
			row[3*x], row[3*x+1], row[3*x+2] = s[k], s[plane+k], s[2*plane+k]
		}
	}
	return img, nil
}
