package main

// The encoder backends and task implementations this binary carries; each
// registers itself with the encoders or suites registry.
import (
	_ "github.com/evalclip/evalclip/encoders/fake" // deterministic embeddings, for tests and dry runs
	_ "github.com/evalclip/evalclip/encoders/onnx" // ONNX Runtime image and text towers
	_ "github.com/evalclip/evalclip/suites/tasks"  // the task kinds: zero-shot, linear probe, kernels
)
