//go:build !(cuda || cudaemu) || !cgo

package kernels

// Without -tags cuda (and cgo) the CUDA implementations are registered as
// unavailable: Lookup explains how to get them.
func init() {
	for _, k := range cudaKinds {
		Register(Impl{Name: k.name, Summary: k.summary, Device: DeviceCUDA, DTypes: k.dtypes, MaxK: CUDAMaxK, Unavailable: ErrCUDANotBuilt})
	}
}

func toDevice([]float32) (*DeviceBuffer, error) { return nil, ErrCUDANotBuilt }

func freeDevice(*DeviceBuffer) error { return ErrCUDANotBuilt }
