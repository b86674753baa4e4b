//go:build !cgo

package onnxrt

// Probe always fails without cgo.
func Probe(path string) (Library, error) { return Library{}, ErrNoCgo }

// Init always fails without cgo.
func Init(lib Library) error { return ErrNoCgo }

// Ensure always fails without cgo.
func Ensure(configured, provider string) (Library, error) { return Library{}, ErrNoCgo }

// Loaded reports no library without cgo.
func Loaded() (Library, bool) { return Library{}, false }

// Shutdown is a no-op without cgo.
func Shutdown() error { return nil }

// Inspect always fails without cgo.
func Inspect(path string) (inputs, outputs []TensorInfo, err error) { return nil, nil, ErrNoCgo }

// loadable cannot check anything without cgo.
func loadable(path string) error { return nil }
