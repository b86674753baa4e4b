// Package pull fetches what evalclip evaluates from the Hugging Face Hub
// into huggingface_hub's cache, choosing the files by what reads them:
//
//   - [Model]: the files a model folder needs (encoders/onnx.HubFiles
//     picks the towers, tokenizer, preprocessing and config files of the
//     repository's layout), then the files the towers keep their weights
//     in (onnx.ExternalData), so that a ViT-H export with external data
//     arrives whole while the fp16/, ARM NN and RKNN variants beside it do
//     not.
//   - [WDS]: a CLIP_benchmark webdataset repository: classnames.txt and
//     zeroshot_classification_templates.txt (labelled) or dataset_type.txt
//     (retrieval), and, per split,
//     {split}/nshards.txt and the shards it announces, {split}/0.tar ..
//     {split}/{n-1}.tar.
//
// Both return the snapshot folder to read and the [reports.Source] that
// goes into each record (repository, revision, commit; the open_clip name
// and pretrained tag of an immich-style model repository).
package pull
