package imageproc

import (
	"bytes"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"
)

// TestResamplePassesAgree runs the horizontal and vertical passes the build
// uses (C with cgo) and the Go ones on random images, down- and upscaling,
// bicubic and bilinear, keeping a centre crop, and wants the same bytes.
// (Without cgo both sides are the Go passes.)
func TestResamplePassesAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct{ w, h, rw, rh, size int }{
		{500, 375, 298, 224, 224}, {1920, 1080, 398, 224, 224}, {37, 23, 64, 40, 32}, {300, 300, 224, 224, 224}, {9, 400, 16, 711, 16},
	} {
		for _, flt := range []filter{bicubicFilter, bilinearFilter} {
			name := fmt.Sprintf("%dx%d->%dx%d/support=%v", tc.w, tc.h, tc.rw, tc.rh, flt.support)
			stride := 3*tc.w + 5 // rows padded, as sub-images are
			src := &RGB{Pix: make([]uint8, stride*tc.h), Stride: stride, Rect: image.Rect(0, 0, tc.w, tc.h)}
			for i := range src.Pix {
				src.Pix[i] = uint8(rng.IntN(256))
			}
			left, top := CropOffset(tc.rw, tc.size), CropOffset(tc.rh, tc.size)
			var bh, bv coeffBuf
			hc := precompute(tc.w, tc.rw, left, left+tc.size, flt, &bh)
			vc := precompute(tc.h, tc.rh, top, top+tc.size, flt, &bv)
			got := make([]uint8, 3*tc.size*tc.h)
			want := make([]uint8, len(got))
			var sa, sb scratch
			horizontal(got, src, 0, tc.h, hc, &sa)
			horizontalGo(want, src, 0, tc.h, hc, &sb)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: horizontal pass differs from the Go version", name)
			}
			var vg, vw [][]uint8
			collect := func(dst *[][]uint8) func(int, []uint8) {
				return func(_ int, row []uint8) { *dst = append(*dst, append([]uint8(nil), row...)) }
			}
			// The vertical pass over the horizontal pass's rows, as
			// Preprocess runs them.
			vertical(want, 3*tc.size, 0, 3*tc.size, 0, vc, &sa, collect(&vg))
			verticalGo(want, 3*tc.size, 0, 3*tc.size, 0, vc, &sb, collect(&vw))
			if len(vg) != tc.size || len(vw) != tc.size {
				t.Fatalf("%s: %d and %d vertical rows, want %d", name, len(vg), len(vw), tc.size)
			}
			for i := range vg {
				if !bytes.Equal(vg[i], vw[i]) {
					t.Fatalf("%s: vertical row %d differs from the Go version", name, i)
				}
			}
		}
	}
}
