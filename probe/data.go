package probe

import (
	"errors"
	"fmt"
	"math"
)

// ErrBadInput is wrapped by every error about the data handed to the probe
// (shapes, counts, non-finite features, labels out of range, a class with no
// training samples), as opposed to failures while fitting.
var ErrBadInput = errors.New("bad linear-probe input")

// Data is a labelled feature matrix: N rows of D float32 features stored
// row-major in X, and one label per row in Y, in [0, numClasses).
type Data struct {
	X    []float32
	N, D int
	Y    []int32
}

// Validate checks the shape of d, that every feature is finite and that
// every label lies in [0, numClasses). name says which data it is in the
// error ("train", a file name ...).
func (d Data) Validate(name string, numClasses int) error {
	if err := d.checkShape(name); err != nil {
		return err
	}
	for i, y := range d.Y {
		if y < 0 || int(y) >= numClasses {
			return fmt.Errorf("%w: %s: sample %d: label %d out of range 0..%d", ErrBadInput, name, i, y, numClasses-1)
		}
	}
	for i, v := range d.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%w: %s: sample %d: feature %d is %v (features must be finite)", ErrBadInput, name, i/d.D, i%d.D, v)
		}
	}
	return nil
}

// checkShape checks N, D and the lengths of X and Y.
func (d Data) checkShape(name string) error {
	switch {
	case d.N < 0 || d.D < 0:
		return fmt.Errorf("%w: %s: negative shape %d x %d", ErrBadInput, name, d.N, d.D)
	case d.N > 0 && d.D == 0:
		return fmt.Errorf("%w: %s: features have no columns", ErrBadInput, name)
	case len(d.X) != d.N*d.D:
		return fmt.Errorf("%w: %s: %d feature values for %d x %d", ErrBadInput, name, len(d.X), d.N, d.D)
	case len(d.Y) != d.N:
		return fmt.Errorf("%w: %s: %d feature rows but %d labels", ErrBadInput, name, d.N, len(d.Y))
	}
	return nil
}

// ClassCounts returns the number of samples of each class; labels must be
// in [0, numClasses).
func ClassCounts(y []int32, numClasses int) []int {
	c := make([]int, numClasses)
	for _, v := range y {
		c[v]++
	}
	return c
}

// Take returns the rows idx of d as a new Data (a copy), in the order of
// idx. It is how callers build k-shot subsets.
func Take(d Data, idx []int) Data {
	out := Data{X: make([]float32, len(idx)*d.D), N: len(idx), D: d.D, Y: make([]int32, len(idx))}
	for j, i := range idx {
		copy(out.X[j*d.D:(j+1)*d.D], d.X[i*d.D:(i+1)*d.D])
		out.Y[j] = d.Y[i]
	}
	return out
}

// rowScales returns 1/||x_i|| for each row (1 for an all-zero row), the
// per-row factor that L2-normalises the features without copying them.
func rowScales(d Data) []float32 {
	s := make([]float32, d.N)
	for i := range d.N {
		var ss float64
		for _, v := range d.X[i*d.D : (i+1)*d.D] {
			ss += float64(v) * float64(v)
		}
		if ss > 0 {
			s[i] = float32(1 / math.Sqrt(ss))
		} else {
			s[i] = 1
		}
	}
	return s
}

// part is a run of rows of one feature matrix: all rows in order, or the
// rows listed in idx, each scaled by scale[row] when scale is set.
type part struct {
	x     []float32
	y     []int32
	idx   []int
	scale []float32
}

func (p part) len() int {
	if p.idx != nil {
		return len(p.idx)
	}
	return len(p.y)
}

// row maps the i-th row of the part to a row of x.
func (p part) row(i int) int {
	if p.idx != nil {
		return p.idx[i]
	}
	return i
}

// rows is the training, validation or test set the solver sees: one or
// more parts with the same number of columns.
type rows struct {
	parts []part
	d     int
}

func (r rows) n() int {
	n := 0
	for _, p := range r.parts {
		n += p.len()
	}
	return n
}

// labels returns the labels in row order (a new slice).
func (r rows) labels() []int32 {
	out := make([]int32, 0, r.n())
	for _, p := range r.parts {
		for i := range p.len() {
			out = append(out, p.y[p.row(i)])
		}
	}
	return out
}

// newRows wraps d (all rows, or the rows idx when not nil), normalising
// rows when scales is set.
func newRows(d Data, idx []int, scales []float32) rows {
	return rows{parts: []part{{x: d.X, y: d.Y, idx: idx, scale: scales}}, d: d.D}
}

// concat joins row sets with the same number of columns.
func concat(a, b rows) rows {
	out := rows{d: a.d}
	out.parts = append(append(out.parts, a.parts...), b.parts...)
	return out
}
