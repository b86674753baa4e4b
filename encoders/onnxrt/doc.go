// Package onnxrt owns the process-wide ONNX Runtime environment.
//
// ONNX Runtime is a shared library (libonnxruntime.so) loaded at run time by
// github.com/yalue/onnxruntime_go, which speaks C API 24 and so needs
// ONNX Runtime 1.24 or newer. This package:
//
//  1. finds the library ([Find]) in a fixed order: the suite's
//     `[runtime] onnxruntime` key, the EVALCLIP_ORT_LIB environment variable,
//     the project's cache folder (.cache/onnxruntime/<version>/, filled by
//     `make ort` from the npm package onnxruntime-node), then the system
//     loader path (libonnxruntime.so.1, libonnxruntime.so); for a GPU
//     provider ([FindFor]) a cached folder holding that provider's library
//     comes first (.cache/onnxruntime/1.29.0-cuda, filled by `make ort-gpu`);
//  2. probes a candidate ([Probe]) with dlopen before handing it to
//     onnxruntime_go, so that a missing file, a foreign .so or a too-old
//     release is a clear error that says how to get a good one;
//  3. checks that an execution provider can run ([CheckProvider]): the build
//     lists it, its library and libonnxruntime_providers_shared.so sit beside
//     the core library, and the provider library loads with its CUDA/cuDNN
//     dependencies;
//  4. initialises the environment once per process ([Init]), which every
//     encoder session then shares, and tears it down at exit ([Shutdown]).
//
// Builds without cgo get twins of the cgo functions that return
// [ErrNoCgo].
package onnxrt
