package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// CleanMode is open_clip's text cleaning before a tokenizer sees the text
// (text_cfg.tokenizer_kwargs.clean).
type CleanMode string

// The cleanings open_clip knows. All of them start with its basic_clean:
// ftfy.fix_text, html.unescape twice, strip.
const (
	// CleanDefault is the tokenizer kind's own default: CleanLower for
	// CLIP's BPE (SimpleTokenizer), CleanWhitespace for Hugging Face
	// tokenizers (open_clip's HFTokenizer).
	CleanDefault CleanMode = ""
	// CleanNone passes the text through untouched: what a tokenizer.json
	// does on its own (evalclip tokenize --tokenizer).
	CleanNone CleanMode = "none"
	// CleanWhitespace collapses whitespace runs to one space.
	CleanWhitespace CleanMode = "whitespace"
	// CleanLower collapses whitespace and lowercases (CLIP's cleaning).
	CleanLower CleanMode = "lower"
	// CleanCanonicalize is big_vision's canonicalization (SigLIP): "_" to
	// space, ASCII punctuation removed, lowercased, whitespace collapsed.
	CleanCanonicalize CleanMode = "canonicalize"
)

// ParseCleanMode checks a clean setting: whitespace, lower, canonicalize,
// none, or "" for the default.
func ParseCleanMode(s string) (CleanMode, error) {
	switch m := CleanMode(s); m {
	case CleanDefault, CleanNone, CleanWhitespace, CleanLower, CleanCanonicalize:
		return m, nil
	}
	return "", fmt.Errorf("clean %q: want whitespace, lower, canonicalize or none", s)
}

// basicClean is open_clip's basic_clean: ftfy.fix_text, html.unescape
// twice, strip.
func basicClean(text string) string {
	text = strings.ToValidUTF8(text, "\ufffd")
	text = unescapeHTML(unescapeHTML(fixText(text)))
	return strings.TrimFunc(text, isPySpace)
}

// pySplitJoin is Python's " ".join(text.split()).
func pySplitJoin(s string) string {
	return strings.Join(strings.FieldsFunc(s, isPySpace), " ")
}

// asciiPunctuation is Python's string.punctuation.
const asciiPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// canonicalize is open_clip's canonicalize_text (from big_vision).
func canonicalize(text string) string {
	text = strings.ReplaceAll(text, "_", " ")
	text = strings.Map(func(r rune) rune {
		if r < 0x80 && strings.ContainsRune(asciiPunctuation, r) {
			return -1
		}
		return r
	}, text)
	return pySplitJoin(pyLower(text))
}

// CleanText applies mode to text as open_clip's clean functions do.
// CleanDefault and CleanNone return text unchanged.
func CleanText(mode CleanMode, text string) string {
	switch mode {
	case CleanWhitespace:
		return pySplitJoin(basicClean(text))
	case CleanLower:
		return pyLower(pySplitJoin(basicClean(text)))
	case CleanCanonicalize:
		return canonicalize(basicClean(text))
	}
	return text
}

// TextConfig is what an export's config says about its text tower, in
// open_clip's terms (text_cfg), and about scoring.
type TextConfig struct {
	// File is the config file read, "" when there was none.
	File string
	// HFTokenizerName is text_cfg.hf_tokenizer_name ("" for CLIP's BPE).
	HFTokenizerName string
	// Clean is text_cfg.tokenizer_kwargs.clean.
	Clean CleanMode
	// StripSep is text_cfg.tokenizer_kwargs.strip_sep_token: the sep id
	// is replaced with 0 after tokenizing (CLIPA's BERT towers).
	StripSep bool
	// ContextLength is text_cfg.context_length (0 when unset).
	ContextLength int
	// LogitScale and LogitBias are the learned scoring parameters when the
	// export records them (exp(logit_scale) and logit_bias at the top
	// level, as tools/export writes them); nil when absent.
	LogitScale, LogitBias *float64
	// InitLogitBias is init_logit_bias, set for SigLIP-family configs:
	// the model scores with a sigmoid.
	InitLogitBias *float64
	// OpenCLIP and Pretrained are the model's open_clip name and pretrained
	// tag when the config says: open_clip_model and pretrained
	// (tools/export writes them), or a transformers config's
	// _name_or_path of OpenAI's or LAION's CLIP releases
	// ("openai/clip-vit-base-patch32" is ViT-B-32 / openai).
	OpenCLIP, Pretrained string
}

