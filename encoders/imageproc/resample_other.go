//go:build !cgo

package imageproc

// Without cgo the passes run in Go.

func horizontal(dst []uint8, src *RGB, y0, y1 int, c coeffs, sc *scratch) {
	horizontalGo(dst, src, y0, y1, c, sc)
}

func vertical(src []uint8, stride, colOff, rowLen, rowBase int, c coeffs, sc *scratch, emit func(i int, row []uint8)) {
	verticalGo(src, stride, colOff, rowLen, rowBase, c, sc, emit)
}
