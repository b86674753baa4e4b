package datasets

import (
	"fmt"
	"math"
	"math/bits"
	"sort"
)

// ShortClassError is KShot's error when a class has fewer than k samples.
type ShortClassError struct {
	Class int // 0-based label
	Have  int
	Need  int
}

func (e *ShortClassError) Error() string {
	return fmt.Sprintf("k-shot: class %d has %d samples, fewer than k=%d", e.Class, e.Have, e.Need)
}

// rng is a 128-bit PCG generator with XSL-RR output, written out here so
// that draws never depend on the Go release or its math/rand packages.
type rng struct{ hi, lo uint64 }

func newRNG(seed int64, stream uint64) *rng {
	r := &rng{hi: uint64(seed), lo: stream ^ 0x9e3779b97f4a7c15}
	r.next()
	return r
}

func (r *rng) next() uint64 {
	const (
		mulHi = 2549297995355413924
		mulLo = 4865540595714422341
		incHi = 6364136223846793005
		incLo = 1442695040888963407
	)
	hi, lo := bits.Mul64(r.lo, mulLo)
	hi += r.hi*mulLo + r.lo*mulHi
	lo, c := bits.Add64(lo, incLo, 0)
	hi, _ = bits.Add64(hi, incHi, c)
	r.lo, r.hi = lo, hi
	return bits.RotateLeft64(hi^lo, -int(hi>>58))
}

// intn returns a uniform integer in [0, n) (Lemire's method).
func (r *rng) intn(n int) int {
	un := uint64(n)
	hi, lo := bits.Mul64(r.next(), un)
	if lo < un {
		thresh := -un % un
		for lo < thresh {
			hi, lo = bits.Mul64(r.next(), un)
		}
	}
	return int(hi)
}

// pick draws k distinct elements of pool (partial Fisher-Yates on a copy).
func (r *rng) pick(pool []int, k int) []int {
	p := append([]int(nil), pool...)
	for i := 0; i < k; i++ {
		j := i + r.intn(len(p)-i)
		p[i], p[j] = p[j], p[i]
	}
	return p[:k]
}

// byClass groups sample indices by label, in index order.
func byClass(labels []int, numClasses int) ([][]int, error) {
	groups := make([][]int, numClasses)
	for i, l := range labels {
		if l < 0 || l >= numClasses {
			return nil, fmt.Errorf("sample %d: label %d out of range 0..%d", i, l, numClasses-1)
		}
		groups[l] = append(groups[l], i)
	}
	return groups, nil
}

// KShot draws k samples of every class from labels (0-based, < numClasses)
// and returns their indices in ascending order. The draw depends only on
// labels, k and seed; a larger k with the same seed need not contain a
// smaller one's draw. k = 0 returns every index. A class with fewer than k
// samples is a *ShortClassError.
func KShot(labels []int, numClasses, k int, seed int64) ([]int, error) {
	if k < 0 {
		return nil, fmt.Errorf("k-shot: k must be >= 0, got %d", k)
	}
	groups, err := byClass(labels, numClasses)
	if err != nil {
		return nil, fmt.Errorf("k-shot: %w", err)
	}
	if k == 0 {
		out := make([]int, len(labels))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	r := newRNG(seed, 1)
	out := make([]int, 0, k*numClasses)
	for c, g := range groups {
		if len(g) < k {
			return nil, &ShortClassError{Class: c, Have: len(g), Need: k}
		}
		out = append(out, r.pick(g, k)...)
	}
	sort.Ints(out)
	return out, nil
}

// TrainValSplit splits a training split into the samples a linear probe
// fits on and a stratified validation set for choosing its regularisation.
// Both come from the training split only, so the evaluated split is never
// touched (use CheckNoOverlap for the splits themselves).
//
// With k > 0 (few-shot), train is KShot(labels, numClasses, k, seed) and
// val takes min(k, 4) samples per class from the samples train did not
// take (fewer when a class has no more). With k = 0, val takes
// round(valFraction * n_c) samples of each class c (at least 1 when the
// class has 2 or more samples) and train keeps the rest; valFraction must
// be in (0, 1). Both results are sorted and disjoint.
func TrainValSplit(labels []int, numClasses, k int, valFraction float64, seed int64) (train, val []int, err error) {
	groups, err := byClass(labels, numClasses)
	if err != nil {
		return nil, nil, fmt.Errorf("validation split: %w", err)
	}
	r := newRNG(seed, 2)
	if k > 0 {
		train, err = KShot(labels, numClasses, k, seed)
		if err != nil {
			return nil, nil, err
		}
		taken := make(map[int]bool, len(train))
		for _, i := range train {
			taken[i] = true
		}
		per := min(k, 4)
		for _, g := range groups {
			var rest []int
			for _, i := range g {
				if !taken[i] {
					rest = append(rest, i)
				}
			}
			val = append(val, r.pick(rest, min(per, len(rest)))...)
		}
		sort.Ints(val)
		if len(val) == 0 {
			return nil, nil, fmt.Errorf("validation split: no training samples left for validation after the %d-shot draw", k)
		}
		return train, val, nil
	}
	if !(valFraction > 0 && valFraction < 1) {
		return nil, nil, fmt.Errorf("validation split: fraction must be in (0, 1), got %v", valFraction)
	}
	for _, g := range groups {
		nv := int(math.Round(valFraction * float64(len(g))))
		if nv == 0 && len(g) >= 2 {
			nv = 1
		}
		if nv >= len(g) {
			nv = len(g) - 1
		}
		if nv <= 0 {
			train = append(train, g...)
			continue
		}
		chosen := r.pick(g, nv)
		in := make(map[int]bool, nv)
		for _, i := range chosen {
			in[i] = true
		}
		val = append(val, chosen...)
		for _, i := range g {
			if !in[i] {
				train = append(train, i)
			}
		}
	}
	sort.Ints(train)
	sort.Ints(val)
	if len(val) == 0 {
		return nil, nil, fmt.Errorf("validation split: no class has 2 or more samples")
	}
	return train, val, nil
}
