//go:build cgo

package onnx

import (
	"context"
	"fmt"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/encoders/tokenizer"
)

type textTower struct {
	sess    *session
	input   *tokenizer.TextInput
	in      onnxrt.TensorInfo
	mask    *onnxrt.TensorInfo // attention_mask, when the tower takes one
	out     onnxrt.TensorInfo
	extra   []onnxrt.TensorInfo
	context int
	padID   int
	dim     int
	batch   int
}

func openTextTower(spec encoders.Spec, rt encoders.Runtime, f *Files, cfg *tokenizer.TextConfig, lib onnxrt.Library, threads int) (*textTower, error) {
	ins, outs, err := onnxrt.Inspect(f.Text)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	in, err := pickTextInput(spec, f, ins)
	if err != nil {
		return nil, err
	}
	out, err := pick("text output", f.Text, spec.TextOutput, outs, textOutputNames, func(t onnxrt.TensorInfo) bool { return isFloat(t) && len(t.Shape) == 2 })
	if err != nil {
		return nil, err
	}
	if !isFloat(out) || len(out.Shape) != 2 {
		return nil, fmt.Errorf("%s: text output %s is %s%v, want float or float16 [batch,dim]", f.Text, out.Name, out.DType, out.Shape)
	}
	t := &textTower{in: in, out: out}
	if t.input, err = textInput(spec, f, cfg, in); err != nil {
		return nil, err
	}
	t.context, t.padID = t.input.Context, t.input.PadID
	inputs := []onnxrt.TensorInfo{in}
	for _, x := range ins {
		switch {
		case x.Name == in.Name:
		case x.Name == "attention_mask" && isInt(x):
			m := x
			t.mask = &m
			inputs = append(inputs, x)
		case f.Layout == LayoutCombined:
			inputs = append(inputs, x)
			t.extra = append(t.extra, x)
		default:
			return nil, fmt.Errorf("%s: unexpected text input %s %s%v", f.Text, x.Name, x.DType, x.Shape)
		}
	}
	batch1 := in.Shape[0] == 1
	if t.sess, err = newSession(f.Text, rt, inputs, []onnxrt.TensorInfo{out}, batch1, threads); err != nil {
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	t.batch = batchSize(batch1, rt.BatchSize)
	if t.dim, err = width(out, func() ([]float32, error) { return t.run([]string{""}) }); err != nil {
		t.sess.close()
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	return t, nil
}

func (t *textTower) Dim() int { return t.dim }

// EncodeTexts tokenises and embeds texts.
func (t *textTower) EncodeTexts(ctx context.Context, texts []string) ([]float32, error) {
	return encodeRows(ctx, len(texts), t.dim, t.batch, t.sess.workers, "text tower "+t.sess.path, "texts", func(lo, hi int) ([]float32, error) {
		return t.run(texts[lo:hi])
	})
}

// Tokens returns the padded token ids and attention mask for texts, as fed
// to the tower.
func (t *textTower) Tokens(texts []string) (ids, mask []int64) {
	ids = make([]int64, len(texts)*t.context)
	mask = make([]int64, len(texts)*t.context)
	t.input.Fill(texts, ids, mask)
	return ids, mask
}

func (t *textTower) run(texts []string) ([]float32, error) {
	n := int64(len(texts))
	ids, mask := t.Tokens(texts)
	byName := map[string]ort.Value{}
	defer func() {
		for _, v := range byName {
			v.Destroy()
		}
	}()
	shape := ort.NewShape(n, int64(t.context))
	v, err := intTensor(t.in.DType, shape, ids)
	if err != nil {
		return nil, err
	}
	byName[t.in.Name] = v
	if t.mask != nil {
		m, err := intTensor(t.mask.DType, shape, mask)
		if err != nil {
			return nil, err
		}
		byName[t.mask.Name] = m
	}
	for _, e := range t.extra {
		d, err := dummyInput(e)
		if err != nil {
			return nil, err
		}
		byName[e.Name] = d
	}
	// Values go in the session's input order.
	inputs := make([]ort.Value, len(t.sess.inputs))
	for i, in := range t.sess.inputs {
		inputs[i] = byName[in.Name]
	}
	return runFloatOutput(t.sess, inputs, t.out, int(n), t.dim)
}
