// Package encoders defines the image and text towers evalclip evaluates and
// the registry of backends that open them.
//
// Data flow: a suite's [[models]] entry becomes a [Spec]; [Open] hands it to
// the registered [Backend] (onnx for ONNX Runtime, fake for tests), which
// returns a [Model]. Its [ImageEncoder] takes preprocessed NCHW float32
// batches (preprocessing described by [imageproc.Config]) and its
// [TextEncoder] takes raw strings, tokenising them itself, since the
// tokenizer belongs to the text tower. Both return unnormalised embeddings,
// row-major, one row per input.
package encoders
