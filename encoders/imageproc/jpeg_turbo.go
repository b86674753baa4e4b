//go:build cgo && !noturbojpeg

package imageproc

/*
#cgo LDFLAGS: -lturbojpeg
#include <stdio.h>
#include <stdlib.h>
#include <turbojpeg.h>

// TurboJPEG keeps the text of libjpeg's errors and warnings in a
// thread-local buffer, and a goroutine may change threads between two cgo
// calls: each call below reads the message on the thread that made it.
static int evalclip_tj_header(tjhandle h, const unsigned char* src, unsigned long n, int* w, int* ht, int* subsamp,
                              int* cs, char* msg, int msglen) {
	int rc = tjDecompressHeader3(h, src, n, w, ht, subsamp, cs);
	if (rc != 0) snprintf(msg, msglen, "%s", tjGetErrorStr2(h));
	return rc;
}

// evalclip_tj_decompress returns 0, or -1 with the message and with
// *warning set when libjpeg only warned.
static int evalclip_tj_decompress(tjhandle h, const unsigned char* src, unsigned long n, unsigned char* dst, int w,
                                  int pitch, int ht, int pf, int* warning, char* msg, int msglen) {
	int rc = tjDecompress2(h, src, n, dst, w, pitch, ht, pf, 0);
	if (rc != 0) {
		*warning = tjGetErrorCode(h) == TJERR_WARNING;
		snprintf(msg, msglen, "%s", tjGetErrorStr2(h));
	}
	return rc;
}
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
	var msg [256]C.char
	if C.evalclip_tj_header(h, src, n, &w, &ht, &subsamp, &cs, &msg[0], C.int(len(msg))) != 0 {
		return nil, errors.New(C.GoString(&msg[0]))
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
	var warning C.int
	if C.evalclip_tj_decompress(h, src, n, (*C.uchar)(unsafe.Pointer(&buf[0])), w, C.int(width*bpp), ht, pf,
		&warning, &msg[0], C.int(len(msg))) != 0 {
		text := C.GoString(&msg[0])
		if warning == 0 {
			return nil, errors.New(text)
		}
		if strings.Contains(text, "Premature end") {
			return nil, fmt.Errorf("truncated data (%s)", text)
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
