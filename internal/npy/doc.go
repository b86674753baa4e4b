// Package npy reads and writes NumPy .npy files of any shape for the element
// types evalclip exchanges with Python tools: float32 features and pixels,
// int64/int32 labels and token ids.
//
// Reading goes through codeberg.org/sbinet/npyio; writing emits the version
// 1.0 header directly (npyio writes only one- and two-dimensional float64
// matrices with a shape) and always goes through internal/atomicfile, so a
// reader never sees half a file.
package npy
