package mat5

import (
	"bytes"
	"testing"

	"github.com/evalclip/evalclip/internal/limits"
)

// FuzzRead: any bytes give variables or an error, never a panic, a stack
// exhaustion or an allocation past the (lowered) limit.
func FuzzRead(f *testing.F) {
	f.Setenv(limits.EnvMaxAlloc, "67108864")
	hdr := append(bytes.Repeat([]byte{' '}, 124), 0x00, 0x01, 'I', 'M')
	copy(hdr, "MATLAB 5.0 MAT-file")
	f.Add(hdr)
	f.Add(append(append([]byte(nil), hdr...), 14, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
	f.Add(append(append([]byte(nil), hdr...), 15, 0, 0, 0, 4, 0, 0, 0, 0x78, 0x9c, 0, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		vars, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, v := range vars {
			v.Float64s()
			v.String()
			v.Bytes()
		}
	})
}
