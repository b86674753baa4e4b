package probe

import (
	"fmt"
	"math"

	"github.com/evalclip/evalclip/internal/npy"
)

// ReadFeatures reads a 2-D (samples x features) .npy file of float32
// (float16 and float64 are converted to float32), C or Fortran order.
func ReadFeatures(path string) (x []float32, n, d int, err error) {
	info, err := npy.Stat(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if info.Kind != 'f' {
		return nil, 0, 0, fmt.Errorf("%w: %s: features must be float32 (or float16/float64), got dtype %s", ErrBadInput, path, info.DType)
	}
	if len(info.Shape) != 2 {
		return nil, 0, 0, fmt.Errorf("%w: %s: features must be a 2-D array (samples, features), got shape %v", ErrBadInput, path, info.Shape)
	}
	x, shape, err := npy.ReadFloat32(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return x, shape[0], shape[1], nil
}

// ReadLabels reads a 1-D (or samples x 1) .npy file of integer class ids:
// int64 or int32 (any integer dtype is accepted); values must fit int32.
func ReadLabels(path string) ([]int32, error) {
	info, err := npy.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	if shape := info.Shape; !(len(shape) == 1 || (len(shape) == 2 && shape[1] == 1)) {
		return nil, fmt.Errorf("%w: %s: labels must be a 1-D array (samples,), got shape %v", ErrBadInput, path, shape)
	}
	if info.Kind != 'i' && info.Kind != 'u' {
		return nil, fmt.Errorf("%w: %s: labels must be integers (int64 or int32), got dtype %s", ErrBadInput, path, info.DType)
	}
	v, _, err := npy.ReadInt64(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	y := make([]int32, len(v))
	for i, x := range v {
		if x > math.MaxInt32 || x < math.MinInt32 {
			return nil, fmt.Errorf("%w: %s: sample %d: label %d does not fit int32", ErrBadInput, path, i, x)
		}
		y[i] = int32(x)
	}
	return y, nil
}

// Load reads a features file and its labels file into a Data, checking that
// they have the same number of samples.
func Load(featuresPath, labelsPath string) (Data, error) {
	x, n, d, err := ReadFeatures(featuresPath)
	if err != nil {
		return Data{}, err
	}
	y, err := ReadLabels(labelsPath)
	if err != nil {
		return Data{}, err
	}
	if len(y) != n {
		return Data{}, fmt.Errorf("%w: %s has %d samples but %s has %d labels", ErrBadInput, featuresPath, n, labelsPath, len(y))
	}
	return Data{X: x, N: n, D: d, Y: y}, nil
}

// WriteFeatures writes x (n x d, row-major) as a little-endian float32
// .npy file, atomically.
func WriteFeatures(path string, x []float32, n, d int) error {
	if len(x) != n*d {
		return fmt.Errorf("probe: WriteFeatures %s: %d values for %d x %d", path, len(x), n, d)
	}
	return npy.WriteFloat32(path, x, n, d)
}

// WriteLabels writes y as an int64 .npy file, atomically.
func WriteLabels(path string, y []int32) error {
	y64 := make([]int64, len(y))
	for i, v := range y {
		y64[i] = int64(v)
	}
	return npy.WriteInt64(path, y64)
}