var laionCLIP = regexp.MustCompile(`^laion/CLIP-(ViT-[A-Za-z]+-\d+(?:-\d+)?)-(.+)$`)

// openaiCLIP maps OpenAI's transformers repositories to open_clip names.
var openaiCLIP = map[string]string{
	"openai/clip-vit-base-patch32": "ViT-B-32", "openai/clip-vit-base-patch16": "ViT-B-16",
	"openai/clip-vit-large-patch14": "ViT-L-14", "openai/clip-vit-large-patch14-336": "ViT-L-14-336",
}

// identityOf maps a transformers _name_or_path to an open_clip model and
// pretrained tag.
func identityOf(nameOrPath string) (model, tag string) {
	if m, ok := openaiCLIP[nameOrPath]; ok {
		return m, "openai"
	}
	if p := laionCLIP.FindStringSubmatch(nameOrPath); p != nil {
		return p[1], strings.ReplaceAll(strings.ToLower(p[2]), "-", "_")
	}
	return "", ""
}

// Sigmoid reports whether the config is of a model trained with the
// sigmoid loss (SigLIP): it has a logit bias.
func (c *TextConfig) Sigmoid() bool { return c.LogitBias != nil || c.InitLogitBias != nil }

// ConfigFiles are the names ReadTextConfig looks for, in order.
var ConfigFiles = []string{"open_clip_config.json", "config.json"}

// ReadTextConfigFile reads one config file as [ReadTextConfig] does; ""
// gives an empty config.
func ReadTextConfigFile(path string) (*TextConfig, error) {
	if path == "" {
		return &TextConfig{}, nil
	}
	return parseTextConfig(path)
}

// ReadTextConfig reads the first of open_clip_config.json (the Hub's
// {"model_cfg": ...}) and config.json (an open_clip model config, as
// immich exports keep it, or the same under model_cfg) in dirs. No file
// gives an empty config; a file of another kind (a Hugging Face
// transformers config.json) gives what it can say: its text context
// (text_config.max_position_embeddings) and, for SigLIP, a sigmoid.
func ReadTextConfig(dirs ...string) (*TextConfig, error) {
	for _, dir := range dirs {
		for _, name := range ConfigFiles {
			p := filepath.Join(dir, name)
			if !exists(p) {
				continue
			}
			return parseTextConfig(p)
		}
	}
	return &TextConfig{}, nil
}

// ocModelConfig is the part of an open_clip model config read here.
type ocModelConfig struct {
	InitLogitBias *float64 `json:"init_logit_bias"`
	TextCfg       *struct {
		HFTokenizerName string          `json:"hf_tokenizer_name"`
		ContextLength   *int            `json:"context_length"`
		TokenizerKwargs json.RawMessage `json:"tokenizer_kwargs"`
	} `json:"text_cfg"`
}

