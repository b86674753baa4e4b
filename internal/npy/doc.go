// Package npy reads and writes NumPy .npy files of any shape for the arrays
// evalclip exchanges with Python tools: float32 features and pixels, integer
// labels and token ids.
//
// Headers are parsed here (versions 1.0 to 3.0, keys in any order, the
// header length and the declared shape checked against the file's size
// and internal/limits before anything is allocated); the data is decoded
// here too, so that float16/float32/float64 and every integer width, either byte
// order, and C or (up to two dimensions) Fortran order all read. Writing
// emits the version 1.0 header directly (64-byte aligned, as NumPy does):
// [Writer] streams arrays too large to hold in memory, and [WriteFloat32] /
// [WriteInt64] write whole arrays atomically through internal/atomicfile.
package npy
