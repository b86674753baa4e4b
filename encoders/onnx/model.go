//go:build cgo

package onnx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

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

// Identity is the model's open_clip name and pretrained tag as its
// config gives them ("" when it does not).
func (m *Model) Identity() (model, pretrained string) { return m.cfg.OpenCLIP, m.cfg.Pretrained }

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

// Fingerprint identifies what the model's features depend on: the
// content (SHA-256) of every file the towers read (ONNX files, their
// external data, tokenizer, preprocessing config), the preprocessing, the
// text input, and the ONNX Runtime release and execution provider that
// run them. A file's hash is taken once per process (a Hub file's from its
// blob name, which is its SHA-256).
func (m *Model) Fingerprint() string {
	var b strings.Builder
	files := []string{m.files.Vision, m.files.Text, m.files.Tokenizer, m.files.Preprocess, m.files.Config}
	for _, onnxFile := range []string{m.files.Vision, m.files.Text} {
		if onnxFile == "" {
			continue
		}
		if ext, err := ExternalData(onnxFile); err == nil {
			for _, e := range ext {
				files = append(files, filepath.Join(filepath.Dir(onnxFile), filepath.FromSlash(e)))
			}
		}
	}
	for _, p := range files {
		if p == "" {
			continue
		}
		fmt.Fprintf(&b, "%s=%s;", filepath.Base(p), fileHash(p))
	}
	fmt.Fprintf(&b, "pre=%+v", m.image.pre)
	if m.text != nil {
		fmt.Fprintf(&b, ";text=%s", m.text.input.Describe())
	}
	fmt.Fprintf(&b, ";ort=%s;provider=%s", m.lib.Version, m.provider)
	return b.String()
}

var (
	hashMu sync.Mutex
	hashes = map[string]string{}
)

// fileHash is the SHA-256 of a file's content, memoised by path, size
// and modification time; "missing" when it cannot be read. A file in the
// Hugging Face cache links to blobs/<sha256>: that name is its hash.
func fileHash(p string) string {
	fi, err := os.Stat(p)
	if err != nil {
		return "missing"
	}
	memo := fmt.Sprintf("%s:%d:%d", p, fi.Size(), fi.ModTime().UnixNano())
	hashMu.Lock()
	h, ok := hashes[memo]
	hashMu.Unlock()
	if ok {
		return h
	}
	if t, err := filepath.EvalSymlinks(p); err == nil && filepath.Base(filepath.Dir(t)) == "blobs" && isHex64(filepath.Base(t)) {
		h = filepath.Base(t)
	} else {
		f, err := os.Open(p)
		if err != nil {
			return "missing"
		}
		sum := sha256.New()
		_, err = io.Copy(sum, f)
		f.Close()
		if err != nil {
			return "unreadable"
		}
		h = hex.EncodeToString(sum.Sum(nil))
	}
	hashMu.Lock()
	hashes[memo] = h
	hashMu.Unlock()
	return h
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
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
