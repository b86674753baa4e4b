// Package half converts between float32 and IEEE 754 binary16 (float16),
// for float16 ONNX towers and float16 .npy files.
package half
