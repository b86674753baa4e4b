// Package tasks holds the built-in task kinds, one file each, and
// registers them with package suites: "zeroshot" (zeroshot.go),
// "linear_probe" (linprobe.go) and "kernels" (kernels.go). Each kind's
// options struct is decoded from its [[tasks]] tables, validates, plans
// and runs them; `evalclip probe` and `evalclip kernels` fill the same
// structs from their flags and print the same records.
//
// Data flow for one zero-shot or linear-probe job:
//
//  1. The model is opened once per run through the encoder registry and
//     shared via suites.Env.Resource.
//  2. [ImageFeatures] reads the dataset split (package datasets), decodes and
//     preprocesses images in parallel (imageproc.Stream) to the model's
//     input, and runs the image tower, or loads the features from the cache:
//     .npy files under the cache folder keyed by a hash of the model
//     fingerprint, the dataset identity, the split, the sample limit and the
//     preprocessing. Records note the batch actually sent to the tower.
//  3. Zero-shot: the prompt set (package prompts) is rendered and embedded by
//     the text tower, ensembled into class weights (cached per model and
//     prompt set), and images are scored with kernels' CPU path:
//     logits = 100 * normalize(image) . weights, top-5 kept.
//     Linear probe: k-shot and validation draws (package datasets), then
//     package probe's CLIP-paper sweep.
//  4. Metrics (acc1, acc5, mean per-class recall, per-class recall, the
//     confusion matrix and per-sample correctness) become one reports.Record.
//     The confusion matrix is counted sparsely and stored dense up to
//     reports.MaxDenseConfusion classes, as triples above.
//
// A kernels job times every implementation x shape x dtype of its task
// (kernels.Plan, kernels.Measure against the float64 reference, the
// device's peaks) and returns one "kernel" record per measurement.
//
// [Preflight] checks what a run needs from the process (the execution
// provider's libraries) before any job starts.
package tasks
