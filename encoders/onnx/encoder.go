//go:build cgo

package onnx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/imageproc"
	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/encoders/tokenizer"
	"github.com/evalclip/evalclip/internal/half"
)

func init() { encoders.Register("onnx", backend{}) }

type backend struct{}

func (backend) Open(spec encoders.Spec, rt encoders.Runtime) (encoders.Model, error) {
	return Open(spec, rt)
}

// CheckRuntime finds the ONNX Runtime library rt would use and checks that
// it can serve rt's execution provider, without opening a model.
func (backend) CheckRuntime(rt encoders.Runtime) error {
	lib, ok := onnxrt.Loaded()
	if !ok || rt.ONNXRuntime != "" {
		var err error
		if lib, err = onnxrt.FindFor(rt.ONNXRuntime, rt.Provider); err != nil {
			return err
		}
	}
	return onnxrt.CheckProvider(lib, providerName(rt.Provider))
}

// DefaultContextLength is the text context when neither the model nor the
// suite fixes it.
const DefaultContextLength = 77

// Model is an opened ONNX image-text model.
type Model struct {
	name     string
	files    *Files
	provider string
	lib      onnxrt.Library
	image    *imageTower
	text     *textTower
}

// Open detects spec's layout, initialises ONNX Runtime (see onnxrt.Ensure)
// and opens one session per tower on rt's provider.
func Open(spec encoders.Spec, rt encoders.Runtime) (*Model, error) {
	files, err := Detect(spec)
	if err != nil {
		return nil, err
	}
	lib, err := onnxrt.Ensure(rt.ONNXRuntime, rt.Provider)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	if err := onnxrt.CheckProvider(lib, providerName(rt.Provider)); err != nil {
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	m := &Model{name: spec.Name, files: files, provider: providerName(rt.Provider), lib: lib}
	threads := rt.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	if m.image, err = openImageTower(spec, rt, files, lib, threads); err != nil {
		return nil, err
	}
	if spec.ImageOnly {
		return m, nil
	}
	if m.text, err = openTextTower(spec, rt, files, lib, threads); err != nil {
		return nil, errors.Join(err, m.Close())
	}
	if m.image.dim != m.text.dim {
		return nil, errors.Join(fmt.Errorf("model %s: image embeddings have %d dims but text embeddings %d", spec.Name, m.image.dim, m.text.dim), m.Close())
	}
	return m, nil
}

func providerName(p string) string {
	if p == "" {
		return "cpu"
	}
	return p
}

// Image returns the image tower.
func (m *Model) Image() encoders.ImageEncoder { return m.image }

// Text returns the text tower, or nil for an image-only model.
func (m *Model) Text() encoders.TextEncoder {
	if m.text == nil {
		return nil
	}
	return m.text
}

// Files returns what Detect found.
func (m *Model) Files() *Files { return m.files }

// Describe summarises the model for logs.
func (m *Model) Describe() string {
	text := "no text tower"
	if m.text != nil {
		text = fmt.Sprintf("text %s (%s, context %d, pad %d)", m.files.Text, m.text.sess.describe(), m.text.context, m.text.padID)
	}
	return fmt.Sprintf("%s: %s layout, image %s (%s), %s, dim %d, %s on ONNX Runtime %s",
		m.name, m.files.Layout, m.files.Vision, m.image.sess.describe(), text, m.image.dim, m.provider, m.lib.Version)
}

// Fingerprint identifies the tower files (path, size, modification time),
// the tokenizer and the preprocessing.
func (m *Model) Fingerprint() string {
	var b strings.Builder
	for _, p := range []string{m.files.Vision, m.files.Text, m.files.Tokenizer, m.files.Preprocess} {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil {
			fmt.Fprintf(&b, "%s:%d:%d;", p, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	fmt.Fprintf(&b, "pre=%+v", m.image.pre)
	if m.text != nil {
		fmt.Fprintf(&b, ";pad=%d;ctx=%d", m.text.padID, m.text.context)
	}
	return b.String()
}

// Close releases the sessions.
func (m *Model) Close() error {
	var errs []error
	if m.image != nil {
		errs = append(errs, m.image.sess.close())
	}
	if m.text != nil {
		errs = append(errs, m.text.sess.close())
	}
	return errors.Join(errs...)
}

// ---------------------------------------------------------------- sessions

// session wraps one ONNX Runtime session with its I/O description.
type session struct {
	path    string
	sess    *ort.DynamicAdvancedSession
	inputs  []onnxrt.TensorInfo // in session order
	outputs []onnxrt.TensorInfo
	// batch1 is set when the first input's batch dimension is fixed at 1.
	batch1  bool
	workers int // concurrent Run calls
}

func (s *session) describe() string {
	var in []string
	for _, t := range s.inputs {
		in = append(in, fmt.Sprintf("%s %s%v", t.Name, t.DType, t.Shape))
	}
	mode := fmt.Sprintf("dynamic batch x %d concurrent", s.workers)
	if s.batch1 {
		mode = fmt.Sprintf("static batch 1 x %d concurrent", s.workers)
	}
	return strings.Join(in, ", ") + "; " + mode
}

func (s *session) close() error {
	if s == nil || s.sess == nil {
		return nil
	}
	err := s.sess.Destroy()
	s.sess = nil
	return err
}

// newSession opens path with the given inputs and outputs (names already
// resolved). threads is the machine's budget. On the CPU provider every
// request runs on one thread and threads requests run at once (a batch is
// split across them): for batch inference this keeps all cores busy without
// ONNX Runtime's per-operator synchronisation, which dominates for small
// towers, and it is how static batch-1 towers use the machine at all. On a
// GPU provider a dynamic-batch tower takes whole batches one at a time.
func newSession(path string, rt encoders.Runtime, inputs, outputs []onnxrt.TensorInfo, batch1 bool, threads int) (*session, error) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	s := &session{path: path, inputs: inputs, outputs: outputs, batch1: batch1, workers: threads}
	intra := 1
	if providerName(rt.Provider) != "cpu" && !batch1 {
		intra, s.workers = threads, 1
	}
	if err := opts.SetIntraOpNumThreads(intra); err != nil {
		return nil, err
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, err
	}
	if err := opts.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return nil, err
	}
	if err := appendProvider(opts, rt); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var in, out []string
	for _, t := range inputs {
		in = append(in, t.Name)
	}
	for _, t := range outputs {
		out = append(out, t.Name)
	}
	sess, err := ort.NewDynamicAdvancedSession(path, in, out, opts)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.sess = sess
	return s, nil
}

func appendProvider(opts *ort.SessionOptions, rt encoders.Runtime) error {
	name := providerName(rt.Provider)
	var (
		po interface {
			Update(map[string]string) error
			Destroy() error
		}
		add func() error
		err error
	)
	switch name {
	case "cpu":
		return nil
	case "cuda":
		var c *ort.CUDAProviderOptions
		if c, err = ort.NewCUDAProviderOptions(); err == nil {
			po, add = c, func() error { return opts.AppendExecutionProviderCUDA(c) }
		}
	case "tensorrt":
		var t *ort.TensorRTProviderOptions
		if t, err = ort.NewTensorRTProviderOptions(); err == nil {
			po, add = t, func() error { return opts.AppendExecutionProviderTensorRT(t) }
		}
	default:
		return fmt.Errorf("unknown execution provider %q (cpu, cuda, tensorrt)", rt.Provider)
	}
	lib, _ := onnxrt.Loaded()
	if err != nil {
		return providerError(name, lib, err)
	}
	defer po.Destroy()
	if err := po.Update(map[string]string{"device_id": fmt.Sprint(rt.Device)}); err != nil {
		return providerError(name, lib, err)
	}
	if err := add(); err != nil {
		return providerError(name, lib, err)
	}
	return nil
}

func providerError(name string, lib onnxrt.Library, err error) error {
	want := map[string]string{"cuda": "libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so beside it, and CUDA/cuDNN libraries on the loader path",
		"tensorrt": "libonnxruntime_providers_tensorrt.so and libonnxruntime_providers_shared.so beside it, and TensorRT libraries on the loader path"}[name]
	return fmt.Errorf("execution provider %s is not available in ONNX Runtime %s at %s (it needs %s; the npm onnxruntime-node build is CPU-only): %w",
		name, lib.Version, lib.Path, want, err)
}

// pick returns the tensor named want (if set), else the first whose name is
// in candidates, else the only one matching ok.
func pick(role, path, want string, ts []onnxrt.TensorInfo, candidates []string, ok func(onnxrt.TensorInfo) bool) (onnxrt.TensorInfo, error) {
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
	}
	if want != "" {
		for _, t := range ts {
			if t.Name == want {
				return t, nil
			}
		}
		return onnxrt.TensorInfo{}, fmt.Errorf("%s: no %s named %q (has %s)", path, role, want, strings.Join(names, ", "))
	}
	for _, c := range candidates {
		for _, t := range ts {
			if t.Name == c {
				return t, nil
			}
		}
	}
	var match []onnxrt.TensorInfo
	for _, t := range ts {
		if ok(t) {
			match = append(match, t)
		}
	}
	if len(match) == 1 {
		return match[0], nil
	}
	return onnxrt.TensorInfo{}, fmt.Errorf("%s: cannot tell which %s to use among %s; name it in the suite", path, role, strings.Join(names, ", "))
}

func isFloat(t onnxrt.TensorInfo) bool { return t.DType == "float" || t.DType == "float16" }
func isInt(t onnxrt.TensorInfo) bool   { return t.DType == "int32" || t.DType == "int64" }

// ---------------------------------------------------------------- image tower

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

var (
	imageInputNames  = []string{"image", "pixel_values", "images", "input"}
	imageOutputNames = []string{"embedding", "image_embeds", "image_features", "output"}
	textInputNames   = []string{"text", "input_ids", "tokens", "input"}
	textOutputNames  = []string{"embedding", "text_embeds", "text_features", "output"}
)

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
	pre := imageproc.Default()
	if spec.ImageOnly {
		pre = imageproc.TorchvisionImageNet()
	}
	if f.Preprocess != "" {
		if pre, err = imageproc.LoadModelPreprocess(f.Preprocess); err != nil {
			return nil, fmt.Errorf("model %s: %w", spec.Name, err)
		}
	}
	if h := in.Shape[2]; h > 0 && f.Preprocess == "" && spec.ImageSize == 0 {
		pre.Size = int(h) // no config: the model's own input size
	}
	pre = encoders.PreprocessFor(spec, pre)
	if err := pre.Validate(); err != nil {
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	if (in.Shape[2] > 0 && int(in.Shape[2]) != pre.Size) || (in.Shape[3] > 0 && int(in.Shape[3]) != pre.Size) {
		return nil, fmt.Errorf("model %s: %s takes %dx%d images but the preprocessing makes %dx%d", spec.Name, f.Vision, in.Shape[2], in.Shape[3], pre.Size, pre.Size)
	}
	if in.Shape[1] > 0 && in.Shape[1] != 3 {
		return nil, fmt.Errorf("model %s: %s takes %d channels, want 3", spec.Name, f.Vision, in.Shape[1])
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

// batchSize is the number of inputs per request: 1 for a static batch-1
// tower, else the suite's batch size (64 when unset).
func batchSize(batch1 bool, configured int) int {
	switch {
	case batch1:
		return 1
	case configured <= 0:
		return 64
	}
	return configured
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

// EncodeImages runs the tower over n preprocessed images in chunks of the
// session's batch size; static batch-1 towers run workers requests at once.
func (t *imageTower) EncodeImages(ctx context.Context, pixels []float32, n int) ([]float32, error) {
	per := t.pre.PixelsPerImage()
	if n < 0 || len(pixels) != n*per {
		return nil, fmt.Errorf("image tower %s: got %d values for %d images of 3x%dx%d", t.sess.path, len(pixels), n, t.pre.Size, t.pre.Size)
	}
	out := make([]float32, n*t.dim)
	return out, parallelChunks(ctx, n, chunkSize(n, t.batch, t.sess.workers), t.sess.workers, func(lo, hi int) error {
		emb, err := t.run(pixels[lo*per:hi*per], hi-lo)
		if err != nil {
			return err
		}
		if len(emb) != (hi-lo)*t.dim {
			return fmt.Errorf("image tower %s returned %d values for %d images of width %d", t.sess.path, len(emb), hi-lo, t.dim)
		}
		copy(out[lo*t.dim:], emb)
		return nil
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

// ---------------------------------------------------------------- text tower

type textTower struct {
	sess    *session
	tok     *tokenizer.Tokenizer
	in      onnxrt.TensorInfo
	mask    *onnxrt.TensorInfo // attention_mask, when the tower takes one
	out     onnxrt.TensorInfo
	extra   []onnxrt.TensorInfo
	context int
	padID   int
	dim     int
	batch   int
}

func openTextTower(spec encoders.Spec, rt encoders.Runtime, f *Files, lib onnxrt.Library, threads int) (*textTower, error) {
	tok, err := tokenizer.Load(f.Tokenizer)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	ins, outs, err := onnxrt.Inspect(f.Text)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", spec.Name, err)
	}
	in, err := pick("text input", f.Text, spec.TextInput, ins, textInputNames, func(t onnxrt.TensorInfo) bool { return isInt(t) && len(t.Shape) == 2 })
	if err != nil {
		return nil, err
	}
	if !isInt(in) || len(in.Shape) != 2 {
		return nil, fmt.Errorf("%s: text input %s is %s%v, want int32 or int64 [batch,context]", f.Text, in.Name, in.DType, in.Shape)
	}
	out, err := pick("text output", f.Text, spec.TextOutput, outs, textOutputNames, func(t onnxrt.TensorInfo) bool { return isFloat(t) && len(t.Shape) == 2 })
	if err != nil {
		return nil, err
	}
	if !isFloat(out) || len(out.Shape) != 2 {
		return nil, fmt.Errorf("%s: text output %s is %s%v, want float or float16 [batch,dim]", f.Text, out.Name, out.DType, out.Shape)
	}
	t := &textTower{tok: tok, in: in, out: out}
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
	t.context = spec.ContextLength
	if c := int(in.Shape[1]); c > 0 {
		if t.context != 0 && t.context != c {
			return nil, fmt.Errorf("model %s: context_length = %d but %s takes %d tokens", spec.Name, t.context, f.Text, c)
		}
		t.context = c
	}
	if t.context == 0 {
		t.context = DefaultContextLength
	}
	t.padID = f.DefaultPadID
	if t.padID == padEOT {
		t.padID = tok.EOT()
	}
	if spec.PadID != nil {
		t.padID = *spec.PadID
	}
	if t.padID >= tok.VocabSize() {
		return nil, fmt.Errorf("model %s: pad id %d is outside the vocabulary (%d tokens)", spec.Name, t.padID, tok.VocabSize())
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
	out := make([]float32, len(texts)*t.dim)
	return out, parallelChunks(ctx, len(texts), chunkSize(len(texts), t.batch, t.sess.workers), t.sess.workers, func(lo, hi int) error {
		emb, err := t.run(texts[lo:hi])
		if err != nil {
			return err
		}
		if len(emb) != (hi-lo)*t.dim {
			return fmt.Errorf("text tower %s returned %d values for %d texts of width %d", t.sess.path, len(emb), hi-lo, t.dim)
		}
		copy(out[lo*t.dim:], emb)
		return nil
	})
}

// Tokens returns the padded token ids and attention mask for texts, as fed
// to the tower.
func (t *textTower) Tokens(texts []string) (ids, mask []int64) {
	ids = make([]int64, len(texts)*t.context)
	mask = make([]int64, len(texts)*t.context)
	for i, s := range texts {
		row := t.tok.Tokenize(s, t.context)
		for j := 0; j < t.context; j++ {
			if j < len(row) {
				ids[i*t.context+j] = int64(row[j])
				mask[i*t.context+j] = 1
			} else {
				ids[i*t.context+j] = int64(t.padID)
			}
		}
	}
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

// ---------------------------------------------------------------- tensors

func floatTensor(dtype string, shape ort.Shape, data []float32) (ort.Value, error) {
	if dtype == "float16" {
		buf := make([]byte, 2*len(data))
		half.Encode(buf, data)
		return ort.NewCustomDataTensor(shape, buf, ort.TensorElementDataTypeFloat16)
	}
	return ort.NewTensor(shape, data)
}

func intTensor(dtype string, shape ort.Shape, data []int64) (ort.Value, error) {
	if dtype == "int32" {
		d32 := make([]int32, len(data))
		for i, v := range data {
			d32[i] = int32(v)
		}
		return ort.NewTensor(shape, d32)
	}
	return ort.NewTensor(shape, data)
}

// dummyInput is a batch-of-one zero input for a combined model's other tower.
func dummyInput(t onnxrt.TensorInfo) (ort.Value, error) {
	shape := make(ort.Shape, len(t.Shape))
	n := int64(1)
	for i, d := range t.Shape {
		if d <= 0 {
			d = 1
			if i == 1 && isInt(t) {
				d = DefaultContextLength
			}
		}
		shape[i] = d
		n *= d
	}
	if isInt(t) {
		return intTensor(t.DType, shape, make([]int64, n))
	}
	return floatTensor(t.DType, shape, make([]float32, n))
}

// runFloatOutput runs the session and returns the [n, dim] output as float32.
// float16 outputs are pre-allocated (onnxruntime_go cannot allocate them).
func runFloatOutput(s *session, inputs []ort.Value, out onnxrt.TensorInfo, n, dim int) ([]float32, error) {
	if out.DType == "float16" {
		if dim <= 0 {
			return nil, fmt.Errorf("%s: float16 output %s has a dynamic width; cannot pre-allocate it", s.path, out.Name)
		}
		buf := make([]byte, 2*n*dim)
		o, err := ort.NewCustomDataTensor(ort.NewShape(int64(n), int64(dim)), buf, ort.TensorElementDataTypeFloat16)
		if err != nil {
			return nil, err
		}
		defer o.Destroy()
		if err := s.sess.Run(inputs, []ort.Value{o}); err != nil {
			return nil, fmt.Errorf("run %s: %w", s.path, err)
		}
		res := make([]float32, n*dim)
		half.Decode(res, o.GetData())
		return res, nil
	}
	outs := []ort.Value{nil}
	if dim > 0 {
		o, err := ort.NewEmptyTensor[float32](ort.NewShape(int64(n), int64(dim)))
		if err != nil {
			return nil, err
		}
		outs[0] = o
	}
	defer func() {
		if outs[0] != nil {
			outs[0].Destroy()
		}
	}()
	if err := s.sess.Run(inputs, outs); err != nil {
		return nil, fmt.Errorf("run %s: %w", s.path, err)
	}
	t, ok := outs[0].(*ort.Tensor[float32])
	if !ok {
		return nil, fmt.Errorf("%s: output %s is not float32", s.path, out.Name)
	}
	return append([]float32(nil), t.GetData()...), nil
}

// chunkSize splits n items over workers requests of at most batch items.
func chunkSize(n, batch, workers int) int {
	if workers < 1 {
		workers = 1
	}
	size := (n + workers - 1) / workers
	return max(1, min(size, batch))
}

// parallelChunks calls fn on [lo,hi) chunks of at most size items, with up
// to workers calls at once, stopping at the first error or when ctx ends.
func parallelChunks(ctx context.Context, n, size, workers int, fn func(lo, hi int) error) error {
	if size < 1 {
		size = 1
	}
	if workers < 1 {
		workers = 1
	}
	if workers == 1 {
		for lo := 0; lo < n; lo += size {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(lo, min(lo+size, n)); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				if err := fn(lo, min(lo+size, n)); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for lo := 0; lo < n; lo += size {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		next <- lo
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
