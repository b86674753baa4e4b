// Package imageproc holds CLIP image preprocessing: how an image file
// becomes the float32 NCHW tensor an image tower expects, with the same
// numbers as OpenAI's and open_clip's Python pipelines on Pillow.
//
// Data flow:
//
//  1. [Decode] / [DecodeFile]: JPEG (libjpeg-turbo through cgo, or the
//     pure-Go image/jpeg in builds without cgo or with -tags noturbojpeg),
//     PNG, GIF, BMP, TIFF, WebP, PGM/PPM bytes from a dataset reader become
//     an *[RGB] image, converted as Pillow's Image.convert("RGB") does.
//  2. [Config.Preprocess]: Pillow's resize (antialiased bicubic or
//     bilinear, 22-bit fixed-point weights, 8-bit rounding after each
//     pass), torchvision's center crop, /255 and per-channel mean/std, in
//     float32, into a CHW slice. [Config] is resolved by [Resolve], the
//     one precedence rule every backend and `evalclip preprocess` use:
//     explicit [Overrides] (the suite's keys, the command's flags) > the
//     model's file ([LoadModelPreprocess]: open_clip's preprocess_cfg.json
//     or Hugging Face's preprocessor_config.json) > the tower's static input
//     size > the backend's defaults ([Default], [TorchvisionImageNet]).
//     [ResizeMode] and [Interpolation] are typed and decode from text.
//  3. [Stream]: a bounded pool of workers runs 1 and 2 over a [Source] (a
//     dataset) and hands NCHW [Batch]es, in order, to the encoder.
//
// tools/fixtures/make_images.py writes the goldens (torchvision on
// Pillow) that the tests compare against; with libjpeg-turbo the outputs
// are identical.
package imageproc
