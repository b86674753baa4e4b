package cuda

import "embed"

// Source is the CUDA C of the kernels.
//
//go:embed *.cu *.cuh
var Source embed.FS
