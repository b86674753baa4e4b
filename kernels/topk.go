package kernels

import "math"

// topK keeps the k best (score, index) pairs of one row as a binary
// min-heap rooted at the worst pair kept. Pairs rank by score, and equal
// scores by lower index; callers push a row's columns in increasing index
// order, so an equal score arriving later never displaces a kept one.
type topK struct {
	v  []float32
	ix []int32
	n  int
}

// reset points the heap at storage for k pairs and empties it.
func (t *topK) reset(v []float32, ix []int32) {
	t.v, t.ix, t.n = v, ix, 0
}

// worse reports whether pair a ranks below pair b.
func (t *topK) worse(a, b int) bool {
	return t.v[a] < t.v[b] || (t.v[a] == t.v[b] && t.ix[a] > t.ix[b])
}

func (t *topK) swap(a, b int) {
	t.v[a], t.v[b] = t.v[b], t.v[a]
	t.ix[a], t.ix[b] = t.ix[b], t.ix[a]
}

// add inserts a pair into a heap that is not full.
func (t *topK) add(v float32, j int32) {
	i := t.n
	t.v[i], t.ix[i] = v, j
	t.n++
	for i > 0 {
		parent := (i - 1) / 2
		if !t.worse(i, parent) {
			break
		}
		t.swap(i, parent)
		i = parent
	}
}

// replaceRoot overwrites the worst pair of a full heap and restores order.
func (t *topK) replaceRoot(v float32, j int32) {
	t.v[0], t.ix[0] = v, j
	i := 0
	for {
		l := 2*i + 1
		if l >= t.n {
			return
		}
		m := l
		if r := l + 1; r < t.n && t.worse(r, l) {
			m = r
		}
		if !t.worse(m, i) {
			return
		}
		t.swap(i, m)
		i = m
	}
}

// scan offers scores row[j] with indices base+j, in order.
func (t *topK) scan(row []float32, base int) {
	j := 0
	for ; j < len(row) && t.n < len(t.v); j++ {
		t.add(row[j], int32(base+j))
	}
	if j == len(row) {
		return
	}
	thr := t.v[0]
	for ; j < len(row); j++ {
		if x := row[j]; x > thr {
			t.replaceRoot(x, int32(base+j))
			thr = t.v[0]
		}
	}
}

// scanScaled is scan of row[j]*colScale[j]*rowScale. With store set it
// also writes the scaled values back into row (the logits).
func (t *topK) scanScaled(row, colScale []float32, rowScale float32, store bool, base int) {
	colScale = colScale[:len(row)]
	if store {
		for j, x := range row {
			row[j] = x * colScale[j] * rowScale
		}
		t.scan(row, base)
		return
	}
	thr := float32(math.Inf(-1))
	if t.n == len(t.v) {
		thr = t.v[0]
	}
	for j, x := range row {
		x *= colScale[j] * rowScale
		if t.n < len(t.v) {
			t.add(x, int32(base+j))
			if t.n == len(t.v) {
				thr = t.v[0]
			}
		} else if x > thr {
			t.replaceRoot(x, int32(base+j))
			thr = t.v[0]
		}
	}
}

// sortInto writes the kept pairs best first into v and ix, emptying the
// heap, and returns how many there were.
func (t *topK) sortInto(v []float32, ix []int32) int {
	n := t.n
	for t.n > 0 {
		last := t.n - 1
		v[last], ix[last] = t.v[0], t.ix[0]
		t.n--
		if t.n > 0 {
			rv, rj := t.v[last], t.ix[last]
			t.replaceRoot(rv, rj)
		}
	}
	return n
}