func parseTextConfig(path string) (*TextConfig, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var doc struct {
		ocModelConfig
		ModelCfg   *ocModelConfig `json:"model_cfg"`
		LogitScale *float64       `json:"logit_scale"`
		LogitBias  *float64       `json:"logit_bias"`
		// The model's identity.
		OpenCLIPModel      string `json:"open_clip_model"`
		OpenCLIPPretrained string `json:"pretrained"`
		NameOrPath         string `json:"_name_or_path"`
		// Hugging Face transformers configs.
		ModelType  string `json:"model_type"`
		TextConfig *struct {
			MaxPositions *int `json:"max_position_embeddings"`
		} `json:"text_config"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonError(path, data, err)
	}
	c := &TextConfig{File: path, LogitScale: doc.LogitScale, LogitBias: doc.LogitBias, OpenCLIP: doc.OpenCLIPModel, Pretrained: doc.OpenCLIPPretrained}
	if c.OpenCLIP == "" && c.Pretrained == "" {
		c.OpenCLIP, c.Pretrained = identityOf(doc.NameOrPath)
	}
	m := &doc.ocModelConfig
	if doc.ModelCfg != nil {
		m = doc.ModelCfg
	}
	c.InitLogitBias = m.InitLogitBias
	if m.TextCfg == nil {
		if doc.TextConfig != nil && doc.TextConfig.MaxPositions != nil && *doc.TextConfig.MaxPositions > 0 {
			c.ContextLength = *doc.TextConfig.MaxPositions
		}
		if strings.HasPrefix(doc.ModelType, "siglip") && c.InitLogitBias == nil && c.LogitBias == nil {
			bias := -10.0 // SigLIP's init_logit_bias; the learned value must come from the export
			c.InitLogitBias = &bias
		}
		return c, c.check()
	}
	t := m.TextCfg
	c.HFTokenizerName = t.HFTokenizerName
	if t.ContextLength != nil {
		c.ContextLength = *t.ContextLength
	}
	if len(t.TokenizerKwargs) > 0 && string(t.TokenizerKwargs) != "null" {
		var kw map[string]json.RawMessage
		if err := json.Unmarshal(t.TokenizerKwargs, &kw); err != nil {
			return nil, fmt.Errorf("%s: text_cfg.tokenizer_kwargs: want an object: %w", path, err)
		}
		for k, v := range kw {
			switch k {
			case "clean":
				var s string
				if err := json.Unmarshal(v, &s); err != nil {
					return nil, fmt.Errorf("%s: text_cfg.tokenizer_kwargs.clean: want a string", path)
				}
				if c.Clean, err = ParseCleanMode(s); err != nil || c.Clean == CleanNone {
					return nil, fmt.Errorf("%s: text_cfg.tokenizer_kwargs.clean %q: want whitespace, lower or canonicalize", path, s)
				}
			case "strip_sep_token":
				if err := json.Unmarshal(v, &c.StripSep); err != nil {
					return nil, fmt.Errorf("%s: text_cfg.tokenizer_kwargs.strip_sep_token: want true or false", path)
				}
			case "context_length":
				var n int
				if err := json.Unmarshal(v, &n); err != nil {
					return nil, fmt.Errorf("%s: text_cfg.tokenizer_kwargs.context_length: want an integer", path)
				}
				c.ContextLength = n
			default:
				// Other kwargs go to transformers' AutoTokenizer (cache
				// folders, use_fast ...) and do not change the ids.
			}
		}
	}
	return c, c.check()
}

// check bounds the numbers a config gives.
func (c *TextConfig) check() error {
	if c.ContextLength < 0 || c.ContextLength > 1<<16 {
		return fmt.Errorf("%s: text context length %d, want 1 to %d", c.File, c.ContextLength, 1<<16)
	}
	if c.LogitScale != nil && !(*c.LogitScale > 0 && *c.LogitScale < 1e6) {
		return fmt.Errorf("%s: logit_scale %v, want a positive multiplier (exp of the learned log scale)", c.File, *c.LogitScale)
	}
	if c.LogitBias != nil && !(*c.LogitBias > -1e6 && *c.LogitBias < 1e6) {
		return fmt.Errorf("%s: logit_bias %v is not a finite number", c.File, *c.LogitBias)
	}
	return nil
}

// TextInput turns texts into the rows a text tower gets: the model's
// cleaning, its tokenizer, its context length, padding and pad id, and
// open_clip's strip_sep_token.
type TextInput struct {
	Tok      *Tokenizer
	Clean    CleanMode // CleanDefault: the tokenizer kind's
	Context  int
	PadID    int
	StripSep bool
	sep      int32
}

// NewTextInput checks the settings against tok: a known cleaning for its
// kind, a positive context, a pad id in the vocabulary and, with
// stripSep, a sep token.
// MaxContextLength bounds a text tower's row width: far beyond any CLIP
// family (77 to 512 tokens), small enough that a crafted model or config
// cannot make a row allocation fail.
const MaxContextLength = 1 << 16

func NewTextInput(tok *Tokenizer, clean CleanMode, context, padID int, stripSep bool) (*TextInput, error) {
	in := &TextInput{Tok: tok, Clean: clean, Context: context, PadID: padID, StripSep: stripSep, sep: -1}
	if tok.IsCLIP() && clean == CleanWhitespace {
		return nil, fmt.Errorf("tokenizer %s: clean = %q with CLIP's BPE is not supported (it lowercases; use lower or canonicalize)", tok.Path(), clean)
	}
	if context < 1 || context > MaxContextLength {
		return nil, fmt.Errorf("tokenizer %s: context length %d, want 1 to %d", tok.Path(), context, MaxContextLength)
	}
	if padID < 0 || padID >= tok.VocabSize() {
		return nil, fmt.Errorf("tokenizer %s: pad id %d is outside the vocabulary (%d tokens)", tok.Path(), padID, tok.VocabSize())
	}
	if stripSep {
		id, ok := tok.SepID()
		if !ok {
			id = tok.EOT()
		}
		if id < 0 {
			return nil, fmt.Errorf("tokenizer %s: strip_sep_token is set but the tokenizer names no sep token", tok.Path())
		}
		in.sep = int32(id)
	}
	return in, nil
}

// Prepare is the text the tokenizer sees: cleaned as the model's
// conventions say (CLIP's BPE cleans on its own).
func (in *TextInput) Prepare(text string) string {
	switch {
	case in.Tok.IsCLIP() && (in.Clean == CleanDefault || in.Clean == CleanLower):
		return text // the BPE path does exactly this cleaning itself
	case in.Clean == CleanDefault:
		return CleanText(CleanWhitespace, text)
	}
	return CleanText(in.Clean, text)
}

// Row appends the unpadded row of text to dst: cleaned, tokenized,
// truncated to the context with the specials kept, sep ids replaced with
// 0 under StripSep.
func (in *TextInput) Row(dst []int32, text string) []int32 {
	start := len(dst)
	dst = in.Tok.row(dst, in.Prepare(text), in.Context)
	if in.StripSep {
		for i := start; i < len(dst); i++ {
			if dst[i] == in.sep {
				dst[i] = 0
			}
		}
	}
	return dst
}

// Fill writes the rows of texts into ids (len(texts) x Context, padded
// with PadID) and, when mask is not nil, the attention mask: 1 for the
// row's tokens, 0 for padding and for stripped sep tokens (open_clip
// masks ids equal to the pad id; stripped seps become 0, its pad). Long
// batches are tokenized on all cores.
func (in *TextInput) Fill(texts []string, ids, mask []int64) {
	c := in.Context
	prepared := texts
	if !(in.Tok.IsCLIP() && (in.Clean == CleanDefault || in.Clean == CleanLower)) {
		prepared = make([]string, len(texts))
		for i, t := range texts {
			prepared[i] = in.Prepare(t)
		}
	}
	in.Tok.rows(prepared, c, func(i int, row []int32) {
		dst := ids[i*c : (i+1)*c]
		var m []int64
		if mask != nil {
			m = mask[i*c : (i+1)*c]
		}
		for j := range dst {
			switch {
			case j >= len(row):
				dst[j] = int64(in.PadID)
				if m != nil {
					m[j] = 0
				}
			case in.StripSep && row[j] == in.sep:
				dst[j] = 0
				if m != nil {
					m[j] = 0
				}
			default:
				dst[j] = int64(row[j])
				if m != nil {
					m[j] = 1
				}
			}
		}
	})
}

// Describe says how texts are turned into rows, for logs and records.
func (in *TextInput) Describe() string {
	clean := in.Clean
	if clean == CleanDefault {
		clean = CleanWhitespace
		if in.Tok.IsCLIP() {
			clean = CleanLower
		}
	}
	s := fmt.Sprintf("%s tokenizer, clean %s, context %d, pad %d", in.Tok.Kind(), clean, in.Context, in.PadID)
	if in.StripSep {
		s += ", sep stripped"
	}
	return s
}
