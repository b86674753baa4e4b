package imageproc

import (
	"errors"
	"fmt"
	"image"
	"strconv"
)

// decodePNM decodes binary PGM (P5) and PPM (P6) files with maxval 255,
// the netpbm flavours torchvision's ImageFolder lists; Pillow reads these
// raw. Other netpbm variants are refused with an error saying so.
func decodePNM(data []byte) (image.Image, error) {
	magic := string(data[:2])
	pos := 2
	var vals [3]int
	for i := range vals {
		tok, next, err := pnmToken(data, pos)
		if err != nil {
			return nil, fmt.Errorf("pnm: %w", err)
		}
		v, err := strconv.Atoi(tok)
		if err != nil {
			return nil, fmt.Errorf("pnm: header value %q is not a number", tok)
		}
		vals[i], pos = v, next
	}
	w, h, maxval := vals[0], vals[1], vals[2]
	if maxval != 255 {
		return nil, fmt.Errorf("pnm: maxval %d is not supported (only 8-bit files with maxval 255)", maxval)
	}
	if err := checkSize(w, h); err != nil {
		return nil, fmt.Errorf("pnm: %w", err)
	}
	pos++ // the single whitespace byte after maxval
	channels := 1
	if magic == "P6" {
		channels = 3
	}
	need := w * h * channels
	if pos > len(data) || len(data)-pos < need {
		return nil, fmt.Errorf("pnm: truncated data: %dx%dx%d needs %d bytes, file holds %d", w, h, channels, need, max(0, len(data)-pos))
	}
	pix := data[pos : pos+need]
	if channels == 3 {
		return &RGB{Pix: append([]uint8(nil), pix...), Stride: 3 * w, Rect: image.Rect(0, 0, w, h)}, nil
	}
	return ToRGB(&image.Gray{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h)}), nil
}

// pnmToken returns the next header token at or after pos, skipping
// whitespace and # comments, and the position just after it.
func pnmToken(data []byte, pos int) (string, int, error) {
	for pos < len(data) {
		switch c := data[pos]; {
		case c == '#':
			for pos < len(data) && data[pos] != '\n' && data[pos] != '\r' {
				pos++
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			pos++
		default:
			start := pos
			for pos < len(data) && pos-start <= 10 && !isPNMSpace(data[pos]) && data[pos] != '#' {
				pos++
			}
			return string(data[start:pos]), pos, nil
		}
	}
	return "", pos, errors.New("header ends early")
}

func isPNMSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
