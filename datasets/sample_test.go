package datasets

import (
	"errors"
	"reflect"
	"sort"
	"testing"
)

// labels10 has class c at indices with i%10 == c; class 9 has only 3.
func labels10() []int {
	var l []int
	for i := 0; i < 200; i++ {
		if i%10 == 9 && i > 30 {
			continue
		}
		l = append(l, i%10)
	}
	return l
}

func TestKShot(t *testing.T) {
	labels := labels10()
	a, err := KShot(labels, 10, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := KShot(labels, 10, 3, 7)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different draw")
	}
	c, _ := KShot(labels, 10, 3, 8)
	if reflect.DeepEqual(a, c) {
		t.Error("different seeds, same draw")
	}
	if !sort.IntsAreSorted(a) || len(a) != 30 {
		t.Errorf("draw %v", a)
	}
	count := map[int]int{}
	seen := map[int]bool{}
	for _, i := range a {
		if seen[i] {
			t.Fatalf("index %d drawn twice", i)
		}
		seen[i] = true
		count[labels[i]]++
	}
	for cl := 0; cl < 10; cl++ {
		if count[cl] != 3 {
			t.Errorf("class %d: %d samples", cl, count[cl])
		}
	}
	// Golden draw: fixed forever (results must not change between releases).
	if got := a[:6]; !reflect.DeepEqual(got, goldenKShot) {
		t.Errorf("draw starts %v, want %v", got, goldenKShot)
	}
	_, err = KShot(labels, 10, 4, 0)
	var short *ShortClassError
	if !errors.As(err, &short) || short.Class != 9 || short.Have != 3 || short.Need != 4 {
		t.Errorf("error %v, want class 9 with 3 < 4", err)
	}
	all, _ := KShot(labels, 10, 0, 0)
	if len(all) != len(labels) {
		t.Errorf("k=0: %d", len(all))
	}
	if _, err := KShot([]int{0, 11}, 10, 1, 0); err == nil {
		t.Error("label 11 of 10 classes accepted")
	}
}

// goldenKShot was produced by this implementation when it was written; it
// pins the generator and the draw order.
var goldenKShot = []int{5, 9, 19, 29, 39, 40}

func TestTrainValSplitFewShot(t *testing.T) {
	labels := labels10()
	for _, k := range []int{1, 2, 3, 8} {
		train, val, err := TrainValSplit(labels, 10, k, 0, 3)
		if k > 3 {
			if err == nil {
				t.Errorf("k=%d: class 9 has 3 samples, no error", k)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		want, _ := KShot(labels, 10, k, 3)
		if !reflect.DeepEqual(train, want) {
			t.Errorf("k=%d: train is not the k-shot draw", k)
		}
		in := map[int]bool{}
		for _, i := range train {
			in[i] = true
		}
		per := map[int]int{}
		for _, i := range val {
			if in[i] {
				t.Fatalf("k=%d: validation sample %d is also a training sample", k, i)
			}
			per[labels[i]]++
		}
		for c := 0; c < 9; c++ {
			if per[c] != min(k, 4) {
				t.Errorf("k=%d: class %d has %d validation samples, want %d", k, c, per[c], min(k, 4))
			}
		}
		if per[9] != min(k, 4, 3-k) {
			t.Errorf("k=%d: class 9 has %d validation samples, want what is left", k, per[9])
		}
	}
}

func TestTrainValSplitFull(t *testing.T) {
	labels := labels10()
	train, val, err := TrainValSplit(labels, 10, 0, 0.2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(train)+len(val) != len(labels) {
		t.Fatalf("%d + %d != %d", len(train), len(val), len(labels))
	}
	both := append(append([]int(nil), train...), val...)
	sort.Ints(both)
	for i, v := range both {
		if v != i {
			t.Fatalf("train and val overlap or miss index %d", i)
		}
	}
	per := map[int]int{}
	for _, i := range val {
		per[labels[i]]++
	}
	if per[0] != 4 || per[9] != 1 {
		t.Errorf("per-class validation counts %v", per)
	}
	for _, f := range []float64{0, 1, -0.5} {
		if _, _, err := TrainValSplit(labels, 10, 0, f, 1); err == nil {
			t.Errorf("fraction %v accepted", f)
		}
	}
}

func TestSubsetAndLimit(t *testing.T) {
	d := open(t, "mnist", fixtures+"/digits", "test")
	l := Limit(d, 5)
	if l.Len() != 5 || l.Label(4) != d.Label(4) || l.Identity() == d.Identity() {
		t.Errorf("limit: %d", l.Len())
	}
	if Limit(d, 0) != d {
		t.Error("limit 0 should be the dataset itself")
	}
	if _, err := Subset(d, []int{d.Len()}); err == nil {
		t.Error("out-of-range subset accepted")
	}
	a, _ := Subset(d, []int{1, 2})
	b, _ := Subset(d, []int{2, 1})
	if a.Identity() == b.Identity() {
		t.Error("subsets in different orders share an identity")
	}
}
