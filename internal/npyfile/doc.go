// Package npyfile streams float32 arrays into NumPy .npy files (format
// version 1.0, little-endian '<f4', C order) without holding the array in
// memory: the header is written from the shape up front, then the values as
// they are produced.
//
// Data comes from evalclip's producers (preprocessed image batches, image
// features) and goes to files NumPy (numpy.load) and npyio read. Writing
// through a reflection-based encoder costs about half a microsecond per
// value, which is why the header is formatted here; the files are checked
// against codeberg.org/sbinet/npyio's reader, which [ReadFloat32] wraps
// for golden files.
package npyfile
