//go:build cgo && !noturbojpeg

package imageproc

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdlib.h>
#include <turbojpeg.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"unsafe"
)

// JPEGDecoder names the JPEG decoder this build uses.
func JPEGDecoder() string { return "libjpeg-turbo (TurboJPEG API, cgo)" }

// PillowExactJPEG reports whether JPEG pixels match Pillow's bit for bit
// (true when decoding through libjpeg-turbo).
const PillowExactJPEG = true

// decodeJPEG decodes with TurboJPEG's default settings, which are those
// Pillow uses through libjpeg: accurate integer IDCT (JDCT_ISLOW) and fancy
// (triangle) chroma upsampling. Grayscale stays gray; CMYK and YCCK become
// Pillow's CMYK (Adobe-inverted samples) and then RGB by Pillow's formula.
// libjpeg warnings that Pillow also ignores (extraneous bytes, corrupt
// segments) are not errors; a premature end of data is.
func decodeJPEG(data []byte) (image.Image, error) {
	h := C.tjInitDecompress()
	if h == nil {
		return nil, errors.New("TurboJPEG: cannot create a decompressor")
	}
	defer C.tjDestroy(h)
	src := (*C.uchar)(unsafe.Pointer(&data[0]))
	n := C.ulong(len(data))
	var w, ht, subsamp, cs C.int
	if C.tjDecompressHeader3(h, src, n, &w, &ht, &subsamp, &cs) != 0 {
		return nil, tjError(h)
	}
	if err := checkSize(int(w), int(ht)); err != nil {
		return nil, err
	}
	width, height := int(w), int(ht)
	var pf C.int
	var bpp int
	switch cs {
	case C.TJCS_GRAY:
		pf, bpp = C.TJPF_GRAY, 1
	case C.TJCS_CMYK, C.TJCS_YCCK:
		pf, bpp = C.TJPF_CMYK, 4
	default:
		pf, bpp = C.TJPF_RGB, 3
	}
	buf := make([]uint8, width*height*bpp)
	rc := C.tjDecompress2(h, src, n, (*C.uchar)(unsafe.Pointer(&buf[0])), w, C.int(width*bpp), ht, pf, 0)
	if rc != 0 {
		if C.tjGetErrorCode(h) != C.TJERR_WARNING {
			return nil, tjError(h)
		}
		if msg := C.GoString(C.tjGetErrorStr2(h)); strings.Contains(msg, "Premature end") {
			return nil, fmt.Errorf("truncated data (%s)", msg)
		}
	}
	out := &RGB{Stride: 3 * width, Rect: image.Rect(0, 0, width, height)}
	switch bpp {
	case 3:
		out.Pix = buf
	case 1:
		out.Pix = make([]uint8, 3*width*height)
		for i, v := range buf {
			out.Pix[3*i], out.Pix[3*i+1], out.Pix[3*i+2] = v, v, v
		}
	case 4:
		out.Pix = make([]uint8, 3*width*height)
		for i := 0; i < width*height; i++ {
			s := buf[4*i : 4*i+4]
			// Pillow reads CMYK JPEGs as "CMYK;I": samples inverted.
			cmykToRGB(out.Pix[3*i:3*i+3], 255-s[0], 255-s[1], 255-s[2], 255-s[3])
		}
	}
	return out, nil
}

func tjError(h C.tjhandle) error {
	return errors.New(C.GoString(C.tjGetErrorStr2(h)))
}
