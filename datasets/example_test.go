package datasets_test

import (
	"context"
	"fmt"

	"github.com/evalclip/evalclip/datasets"
	"github.com/evalclip/evalclip/encoders/imageproc"
)

// Open a split, draw a 4-shot training set with its validation set, and
// stream the evaluated images through CLIP preprocessing.
func Example() {
	test, err := datasets.Open("mnist", "../testdata/datasets/digits", "test")
	if err != nil {
		panic(err)
	}
	train, err := datasets.Open("mnist", "../testdata/datasets/digits", "train")
	if err != nil {
		panic(err)
	}
	if err := datasets.CheckNoOverlap(test, train); err != nil {
		panic(err)
	}
	fit, val, err := datasets.TrainValSplit(datasets.Labels(train), len(train.Classes()), 4, 0, 0)
	if err != nil {
		panic(err)
	}
	fmt.Println("classes:", train.Classes())
	fmt.Println("4-shot:", len(fit), "training,", len(val), "validation samples")

	c := imageproc.Default()
	images := 0
	skipped, err := imageproc.Stream(context.Background(), datasets.Limit(test, 100), c,
		imageproc.StreamOptions{BatchSize: 32, SkipBad: datasets.SkipsBad(test)},
		func(b imageproc.Batch) error {
			images += len(b.Indices) // b.Pixels holds len(b.Indices) x 3 x 224 x 224 values
			return nil
		})
	if err != nil {
		panic(err)
	}
	fmt.Println("preprocessed:", images, "skipped:", len(skipped))
	// Output:
	// classes: [0 1 2 3 4 5 6 7 8 9]
	// 4-shot: 40 training, 40 validation samples
	// preprocessed: 100 skipped: 0
}
