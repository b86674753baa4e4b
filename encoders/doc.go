// Package encoders defines the image and text towers evalclip evaluates and
// the registry of backends that open them.
//
// Data flow: a suite's [[models]] entry becomes a [Spec]; [Open] hands it to
// the registered [Backend] (onnx for ONNX Runtime, fake for tests), which
// returns a [Model]. Its [ImageEncoder] takes preprocessed NCHW float32
// batches (preprocessing described by [imageproc.Config]) and its
// [TextEncoder] takes raw strings, tokenising them itself, since the
// tokenizer belongs to the text tower. Both return unnormalised embeddings,
// row-major, one row per input; the image tower also says how it splits a
// call into requests (RequestSize), which records report as the batch
// actually sent. A backend resolves its preprocessing with
// imageproc.Resolve from [Spec.Overrides], the model's own file, the
// tower's input shape and its defaults. Backends may also check a runtime
// setting before any model opens ([RuntimeChecker]). Every backend passes
// the conformance suite in package encoders/encodertest.
package encoders
