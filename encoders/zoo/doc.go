// Package zoo knows the open_clip models people pick from: every
// model/pretrained pair of open_clip's published results (size, average
// over its 38 datasets, ImageNet zero-shot) and the Hugging Face Hub
// repositories that hold ready ONNX exports of them in the open_clip/immich
// layout (immich-app/<model>__<pretrained>, listed in immich.txt).
//
// `evalclip models` prints [All]; a suite's `hub` model is named by
// [FromRepo] in its records (open_clip name and pretrained tag).
package zoo
