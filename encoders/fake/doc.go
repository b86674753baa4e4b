// Package fake is an encoder backend with deterministic embeddings and no
// model files, registered as "fake".
//
// The image tower average-pools each preprocessed image to a 4x4 grid per
// channel and multiplies the 48 values by a fixed pseudo-random matrix; the
// text tower hashes each string into a pseudo-random vector. Equal inputs
// give equal embeddings across runs and machines, so suites, the runner and
// reports can be tested without ONNX Runtime. It measures nothing about real
// models.
package fake
