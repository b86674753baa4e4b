package probe

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// newRand is the seeded generator behind every random choice in the
// package (PCG, so a seed gives the same split on every platform).
func newRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
}

// byClass lists the sample indices of each class in increasing order.
func byClass(y []int32, numClasses int) [][]int {
	out := make([][]int, numClasses)
	for i, c := range y {
		out[c] = append(out[c], i)
	}
	return out
}

// StratifiedSplit carves a validation split from training labels y: from
// each class it draws round(fraction*count) samples at random (seeded),
// at least one and never the class's last sample, so every class stays in
// both parts when it has two samples or more (a class with a single sample
// stays in train). Both index lists are in increasing order. Labels must be
// in [0, numClasses) and 0 < fraction < 1.
func StratifiedSplit(y []int32, numClasses int, fraction float64, seed int64) (train, val []int, err error) {
	if !(fraction > 0 && fraction < 1) {
		return nil, nil, fmt.Errorf("%w: validation fraction %v: want 0 < fraction < 1", ErrBadInput, fraction)
	}
	rng := newRand(seed)
	inVal := make([]bool, len(y))
	for _, idx := range byClass(y, numClasses) {
		n := len(idx)
		if n < 2 {
			continue
		}
		nv := int(math.Round(fraction * float64(n)))
		nv = min(max(nv, 1), n-1)
		perm := rng.Perm(n)
		for _, j := range perm[:nv] {
			inVal[idx[j]] = true
		}
	}
	for i, v := range inVal {
		if v {
			val = append(val, i)
		} else {
			train = append(train, i)
		}
	}
	return train, val, nil
}

// FewShot draws the CLIP paper's k-shot training set from training labels
// y: k samples of every class (seeded), and valK more samples of every class
// from the rest for validation (the paper uses valK = min(k, 4)). Both index
// lists are in increasing order. It fails, naming the class, when a class
// has fewer than k+valK samples.
func FewShot(y []int32, numClasses, k, valK int, seed int64) (train, val []int, err error) {
	if k < 1 || valK < 0 {
		return nil, nil, fmt.Errorf("%w: few-shot k=%d, validation shots %d: want k >= 1 and validation shots >= 0", ErrBadInput, k, valK)
	}
	for c, idx := range byClass(y, numClasses) {
		if len(idx) < k+valK {
			return nil, nil, fmt.Errorf("%w: class %d has %d training samples; k=%d shots plus %d validation shots need %d",
				ErrBadInput, c, len(idx), k, valK, k+valK)
		}
	}
	rng := newRand(seed)
	role := make([]byte, len(y)) // 0 unused, 1 train, 2 val
	for _, idx := range byClass(y, numClasses) {
		perm := rng.Perm(len(idx))
		for j, p := range perm[:k+valK] {
			if j < k {
				role[idx[p]] = 1
			} else {
				role[idx[p]] = 2
			}
		}
	}
	for i, r := range role {
		switch r {
		case 1:
			train = append(train, i)
		case 2:
			val = append(val, i)
		}
	}
	return train, val, nil
}
