package limits

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"strconv"
)

// EnvMaxAlloc overrides [MaxAllocBytes] (a byte count, e.g. 34359738368).
const EnvMaxAlloc = "EVALCLIP_MAX_ALLOC"

// DefaultMaxAllocBytes caps the largest single array a reader allocates
// from declared sizes: 16 GiB (ImageNet-1k's training features, 1.28M x
// 768 float32, are 3.9 GB), or half the machine's memory when that is less.
const DefaultMaxAllocBytes = 16 << 30

// MaxImagePixels is the largest image decoded: Pillow's decompression-bomb
// error threshold (twice Image.MAX_IMAGE_PIXELS).
const MaxImagePixels = 178956970

// MaxImageFileBytes is the largest image file read (one image; a whole
// photo at 100 megapixels is well under it).
const MaxImageFileBytes = 1 << 30

// ErrTooLarge is wrapped by every error of this package about a size.
var ErrTooLarge = errors.New("too large")

// MaxAllocBytes returns the allocation limit: EVALCLIP_MAX_ALLOC when set
// (an invalid value is an error), else the default. It is read at every
// check, so that a test may lower it.
func MaxAllocBytes() (int64, error) {
	limit := int64(DefaultMaxAllocBytes)
	if ram := physicalMemory(); ram > 0 && ram/2 < limit {
		limit = ram / 2
	}
	if v := os.Getenv(EnvMaxAlloc); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("%s=%q: want a positive byte count", EnvMaxAlloc, v)
		}
		limit = n
	}
	return limit, nil
}

// Product multiplies non-negative sizes, failing on a negative size or an
// int64 overflow.
func Product(sizes ...int64) (int64, error) {
	p := uint64(1)
	for _, s := range sizes {
		if s < 0 {
			return 0, fmt.Errorf("negative size %d in %v", s, sizes)
		}
		hi, lo := bits.Mul64(p, uint64(s))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, fmt.Errorf("sizes %v overflow: %w", sizes, ErrTooLarge)
		}
		p = lo
	}
	return int64(p), nil
}

// Alloc checks that n elements of elemBytes each may be allocated: the
// product does not overflow and stays under [MaxAllocBytes]. what names
// the array in the error ("train_x.npy: shape [60000 784]").
func Alloc(what string, n int64, elemBytes int) error {
	total, err := Product(n, int64(elemBytes))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	limit, err := MaxAllocBytes()
	if err != nil {
		return err
	}
	if total > limit {
		return fmt.Errorf("%s: %d bytes is more than the %d-byte limit on one array (set %s to raise it): %w", what, total, limit, EnvMaxAlloc, ErrTooLarge)
	}
	return nil
}

// Fits checks that a declared payload of n elements of elemBytes each fits
// in the avail bytes a file still holds (an uncompressed payload must not
// declare more than the file has), and may be allocated.
func Fits(what string, n int64, elemBytes int, avail int64) error {
	total, err := Product(n, int64(elemBytes))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if total > avail {
		return fmt.Errorf("%s: declares %d bytes but the file holds %d after its header", what, total, avail)
	}
	return Alloc(what, n, elemBytes)
}

// Pixels checks an image's declared width and height: positive, and at
// most MaxImagePixels in all.
func Pixels(what string, w, h int) error {
	if w < 1 || h < 1 {
		return fmt.Errorf("%s: image of %dx%d pixels", what, w, h)
	}
	n, err := Product(int64(w), int64(h))
	if err != nil || n > MaxImagePixels {
		return fmt.Errorf("%s: %dx%d pixels is more than the %d-pixel limit (Pillow's decompression-bomb limit): %w", what, w, h, MaxImagePixels, ErrTooLarge)
	}
	return nil
}

// RegularFile checks that path (links followed) is a regular file of at
// most maxBytes (0: no limit), so that a FIFO, a device or /dev/zero is
// refused by name instead of blocking or being read forever. It returns
// the file's size.
func RegularFile(path string, maxBytes int64) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	if !st.Mode().IsRegular() {
		return 0, fmt.Errorf("%s is not a regular file (%s)", path, kind(st.Mode()))
	}
	if maxBytes > 0 && st.Size() > maxBytes {
		return 0, fmt.Errorf("%s: %d bytes is more than the %d-byte limit of one file: %w", path, st.Size(), maxBytes, ErrTooLarge)
	}
	return st.Size(), nil
}

func kind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}

// Open opens path for reading after [RegularFile] accepts it, and returns
// the file with its size. The check and the open look at the same file:
// the opened file is checked again.
func Open(path string, maxBytes int64) (*os.File, int64, error) {
	if _, err := RegularFile(path, maxBytes); err != nil {
		return nil, 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s changed while being opened", path)
	}
	return f, st.Size(), nil
}

// ReadFile reads a whole regular file of at most maxBytes.
func ReadFile(path string, maxBytes int64) ([]byte, error) {
	f, size, err := Open(path, maxBytes)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 0, size+1)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if maxBytes > 0 && int64(len(buf)) > maxBytes {
			return nil, fmt.Errorf("%s grew past the %d-byte limit of one file while being read: %w", path, maxBytes, ErrTooLarge)
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// Reader reads at most n bytes from r, then fails with an error naming
// what (a decompressed stream whose header declared n bytes must not yield
// more).
func Reader(r io.Reader, n int64, what string) io.Reader {
	return &limited{r: r, left: n, what: what}
}

type limited struct {
	r    io.Reader
	left int64
	what string
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("%s: more data than declared: %w", l.what, ErrTooLarge)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
