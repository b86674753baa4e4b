package kernels

// topK keeps the k best (score, index) pairs of one row: for k up to
// smallK as an array sorted best first (an insertion moves a few pairs), for
// larger k as a binary min-heap rooted at the worst pair kept. Pairs rank by
// score, and equal scores by lower index; callers offer a row's columns in
// increasing index order, so an equal score arriving later never displaces
// a kept one.
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

// smallK is the largest k kept as a sorted array rather than a heap.
const smallK = 16

// scan offers scores row[j] with indices base+j, in order.
func (t *topK) scan(row []float32, base int) {
	if len(t.v) <= smallK {
		t.scanSorted(row, base)
		return
	}
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

// scanSorted is scan for k <= smallK.
func (t *topK) scanSorted(row []float32, base int) {
	k := len(t.v)
	j := 0
	for ; j < len(row) && t.n < k; j++ {
		t.insertSorted(row[j], int32(base+j))
	}
	if j == len(row) {
		return
	}
	thr := t.v[k-1]
	for ; j < len(row); j++ {
		if x := row[j]; x > thr {
			t.insertSorted(x, int32(base+j))
			thr = t.v[k-1]
		}
	}
}

// insertSorted puts a pair into the sorted array after any equal scores,
// dropping the worst pair when the array is full (the caller has checked
// that x beats it).
func (t *topK) insertSorted(x float32, j int32) {
	i := t.n
	if i == len(t.v) {
		i--
	} else {
		t.n++
	}
	for i > 0 && t.v[i-1] < x {
		t.v[i], t.ix[i] = t.v[i-1], t.ix[i-1]
		i--
	}
	t.v[i], t.ix[i] = x, j
}

// sortInto writes the kept pairs best first into v and ix, emptying the
// heap, and returns how many there were.
func (t *topK) sortInto(v []float32, ix []int32) int {
	n := t.n
	if len(t.v) <= smallK {
		copy(v, t.v[:n])
		copy(ix, t.ix[:n])
		t.n = 0
		return n
	}
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
