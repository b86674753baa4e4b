//go:build !cgo || noturbojpeg

package imageproc

import (
	"bytes"
	"image"
	"image/jpeg"
)

// JPEGDecoder names the JPEG decoder this build uses.
func JPEGDecoder() string {
	return "image/jpeg (pure Go; pixels differ slightly from Pillow's: rebuild with CGO_ENABLED=1 and libturbojpeg0-dev installed, without the noturbojpeg tag, for libjpeg-turbo)"
}

// PillowExactJPEG reports whether JPEG pixels match Pillow's bit for bit
// (false: this build decodes with the pure-Go image/jpeg).
const PillowExactJPEG = false

// decodeJPEG decodes with the standard library. Its IDCT rounding and its
// chroma upsampling (nearest, not libjpeg's triangle filter) differ from
// libjpeg-turbo's, so pixels differ from Pillow's by a few levels.
func decodeJPEG(data []byte) (image.Image, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return ToRGB(img), nil
}
