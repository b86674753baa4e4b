//go:build cgo

package onnx

import (
	"context"
	"fmt"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/imageproc"
	"github.com/evalclip/evalclip/encoders/onnxrt"
)

type imageTower struct {
	sess  *session
	pre   imageproc.Config
	dim   int
	in    onnxrt.TensorInfo
	out   onnxrt.TensorInfo
	batch int
	// dummy text inputs for a combined model (fed, not used).
	extra []onnxrt.TensorInfo
}

func openImageTower(spec encoders.Spec, rt encoders.Runtime, f *Files, lib onnxrt.Library, threads int) (*imageTower, error) {
	ins, outs, err := onnxrt.Inspect(f.Vision)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	in, err := pick("image input", f.Vision, spec.ImageInput, ins, imageInputNames, func(t onnxrt.TensorInfo) bool { return isFloat(t) && len(t.Shape) == 4 })
	if err != nil {
		return nil, err
	}
	out, err := pick("image output", f.Vision, spec.ImageOutput, outs, imageOutputNames, func(t onnxrt.TensorInfo) bool { return isFloat(t) && len(t.Shape) == 2 })
	if err != nil {
		return nil, err
	}
	if !isFloat(in) || len(in.Shape) != 4 {
		return nil, fmt.Errorf("%s: image input %s is %s%v, want float or float16 [batch,3,H,W]", f.Vision, in.Name, in.DType, in.Shape)
	}
	if !isFloat(out) || len(out.Shape) != 2 {
		return nil, fmt.Errorf("%s: image output %s is %s%v, want float or float16 [batch,dim]", f.Vision, out.Name, out.DType, out.Shape)
	}
	pre, err := imagePreprocess(spec, f.Preprocess, f.Vision, in.Shape)
	if err != nil {
		return nil, err
	}
	inputs := []onnxrt.TensorInfo{in}
	var extra []onnxrt.TensorInfo
	if f.Layout == LayoutCombined {
		// A combined graph needs every input fed; the text inputs get a
		// dummy batch of one.
		for _, t := range ins {
			if t.Name != in.Name {
				inputs = append(inputs, t)
				extra = append(extra, t)
			}
		}
	}
	batch1 := in.Shape[0] == 1
	sess, err := newSession(f.Vision, rt, inputs, []onnxrt.TensorInfo{out}, batch1, threads)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	t := &imageTower{sess: sess, pre: pre, in: in, out: out, extra: extra, batch: batchSize(batch1, rt.BatchSize)}
	// A dynamic width is discovered with one zero image.
	if t.dim, err = width(out, func() ([]float32, error) { return t.run(make([]float32, pre.PixelsPerImage()), 1) }); err != nil {
		sess.close()
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	return t, nil
}

// width is the embedding width: the output's static second dimension, or
// the length of one probe embedding when it is dynamic.
func width(out onnxrt.TensorInfo, probe func() ([]float32, error)) (int, error) {
	if out.Shape[1] > 0 {
		return int(out.Shape[1]), nil
	}
	emb, err := probe()
	if err != nil {
		return 0, fmt.Errorf("probing the embedding width: %w", err)
	}
	return len(emb), nil
}

func (t *imageTower) Preprocess() imageproc.Config { return t.pre }
func (t *imageTower) Dim() int                     { return t.dim }

// RequestSize: calls are cut into requests of at most the session's batch
// size, spread over its concurrent workers.
func (t *imageTower) RequestSize(n int) (size, concurrent int) {
	size = chunkSize(n, t.batch, t.sess.workers)
	return size, max(1, min(t.sess.workers, (n+size-1)/size))
}

// EncodeImages runs the tower over n preprocessed images in chunks of the
// session's batch size; static batch-1 towers run workers requests at once.
func (t *imageTower) EncodeImages(ctx context.Context, pixels []float32, n int) ([]float32, error) {
	per := t.pre.PixelsPerImage()
	if n < 0 || len(pixels) != n*per {
		return nil, fmt.Errorf("image tower %s: got %d values for %d images of 3x%dx%d", t.sess.path, len(pixels), n, t.pre.Size, t.pre.Size)
	}
	return encodeRows(ctx, n, t.dim, t.batch, t.sess.workers, "image tower "+t.sess.path, "images", func(lo, hi int) ([]float32, error) {
		return t.run(pixels[lo*per:hi*per], hi-lo)
	})
}

func (t *imageTower) run(pixels []float32, n int) ([]float32, error) {
	s := int64(t.pre.Size)
	inputs := make([]ort.Value, 0, 1+len(t.extra))
	defer func() {
		for _, v := range inputs {
			v.Destroy()
		}
	}()
	v, err := floatTensor(t.in.DType, ort.NewShape(int64(n), 3, s, s), pixels)
	if err != nil {
		return nil, err
	}
	inputs = append(inputs, v)
	for _, e := range t.extra {
		d, err := dummyInput(e)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, d)
	}
	return runFloatOutput(t.sess, inputs, t.out, n, t.dim)
}
