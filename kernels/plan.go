package kernels

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/evalclip/evalclip/internal/limits"
)

// Shape is a similarity problem size: N queries (images) by C candidates
// (classes or texts) in D dimensions.
type Shape struct{ N, C, D int }

// String returns "NxCxD".
func (sh Shape) String() string { return fmt.Sprintf("%dx%dx%d", sh.N, sh.C, sh.D) }

// ParseShape reads "NxCxD" (case-insensitive x; "_" digit separators
// allowed), every part a positive integer.
func ParseShape(s string) (Shape, error) {
	parts := strings.Split(strings.ToLower(strings.ReplaceAll(s, "_", "")), "x")
	if len(parts) != 3 {
		return Shape{}, fmt.Errorf("shape %q: expected NxCxD, e.g. 50000x1000x512", s)
	}
	var v [3]int
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || n < 1 {
			return Shape{}, fmt.Errorf("shape %q: %q is not a positive integer", s, part)
		}
		v[i] = n
	}
	return Shape{N: v[0], C: v[1], D: v[2]}, nil
}

// UnmarshalText reads a shape with [ParseShape], so that a TOML decoder's
// error carries the line.
func (sh *Shape) UnmarshalText(text []byte) error {
	v, err := ParseShape(string(text))
	if err != nil {
		return err
	}
	*sh = v
	return nil
}

// MarshalText writes "NxCxD".
func (sh Shape) MarshalText() ([]byte, error) { return []byte(sh.String()), nil }

// All selects every implementation this build can run except the slow
// baselines (the float64 reference and the naive Go loop).
const All = "all"

// Item is one planned measurement.
type Item struct {
	Impl  Impl
	Shape Shape
	DType DType
}

// Plan expands implementation names (or All) x shapes x dtypes into
// measurements at top-k k, implementation by implementation, then shape,
// then dtype. Unknown or unavailable implementations are errors;
// combinations an implementation cannot compute are left out and described
// in skipped; an implementation named explicitly that computes none of the
// dtypes, or keeps fewer than k scores per row, is an error, as is a shape
// with fewer than k classes.
func Plan(names []string, shapes []Shape, k int, dtypes []DType) (items []Item, skipped []string, err error) {
	var impls []Impl
	var errs []error
	all := slices.Contains(names, All)
	add := func(im Impl) {
		if !slices.ContainsFunc(impls, func(x Impl) bool { return x.Name == im.Name }) {
			impls = append(impls, im)
		}
	}
	for _, name := range names {
		if name == All {
			for _, im := range Impls() {
				if !im.Slow {
					add(im)
				}
			}
			continue
		}
		im, err := Describe(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		add(im)
	}
	for _, im := range impls {
		if im.MaxK > 0 && k > im.MaxK {
			skipped = append(skipped, fmt.Sprintf("%s keeps at most %d scores per row, k = %d", im.Name, im.MaxK, k))
			if !all {
				errs = append(errs, fmt.Errorf("kernels: %s keeps at most %d scores per row, k = %d asked for", im.Name, im.MaxK, k))
			}
			continue
		}
		some := false
		for _, dt := range dtypes {
			if !im.Supports(dt) {
				skipped = append(skipped, fmt.Sprintf("%s does not compute in %s", im.Name, dt))
				continue
			}
			some = true
		}
		if !some && !all {
			errs = append(errs, fmt.Errorf("kernels: %s computes in %s, none of the dtypes asked for (%s)",
				im.Name, JoinDTypes(im.DTypes), JoinDTypes(dtypes)))
		}
		for _, sh := range shapes {
			for _, dt := range dtypes {
				if im.Supports(dt) {
					items = append(items, Item{Impl: im, Shape: sh, DType: dt})
				}
			}
		}
	}
	for _, sh := range shapes {
		if k > sh.C {
			errs = append(errs, fmt.Errorf("kernels: k = %d is more than the %d classes of shape %s", k, sh.C, sh))
		}
		// Measure holds the inputs (queries and keys, float32) and the top
		// k of each query (score and index) in host memory.
		in, err1 := limits.Product(int64(sh.N)+int64(sh.C), int64(sh.D))
		top, err2 := limits.Product(int64(sh.N), int64(max(k, 1)), 2)
		if err := errors.Join(err1, err2); err != nil {
			errs = append(errs, fmt.Errorf("kernels: shape %s: %w", sh, err))
		} else if err := limits.Alloc(fmt.Sprintf("kernels: shape %s (inputs and top-k, host memory)", sh), in+top, 4); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 && len(items) == 0 {
		errs = append(errs, fmt.Errorf("kernels: nothing to time: no implementation among %s computes in %s",
			strings.Join(names, ", "), JoinDTypes(dtypes)))
	}
	return items, skipped, errors.Join(errs...)
}

// JoinDTypes lists dtypes as "fp32, fp16".
func JoinDTypes(ds []DType) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = string(d)
	}
	return strings.Join(s, ", ")
}
