//go:build cgo

package onnx

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/evalclip/evalclip/encoders"
	"github.com/evalclip/evalclip/encoders/onnxrt"
	"github.com/evalclip/evalclip/encoders/tokenizer"
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

// Model is an opened ONNX image-text model.
type Model struct {
	name     string
	files    *Files
	provider string
	lib      onnxrt.Library
	image    *imageTower
	text     *textTower
	cfg      *tokenizer.TextConfig
	scoring  encoders.Scoring
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
	cfg, err := TextConfig(spec, files)
	if err != nil {
		return nil, err
	}
	m := &Model{name: spec.Name, files: files, provider: providerName(rt.Provider), lib: lib, cfg: cfg, scoring: scoringOf(spec, cfg)}
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
	if m.text, err = openTextTower(spec, rt, files, cfg, lib, threads); err != nil {
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

// Scoring is the model's probability scoring, from its config and the
// suite ([encoders.Scoring]).
func (m *Model) Scoring() encoders.Scoring { return m.scoring }

// Files returns what Detect found.
func (m *Model) Files() *Files { return m.files }

// Describe summarises the model for logs.
func (m *Model) Describe() string {
	text := "no text tower"
	if m.text != nil {
		text = fmt.Sprintf("text %s (%s, %s)", m.files.Text, m.text.sess.describe(), m.text.input.Describe())
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
		fmt.Fprintf(&b, ";text=%s", m.text.input.Describe())
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
