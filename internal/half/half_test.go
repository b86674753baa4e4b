package half

import (
	"math"
	"testing"
)

func TestFloat16RoundTrip(t *testing.T) {
	cases := map[float32]uint16{
		0: 0x0000, 1: 0x3c00, -2: 0xc000, 0.5: 0x3800, 65504: 0x7bff, 65520: 0x7c00,
		6.103515625e-05: 0x0400, 5.960464477539063e-08: 0x0001, 1e-9: 0,
		float32(math.Inf(1)): 0x7c00, float32(math.Inf(-1)): 0xfc00,
		1.0009765625:   0x3c01, // exactly representable
		1.00048828125:  0x3c00, // halfway, rounds to even (down)
		1.00146484375:  0x3c02, // halfway, rounds to even (up)
		0.333251953125: 0x3555, // 1/3 in half
		-0.0001:        0x868e, // numpy: np.float32(-1e-4).astype(np.float16)
	}
	for f, want := range cases {
		if got := FromFloat32(f); got != want {
			t.Errorf("FromFloat32(%g) = %#04x, want %#04x", f, got, want)
		}
	}
	if h := FromFloat32(float32(math.NaN())); h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
		t.Errorf("NaN -> %#04x", h)
	}
	// Every finite half survives f16 -> f32 -> f16.
	for h := 0; h < 1<<16; h++ {
		if h&0x7c00 == 0x7c00 {
			continue
		}
		if back := FromFloat32(ToFloat32(uint16(h))); back != uint16(h) {
			t.Fatalf("%#04x -> %g -> %#04x", h, ToFloat32(uint16(h)), back)
		}
	}
	buf := make([]byte, 6)
	Encode(buf, []float32{1, -2, 0.5})
	out := make([]float32, 3)
	Decode(out, buf)
	if out[0] != 1 || out[1] != -2 || out[2] != 0.5 {
		t.Errorf("%v", out)
	}
}
