// Package onnx is the ONNX Runtime encoder backend, registered as "onnx".
//
// Data flow: a model folder (or file) is inspected by [Detect], which finds
// one of the layouts users have —
//
//   - open_clip/immich split: visual/model.onnx (input "image", output
//     "embedding", often a static batch of 1) with visual/preprocess_cfg.json,
//     and textual/model.onnx (input "text", int32 [1,77]) with
//     textual/tokenizer.json;
//   - Hugging Face split: vision_model.onnx ("pixel_values" -> "image_embeds")
//     and text_model.onnx ("input_ids" int64, optional "attention_mask" ->
//     "text_embeds"), with tokenizer.json or vocab.json+merges.txt and
//     preprocessor_config.json;
//   - one combined model.onnx holding both towers;
//
// and reads input/output names, element types and shapes from the model
// files through ONNX Runtime (overridable from the suite). [Open] starts ONNX
// Runtime sessions on the requested execution provider (cpu, cuda,
// tensorrt). Image batches arrive preprocessed (NCHW float32) and leave as
// embeddings; a static batch-1 tower runs several requests concurrently, each
// on one thread, so that all cores stay busy. float16 towers get their inputs
// converted to IEEE half precision and their outputs, pre-allocated, converted
// back. Texts are tokenised with the model's own tokenizer, padded with the
// model's pad id (0 for OpenAI/open_clip exports, end-of-text for Hugging Face
// OpenAI exports) and given an attention mask when the tower takes one.
//
// Files: model.go opens a model (layout, library, provider check, towers),
// session.go the ONNX Runtime sessions and execution providers, image.go
// and text.go the towers, tensors.go the tensor conversions; the pure
// helpers (layout.go, tensorinfo.go for tensor choice and preprocessing,
// batching.go for request sizes) build without cgo and are tested there.
package onnx
