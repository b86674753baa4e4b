// Package datasets reads labelled image collections in the layouts users
// already have on disk and serves them as a [Dataset]: length, 0-based
// labels, class names in label order, decoded images, and an identity that
// changes when the data changes (the feature-cache key).
//
// Data comes from a dataset root folder (or file) named in a suite's
// [[datasets]] table, and goes to the evaluation tasks: images through
// encoders/imageproc's Stream, labels to the metrics and the linear probe,
// class names to the prompts. [Open] picks the reader by format:
//
//	imagenet     ImageNet-1k: class-per-folder (val/n01440764/*.JPEG), or the flat
//	             ILSVRC2012_img_val/ folder labelled by LOC_val_solution.csv or the
//	             devkit's ILSVRC2012_validation_ground_truth.txt (+ meta.mat, or
//	             imagenet_2012_validation_synset_labels.txt); classes: sorted wnids
//	pets         Oxford-IIIT Pets: images/*.jpg + annotations/{trainval,test}.txt
//	             (and list.txt for split "all"); classes: breeds in class-id order
//	mnist        MNIST-style IDX files ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]),
//	             also Fashion-MNIST and EMNIST (emnist-<set>-{train,test}-...)
//	svhn         SVHN cropped digits: {train,test,extra}_32x32.mat (MATLAB v5)
//	imagefolder  <root>/<split>/<class>/*.jpg (or <root>/<class>/... without splits)
//	csv          <root>/<split>.csv manifests (path,label), or one CSV file
//	wds          CLIP_benchmark webdataset shards: <root>/<split>/*.tar,
//	             classnames.txt, zeroshot_classification_templates.txt
//
// Bad samples. A file referenced by an annotation file or manifest that does
// not exist, a malformed annotation line, or a damaged IDX/.mat file fails
// Open: the dataset would not be the one the user meant. An image file that
// exists but cannot be decoded (truncated, corrupt) is a per-sample failure:
// the file-backed formats (imagenet, pets, imagefolder, csv, wds) report
// [SkipsBad] true, and runners then leave such samples out, count them and
// list them in the results (imageproc.StreamOptions.SkipBad). mnist and svhn
// hold every image in memory after a successful Open and cannot fail per
// sample.
//
// Datasets that keep files open (wds) implement io.Closer; callers that are
// done with a dataset should close it when it does.
//
// Sampling: [KShot] draws k training samples per class with a seed;
// [TrainValSplit] carves a stratified validation set from the training split
// (never from the evaluated split), and for few-shot runs draws it from the
// training samples the k-shot draw did not take.
package datasets
