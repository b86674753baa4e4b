//go:build cuda && !cudaemu && cgo

package cudrv

import "gorgonia.org/cu"

// Emulated reports whether this build runs kernels on the host emulator.
const Emulated = false

// Driver types, as in gorgonia.org/cu.
type (
	DevicePtr         = cu.DevicePtr
	Device            = cu.Device
	DeviceAttribute   = cu.DeviceAttribute
	CUContext         = cu.CUContext
	Stream            = cu.Stream
	StreamFlags       = cu.StreamFlags
	Event             = cu.Event
	EventFlags        = cu.EventFlags
	Module            = cu.Module
	Function          = cu.Function
	FunctionAttribute = cu.FunctionAttribute
	JITOption         = cu.JITOption
	JITErrorLogBuffer = cu.JITErrorLogBuffer
)

// Constants the launcher uses.
const (
	MultiprocessorCount = cu.MultiprocessorCount
	NonBlocking         = cu.NonBlocking
	DefaultEvent        = cu.DefaultEvent
	NumRegs             = cu.NumRegs
	LocalSizeBytes      = cu.LocalSizeBytes
)

// Driver calls, as in gorgonia.org/cu.
var (
	NumDevices        = cu.NumDevices
	GetDevice         = cu.GetDevice
	SetCurrentContext = cu.SetCurrentContext
	MakeStream        = cu.MakeStream
	LoadDataEx        = cu.LoadDataEx
	MemAlloc          = cu.MemAlloc
	MemFree           = cu.MemFree
	MemcpyHtoD        = cu.MemcpyHtoD
	MemcpyDtoH        = cu.MemcpyDtoH
	MemsetD32Async    = cu.MemsetD32Async
	MakeEvent         = cu.MakeEvent
	DestroyEvent      = cu.DestroyEvent
)
