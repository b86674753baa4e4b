//go:build cgo

package onnxrt

import (
	"fmt"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

var (
	envMu  sync.Mutex
	envLib *Library
)

// Init makes lib the process's ONNX Runtime and creates the shared
// environment. Calling it again with the same library is a no-op; asking for
// a different library once one is loaded is an error, because a process can
// hold only one.
func Init(lib Library) error {
	envMu.Lock()
	defer envMu.Unlock()
	if envLib != nil {
		if envLib.Path == lib.Path {
			return nil
		}
		return fmt.Errorf("ONNX Runtime %s is already loaded from %s; cannot switch to %s in the same process",
			envLib.Version, envLib.Path, lib.Path)
	}
	ort.SetSharedLibraryPath(lib.Path)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("initialise ONNX Runtime %s from %s: %w", lib.Version, lib.Path, err)
	}
	l := lib
	envLib = &l
	return nil
}

// Ensure finds the library for provider (see [FindFor]) and initialises the
// environment with it, returning the library in use. configured is the
// suite's `[runtime] onnxruntime`, or "". When an environment already
// exists and configured is empty, the loaded library is returned as is.
func Ensure(configured, provider string) (Library, error) {
	if lib, ok := Loaded(); ok && configured == "" {
		return lib, nil
	}
	lib, err := FindFor(configured, provider)
	if err != nil {
		return Library{}, err
	}
	if err := Init(lib); err != nil {
		return Library{}, err
	}
	return lib, nil
}

// Loaded returns the library of the live environment, if any.
func Loaded() (Library, bool) {
	envMu.Lock()
	defer envMu.Unlock()
	if envLib == nil {
		return Library{}, false
	}
	return *envLib, true
}

// Shutdown destroys the environment. Sessions must be closed first. It is a
// no-op when no environment exists.
func Shutdown() error {
	envMu.Lock()
	defer envMu.Unlock()
	if envLib == nil {
		return nil
	}
	envLib = nil
	if err := ort.DestroyEnvironment(); err != nil {
		return fmt.Errorf("shut down ONNX Runtime: %w", err)
	}
	return nil
}

// Inspect opens path in a temporary session and returns its inputs and
// outputs. The environment must be initialised.
func Inspect(path string) (inputs, outputs []TensorInfo, err error) {
	if _, ok := Loaded(); !ok {
		return nil, nil, fmt.Errorf("inspect %s: ONNX Runtime is not initialised", path)
	}
	in, out, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open ONNX model %s: %w", path, err)
	}
	return convertInfo(in), convertInfo(out), nil
}

func convertInfo(infos []ort.InputOutputInfo) []TensorInfo {
	out := make([]TensorInfo, len(infos))
	for i, info := range infos {
		out[i] = TensorInfo{Name: info.Name, DType: dtypeName(info.DataType), Shape: append([]int64(nil), info.Dimensions...)}
	}
	return out
}

func dtypeName(t ort.TensorElementDataType) string {
	switch t {
	case ort.TensorElementDataTypeFloat:
		return "float"
	case ort.TensorElementDataTypeFloat16:
		return "float16"
	case ort.TensorElementDataTypeBFloat16:
		return "bfloat16"
	case ort.TensorElementDataTypeDouble:
		return "double"
	case ort.TensorElementDataTypeInt32:
		return "int32"
	case ort.TensorElementDataTypeInt64:
		return "int64"
	case ort.TensorElementDataTypeUint8:
		return "uint8"
	case ort.TensorElementDataTypeInt8:
		return "int8"
	case ort.TensorElementDataTypeBool:
		return "bool"
	case ort.TensorElementDataTypeString:
		return "string"
	default:
		return t.String()
	}
}
