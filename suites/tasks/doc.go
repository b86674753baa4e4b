// Package tasks implements the suite tasks that evaluate models on datasets,
// and registers them with package suites: "zeroshot" here, "linear_probe"
// in probe.go.
//
// Data flow for one job:
//
//  1. The model is opened once per run through the encoder registry and
//     shared via suites.Env.Resource.
//  2. [ImageFeatures] reads the dataset split (package datasets), decodes and
//     preprocesses images in parallel (imageproc.Stream) to the model's
//     input, and runs the image tower, or loads the features from the cache:
//     .npy files under the cache folder keyed by a hash of the model
//     fingerprint, the dataset identity, the split, the sample limit and the
//     preprocessing.
//  3. Zero-shot: the prompt set (package prompts) is rendered and embedded by
//     the text tower, ensembled into class weights (cached per model and
//     prompt set), and images are scored with kernels' CPU path:
//     logits = 100 * normalize(image) . weights, top-5 kept.
//  4. Metrics (acc1, acc5, mean per-class recall, per-class recall, the
//     confusion matrix and per-sample correctness) become one reports.Record.
//     The confusion matrix is counted sparsely and stored dense up to
//     reports.MaxDenseConfusion classes, as triples above.
package tasks
