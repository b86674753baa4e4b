// Package imageproc holds CLIP image preprocessing: how a decoded image
// becomes the float32 NCHW tensor an image tower expects.
//
// [Config] describes one model's preprocessing (input size, resize mode,
// filter, per-channel mean and std). Encoders report their Config; the data
// pipeline applies it before batches reach the encoder.
package imageproc
