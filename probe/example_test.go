package probe_test

import (
	"context"
	"fmt"
	"log"

	"github.com/evalclip/evalclip/probe"
)

// Evaluate with a fixed C on the committed fixtures (sklearn scores 0.8327
// at C=10; see testdata/sklearn_reference.json).
func ExampleEvaluate() {
	train, err := probe.Load("testdata/train_features.npy", "testdata/train_labels.npy")
	if err != nil {
		log.Fatal(err)
	}
	test, err := probe.Load("testdata/test_features.npy", "testdata/test_labels.npy")
	if err != nil {
		log.Fatal(err)
	}
	res, err := probe.Evaluate(context.Background(), train, probe.Data{}, test, 10, probe.Options{C: 10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("C=%g acc1=%.3f top-5 per sample=%d\n", res.C, res.Acc1, len(res.Top5)/test.N)
	// Output: C=10 acc1=0.833 top-5 per sample=5
}

// A k-shot training set with min(k, 4) validation shots per class, as the
// CLIP paper's few-shot probes draw them.
func ExampleFewShot() {
	train, err := probe.Load("testdata/train_features.npy", "testdata/train_labels.npy")
	if err != nil {
		log.Fatal(err)
	}
	k := 8
	tr, va, err := probe.FewShot(train.Y, 10, k, min(k, 4), 0)
	if err != nil {
		log.Fatal(err)
	}
	shots, val := probe.Take(train, tr), probe.Take(train, va)
	fmt.Println(shots.N, val.N)
	// Output: 80 40
}
